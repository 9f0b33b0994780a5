package io.jrego.engine.value;

/** {@code true} or {@code false}; {@link #TRUE} and {@link #FALSE} are the only instances. */
public final class BooleanValue implements Value {

  public static final BooleanValue FALSE = new BooleanValue(false);
  public static final BooleanValue TRUE = new BooleanValue(true);

  private final boolean value;

  private BooleanValue(boolean value) {
    this.value = value;
  }

  /** The value for {@code b}. */
  public static BooleanValue of(boolean b) {
    return b ? TRUE : FALSE;
  }

  /** This value as a Java boolean. */
  public boolean value() {
    return value;
  }

  @Override
  public int kindOrder() {
    return 1;
  }

  @Override
  public String typeName() {
    return "boolean";
  }

  @Override
  public String toString() {
    return value ? "true" : "false";
  }
}
