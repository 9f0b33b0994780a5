package io.jrego.engine.builtins.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * A builtin function as the compiler and evaluator see it: its {@link Declaration} and, unless the
 * evaluator implements it itself ({@code print}, {@code walk}, {@code eq}, ...), its function.
 *
 * @param declaration name, types, determinism and documentation facts
 * @param function the implementation; empty when the evaluator implements the builtin
 */
public record Builtin(Declaration declaration, Optional<BuiltinFunction> function) {

  public Builtin {
    Objects.requireNonNull(declaration);
    Objects.requireNonNull(function);
  }

  /** A builtin implemented by {@code function}. */
  public Builtin(Declaration declaration, BuiltinFunction function) {
    this(declaration, Optional.of(function));
  }

  /**
   * A deterministic builtin of {@code arity} operands without declared types (every operand and the
   * result are {@code any}).
   */
  public static Builtin of(String name, int arity, BuiltinFunction function) {
    return new Builtin(Declaration.untyped(name, arity), function);
  }

  /** The name policies call it by. */
  public String name() {
    return declaration.name();
  }

  /** The number of operands (not counting the output), or -1 when variadic. */
  public int arity() {
    return declaration.arity();
  }

  /** Whether the same operands always give the same result. */
  public boolean deterministic() {
    return declaration.deterministic();
  }
}
