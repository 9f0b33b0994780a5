package io.jrego.engine.builtins.spi;

import io.jrego.engine.value.Value;

/**
 * A builtin call failed. The evaluator prefixes the builtin's name and turns it into OPA's {@code
 * eval_type_error} ({@link Kind#TYPE}) or {@code eval_builtin_error} ({@link Kind#BUILTIN});
 * outside strict mode a builtin error makes the call undefined instead, as in OPA.
 */
public final class BuiltinException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Which of OPA's error codes the failure maps to. */
  public enum Kind {
    /** An operand of the wrong type: {@code eval_type_error}. */
    TYPE,
    /** Any other failure: {@code eval_builtin_error}. */
    BUILTIN,
  }

  private final Kind kind;

  public BuiltinException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** A failure that is not about operand types. */
  public static BuiltinException error(String message) {
    return new BuiltinException(Kind.BUILTIN, message);
  }

  /**
   * OPA's operand type error, e.g. {@code operand 1 must be string but got number}.
   *
   * @param position 1-based operand position
   * @param expected the expected type as OPA names it ({@code string}, {@code one of {set, array}},
   *     ...)
   */
  public static BuiltinException operand(int position, String expected, Value got) {
    return new BuiltinException(
        Kind.TYPE, "operand " + position + " must be " + expected + " but got " + got.typeName());
  }
}
