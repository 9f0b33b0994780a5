package io.jrego.engine.value;

/** A string. Compared by Unicode code point, as Go compares strings byte-wise in UTF-8. */
public record StringValue(String value) implements Value {

  public static final StringValue EMPTY = new StringValue("");

  public StringValue {
    java.util.Objects.requireNonNull(value, "value");
  }

  /** The string value for {@code s}. */
  public static StringValue of(String s) {
    return s.isEmpty() ? EMPTY : new StringValue(s);
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
