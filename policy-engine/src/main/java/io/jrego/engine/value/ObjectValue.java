package io.jrego.engine.value;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * An immutable object. Keys may be any value (Rego allows non-string keys); iteration visits keys
 * in OPA's sort order, which is also the order JSON output uses.
 */
public final class ObjectValue implements Value {

  public static final ObjectValue EMPTY = new ObjectValue(Map.of());

  private final Map<Value, Value> map;
  private volatile Value[] sortedKeys; // computed on first ordered use
  private int hash; // 0 until computed

  private ObjectValue(Map<Value, Value> map) {
    this.map = map;
  }

  /** An object with the entries of {@code entries} (copied). */
  public static ObjectValue of(Map<? extends Value, ? extends Value> entries) {
    return entries.isEmpty() ? EMPTY : new ObjectValue(new HashMap<>(entries));
  }

  /** An object with one entry. */
  public static ObjectValue of(Value key, Value value) {
    return new ObjectValue(Map.of(key, value));
  }

  /**
   * An object of up to ten entries with distinct, non-null keys, given as key, value, key, value...
   * (the array is taken over, not copied): held as that array, looked up by a walk over its keys,
   * instead of a hash map with a node per entry, for the small objects a builtin returns by the
   * thousand (a scan's findings and reports).
   *
   * @throws IllegalArgumentException when a key repeats or is null, or the pairs are not 1 to 10
   */
  public static ObjectValue ofDistinct(Value... keysAndValues) {
    Value[] a = keysAndValues;
    if (a.length < 2 || a.length > 20 || a.length % 2 != 0) {
      throw new IllegalArgumentException(
          "ofDistinct takes 1 to 10 key-value pairs, got " + a.length + " values");
    }
    for (int i = 0; i < a.length; i += 2) {
      if (a[i] == null || a[i + 1] == null) {
        throw new IllegalArgumentException("ofDistinct: null key or value at " + i);
      }
      for (int k = 0; k < i; k += 2) {
        // keys are mostly constants, whose hashes are kept: equals only when the hashes agree
        if (a[k].hashCode() == a[i].hashCode() && a[k].equals(a[i])) {
          throw new IllegalArgumentException("ofDistinct: key " + a[i] + " given twice");
        }
      }
    }
    return new ObjectValue(new PairMap(a));
  }

  public int size() {
    return map.size();
  }

  public boolean isEmpty() {
    return map.isEmpty();
  }

  /** The value at {@code key}, if present. */
  public Optional<Value> get(Value key) {
    return Optional.ofNullable(map.get(key));
  }

  /** The value at the string key {@code key}, if present. */
  public Optional<Value> get(String key) {
    return Optional.ofNullable(map.get(StringValue.of(key)));
  }

  /**
   * The value at {@code key}, or {@code null} when absent. For hot paths that cannot afford an
   * {@link Optional}; prefer {@link #get(Value)} elsewhere.
   */
  public Value getOrNull(Value key) {
    return map.get(key);
  }

  public boolean containsKey(Value key) {
    return map.containsKey(key);
  }

  /** The keys in OPA's sort order. */
  public List<Value> keys() {
    return Collections.unmodifiableList(Arrays.asList(sorted()));
  }

  /** Visits entries in key order. */
  public void forEach(BiConsumer<Value, Value> action) {
    for (Value k : sorted()) {
      action.accept(k, map.get(k));
    }
  }

  /** The entries as an unmodifiable map (hash order). */
  public Map<Value, Value> asMap() {
    return Collections.unmodifiableMap(map);
  }

  /** A new object with {@code key} set to {@code value}. */
  public ObjectValue with(Value key, Value value) {
    HashMap<Value, Value> copy = new HashMap<>(map);
    copy.put(key, value);
    return new ObjectValue(copy);
  }

  /** A new object without {@code key}. */
  public ObjectValue without(Value key) {
    if (!map.containsKey(key)) {
      return this;
    }
    HashMap<Value, Value> copy = new HashMap<>(map);
    copy.remove(key);
    return copy.isEmpty() ? EMPTY : new ObjectValue(copy);
  }

  Value[] sorted() {
    Value[] keys = sortedKeys;
    if (keys == null) {
      keys = map.keySet().toArray(new Value[0]);
      Checkpoint.sort(keys);
      sortedKeys = keys;
    }
    return keys;
  }

  @Override
  public int kindOrder() {
    return 7;
  }

  @Override
  public String typeName() {
    return "object";
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof ObjectValue other && map.equals(other.map));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 7;
      for (Map.Entry<Value, Value> e : map.entrySet()) {
        h += Hashing.entry(e.getKey().hashCode(), e.getValue().hashCode());
      }
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (Value k : sorted()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(k).append(": ").append(map.get(k));
    }
    return sb.append('}').toString();
  }

  /** Collects entries into an {@link ObjectValue}; a later put of the same key replaces. */
  public static final class Builder {
    private HashMap<Value, Value> map = new HashMap<>();

    /** An empty builder. */
    public Builder() {}

    public Builder put(Value key, Value value) {
      map.put(key, value);
      return this;
    }

    /** Puts under a key that recurs (a field name): its keyed hash is computed once, shared. */
    public Builder put(String key, Value value) {
      return put(StringValue.ofKey(key), value);
    }

    /** The value already put at {@code key}, or {@code null}. */
    public Value getOrNull(Value key) {
      return map.get(key);
    }

    public int size() {
      return map.size();
    }

    /** Builds the object; the builder must not be used afterwards. */
    public ObjectValue build() {
      HashMap<Value, Value> m = map;
      map = null;
      return m.isEmpty() ? EMPTY : new ObjectValue(m);
    }
  }
}
