package io.jrego.engine.spi;

import io.jrego.engine.value.Value;
import java.util.Objects;

/**
 * What a {@link CustomFunction} answers: a {@link Defined} value, or {@link Undefined} (the call
 * has no result, so the expression that made it is false, as a lookup of a missing key is). There
 * is no {@code null}.
 */
public sealed interface BuiltinResult {

  /** The call's value. */
  static BuiltinResult of(Value value) {
    return new Defined(value);
  }

  /** The call has no value. */
  static BuiltinResult undefined() {
    return Undefined.INSTANCE;
  }

  /**
   * A call with a value.
   *
   * @param value the result, never {@code null}
   */
  record Defined(Value value) implements BuiltinResult {
    public Defined {
      Objects.requireNonNull(value, "value (use BuiltinResult.undefined() for no result)");
    }
  }

  /** A call without a value. */
  enum Undefined implements BuiltinResult {
    INSTANCE
  }
}
