package io.jrego.engine.builtins;

/**
 * A builtin function as the compiler and evaluator see it.
 *
 * @param name the name policies call it by, e.g. {@code strings.replace_n} or {@code plus}
 * @param arity the number of operands (not counting the output)
 * @param function the implementation
 * @param deterministic whether the same operands always give the same result within and across
 *     queries (false for {@code time.now_ns}, {@code rand.intn}, {@code http.send}, ...)
 */
public record Builtin(String name, int arity, BuiltinFunction function, boolean deterministic) {

  /** A deterministic builtin. */
  public static Builtin of(String name, int arity, BuiltinFunction function) {
    return new Builtin(name, arity, function, true);
  }
}
