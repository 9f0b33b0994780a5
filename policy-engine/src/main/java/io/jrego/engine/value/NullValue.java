package io.jrego.engine.value;

/** The JSON {@code null}; {@link #INSTANCE} is the only instance. */
public final class NullValue implements Value {

  public static final NullValue INSTANCE = new NullValue();

  private NullValue() {}

  @Override
  public int kindOrder() {
    return 0;
  }

  @Override
  public String typeName() {
    return "null";
  }

  @Override
  public String toString() {
    return "null";
  }
}
