package io.jrego.engine.spi;

import io.jrego.engine.value.Value;
import java.util.List;

/**
 * The implementation of a {@link CustomBuiltin}. It is called concurrently by every evaluation of
 * the policies it was compiled into, so it must be thread-safe; it should be fast and bounded, as
 * the evaluator's time and allocation limits cannot interrupt it.
 */
@FunctionalInterface
public interface CustomFunction {

  /**
   * Calls the builtin.
   *
   * @param args the operands, exactly as many as the builtin declares, in order
   * @return its result: a value, or {@link BuiltinResult#undefined()}; never {@code null}
   * @throws BuiltinError when the call fails; the evaluation ends with {@code eval_builtin_error}
   *     in strict mode, and otherwise the call is undefined, as for OPA's own builtins
   */
  BuiltinResult call(List<Value> args) throws BuiltinError;
}
