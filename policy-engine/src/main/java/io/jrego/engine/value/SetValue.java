package io.jrego.engine.value;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** An immutable set. Iteration visits elements in OPA's sort order. */
public final class SetValue implements Value, Iterable<Value> {

  public static final SetValue EMPTY = new SetValue(Set.of());

  private final Set<Value> set;
  private volatile Value[] sorted; // computed on first ordered use
  private int hash; // 0 until computed

  private SetValue(Set<Value> set) {
    this.set = set;
  }

  /** A set of the given elements. */
  public static SetValue of(Value... elements) {
    return elements.length == 0 ? EMPTY : new SetValue(new HashSet<>(Arrays.asList(elements)));
  }

  /** A set of the given elements (copied). */
  public static SetValue of(Collection<? extends Value> elements) {
    return elements.isEmpty() ? EMPTY : new SetValue(new HashSet<>(elements));
  }

  public int size() {
    return set.size();
  }

  public boolean isEmpty() {
    return set.isEmpty();
  }

  public boolean contains(Value v) {
    return set.contains(v);
  }

  /** The elements in OPA's sort order. */
  public List<Value> elements() {
    return Collections.unmodifiableList(Arrays.asList(sortedElements()));
  }

  /** The elements as an unmodifiable set (hash order). */
  public Set<Value> asSet() {
    return Collections.unmodifiableSet(set);
  }

  Value[] sortedElements() {
    Value[] s = sorted;
    if (s == null) {
      s = set.toArray(new Value[0]);
      Checkpoint.sort(s);
      sorted = s;
    }
    return s;
  }

  @Override
  public Iterator<Value> iterator() {
    return elements().iterator();
  }

  @Override
  public int kindOrder() {
    return 8;
  }

  @Override
  public String typeName() {
    return "set";
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof SetValue other && set.equals(other.set));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 8;
      for (Value e : set) {
        h += Hashing.mix(e.hashCode()); // a sum: independent of iteration order
      }
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    if (set.isEmpty()) {
      return "set()";
    }
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (Value v : sortedElements()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(v);
    }
    return sb.append('}').toString();
  }

  /** Collects elements into a {@link SetValue}. */
  public static final class Builder {
    private HashSet<Value> set = new HashSet<>();

    /** An empty builder. */
    public Builder() {}

    /** Adds {@code v}; returns whether it was new. */
    public boolean add(Value v) {
      return set.add(v);
    }

    public int size() {
      return set.size();
    }

    /** Builds the set; the builder must not be used afterwards. */
    public SetValue build() {
      HashSet<Value> s = set;
      set = null;
      return s.isEmpty() ? EMPTY : new SetValue(s);
    }
  }
}
