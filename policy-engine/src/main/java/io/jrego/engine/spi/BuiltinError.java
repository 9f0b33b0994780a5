package io.jrego.engine.spi;

/**
 * A {@link CustomFunction} call failed. The message is reported after the builtin's name, as OPA
 * reports its own builtins' failures ({@code geo.distance: unknown unit "furlong"}).
 */
public final class BuiltinError extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what went wrong, naming the operand at fault where there is one
   */
  public BuiltinError(String message) {
    super(message, null, false, false);
  }
}
