package io.jrego.engine.ast;

import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.value.Value;
import java.util.List;

/**
 * A Rego term: a scalar, a variable, a reference, a composite, a comprehension, a call or a
 * template string. Every term knows where it was written.
 */
public sealed interface Term {

  /** Where the term starts. */
  Location location();

  /** {@code null}, a boolean, a number or a string. */
  record Scalar(Value value, Location location) implements Term {}

  /**
   * A variable. After compilation, local variables carry a frame slot ({@code slot >= 0}); a
   * wildcard {@code _} is given a fresh name first.
   */
  record Var(String name, int slot, Location location) implements Term {
    public Var(String name, Location location) {
      this(name, -1, location);
    }

    public boolean isWildcard() {
      return name.equals("_");
    }
  }

  /**
   * A reference: a head ({@code data}, {@code input}, a variable or a composite) followed by a
   * path. A path element written {@code .x} is the string scalar {@code "x"}.
   */
  record Ref(Term head, List<Term> path, Location location) implements Term {}

  /** {@code [a, b]}. */
  record ArrayTerm(List<Term> items, Location location) implements Term {}

  /** {@code {k: v}}; keys and values in source order. */
  record ObjectTerm(List<Term> keys, List<Term> values, Location location) implements Term {}

  /** {@code {a, b}} or {@code set()}. */
  record SetTerm(List<Term> items, Location location) implements Term {}

  /** {@code [head | body]}. */
  record ArrayCompr(Term head, List<Expr> body, Location location) implements Term {}

  /** {@code {head | body}}. */
  record SetCompr(Term head, List<Expr> body, Location location) implements Term {}

  /** {@code {key: value | body}}. */
  record ObjectCompr(Term key, Term value, List<Expr> body, Location location) implements Term {}

  /**
   * A call of a builtin or a function: {@code name} is the dotted operator as written ({@code
   * count}, {@code json.marshal}, {@code data.lib.f}) and, after compilation, fully resolved
   * ({@code data.pkg.f} for a user function). Infix operators are calls of their builtin names
   * ({@code plus}, {@code equal}, {@code eq}, {@code assign}, ...).
   */
  record Call(String name, List<Term> args, Location location) implements Term {}

  /**
   * A template string {@code $"...{expr}..."}: each part is an expression whose value is
   * interpolated (strings as they are, other values in Rego syntax, {@code <undefined>} when
   * undefined); literal text is a string scalar expression.
   */
  record Template(List<Expr> parts, Location location) implements Term {}
}
