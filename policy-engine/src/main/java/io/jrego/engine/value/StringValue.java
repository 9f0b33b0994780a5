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

  /**
   * The string value for {@code s} as an object key that recurs from one document to the next (a
   * JSON field name, a header name): a shared instance when one is cached, so its keyed hash is
   * computed once per distinct name rather than once per document. The cache is direct-mapped on
   * Java's {@code String.hashCode} (cached in the string, and usually computed already): keys that
   * collide only replace one another, costing what {@link #of} costs, never more.
   */
  public static StringValue ofKey(String s) {
    if (s.length() > KEY_CACHE_MAX_LENGTH) {
      return of(s);
    }
    int h = s.hashCode();
    int i = (h ^ h >>> 16) & (KEY_CACHE.length - 1);
    StringValue cached = KEY_CACHE[i];
    if (cached != null && cached.value.equals(s)) {
      return cached;
    }
    StringValue v = of(s);
    KEY_CACHE[i] = v; // a racy store of an immutable value: at worst another miss
    return v;
  }

  private static final int KEY_CACHE_MAX_LENGTH = 64;
  private static final StringValue[] KEY_CACHE = new StringValue[4096];

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
