package io.jrego.engine.builtins.spi;

import io.jrego.engine.value.Value;

/** The implementation of one builtin function. Implementations are stateless and thread-safe. */
@FunctionalInterface
public interface BuiltinFunction {

  /**
   * Calls the builtin.
   *
   * @param args the operands, exactly as many as the builtin's arity
   * @param ctx the evaluation's context (clock, random source, print output, limits)
   * @return the result, or {@code null} when the call is undefined
   * @throws BuiltinException when an operand has the wrong type or the call fails
   */
  Value call(Value[] args, BuiltinContext ctx) throws BuiltinException;
}
