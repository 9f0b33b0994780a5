package io.jrego.engine.value;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/** An immutable array. */
public final class ArrayValue implements Value, Iterable<Value> {

  public static final ArrayValue EMPTY = new ArrayValue(new Value[0]);

  private final Value[] elements;
  private int hash; // 0 until computed

  private ArrayValue(Value[] elements) {
    this.elements = elements;
  }

  /** An array of the given elements (copied). */
  public static ArrayValue of(Value... elements) {
    return elements.length == 0 ? EMPTY : new ArrayValue(elements.clone());
  }

  /** An array of the given elements (copied). */
  public static ArrayValue of(Collection<? extends Value> elements) {
    return elements.isEmpty() ? EMPTY : new ArrayValue(elements.toArray(new Value[0]));
  }

  /** Wraps {@code elements} without copying; the caller must not change the array afterwards. */
  public static ArrayValue wrap(Value[] elements) {
    return elements.length == 0 ? EMPTY : new ArrayValue(elements);
  }

  public int size() {
    return elements.length;
  }

  public boolean isEmpty() {
    return elements.length == 0;
  }

  /** The element at {@code index}; throws {@link IndexOutOfBoundsException} outside the array. */
  public Value get(int index) {
    return elements[index];
  }

  /** The elements as an unmodifiable list view. */
  public List<Value> asList() {
    return java.util.Collections.unmodifiableList(Arrays.asList(elements));
  }

  /** A new array with {@code other}'s elements after this one's. */
  public ArrayValue concat(ArrayValue other) {
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    Value[] joined = Arrays.copyOf(elements, elements.length + other.elements.length);
    System.arraycopy(other.elements, 0, joined, elements.length, other.elements.length);
    return new ArrayValue(joined);
  }

  /** The elements from {@code from} (inclusive) to {@code to} (exclusive). */
  public ArrayValue slice(int from, int to) {
    return wrap(Arrays.copyOfRange(elements, from, to));
  }

  @Override
  public Iterator<Value> iterator() {
    return asList().iterator();
  }

  @Override
  public int kindOrder() {
    return 6;
  }

  @Override
  public String typeName() {
    return "array";
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof ArrayValue a && Arrays.equals(elements, a.elements));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 6;
      for (Value e : elements) {
        h = 31 * h + Hashing.mix(e.hashCode());
      }
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < elements.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(elements[i]);
    }
    return sb.append(']').toString();
  }

  /** Collects elements into an {@link ArrayValue}. */
  public static final class Builder {
    private final ArrayList<Value> list;

    public Builder() {
      this.list = new ArrayList<>();
    }

    public Builder(int expectedSize) {
      this.list = new ArrayList<>(expectedSize);
    }

    public Builder add(Value v) {
      list.add(v);
      return this;
    }

    public int size() {
      return list.size();
    }

    public ArrayValue build() {
      return of(list);
    }
  }
}
