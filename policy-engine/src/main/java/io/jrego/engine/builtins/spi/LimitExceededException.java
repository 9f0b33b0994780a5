package io.jrego.engine.builtins.spi;

/**
 * A builtin would pass one of the evaluation's limits (see {@link BuiltinContext#reserve}). Unlike
 * a {@link BuiltinException}, it is never made undefined: the evaluator ends the query with an
 * {@code eval_limit_error} carrying this message.
 */
public final class LimitExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LimitExceededException(String message) {
    super(message, null, false, false);
  }
}
