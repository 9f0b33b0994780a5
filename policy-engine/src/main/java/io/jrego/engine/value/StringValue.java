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

  // Written out rather than generated: the record's bootstrap-generated equals showed up in
  // evaluation profiles. Same contract (and the same hash) as the generated ones.
  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof StringValue s && value.equals(s.value));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
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
