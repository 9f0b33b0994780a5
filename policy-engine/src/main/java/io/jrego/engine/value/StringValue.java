package io.jrego.engine.value;

import java.util.Objects;

/** A string. Compared by Unicode code point, as Go compares strings byte-wise in UTF-8. */
public final class StringValue implements Value {

  public static final StringValue EMPTY = new StringValue("");

  private final String value;
  private int hash; // 0 until computed (a zero hash is recomputed each time: rare and harmless)

  public StringValue(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** The string value for {@code s}. */
  public static StringValue of(String s) {
    return s.isEmpty() ? EMPTY : new StringValue(s);
  }

  /** The Java string. */
  public String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof StringValue s && value.equals(s.value));
  }

  /** A keyed hash of the characters (see {@link Hashing}), cached. */
  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Hashing.string(value);
      hash = h;
    }
    return h;
  }

  @Override
  public int kindOrder() {
    return 3;
  }

  @Override
  public String typeName() {
    return "string";
  }

  @Override
  public String toString() {
    return Values.quote(value);
  }
}
