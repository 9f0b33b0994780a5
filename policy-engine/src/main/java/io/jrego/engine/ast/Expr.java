package io.jrego.engine.ast;

import io.jrego.engine.base.RegoError.Location;
import java.util.List;

/**
 * One expression of a rule or query body, with its negation and its modifiers.
 *
 * @param stmt what the expression does
 * @param negated whether it was written with {@code not}
 * @param withs the {@code with ... as ...} modifiers, in order
 * @param location where it starts
 */
public record Expr(Stmt stmt, boolean negated, List<With> withs, Location location) {

  /** The body of an expression. */
  public sealed interface Stmt {}

  /** A term evaluated for truth: a call (including {@code =} and {@code :=}), a ref, a value. */
  public record TermStmt(Term term) implements Stmt {}

  /** {@code some x, y}: declares local variables. */
  public record SomeVars(List<Term.Var> vars) implements Stmt {}

  /** {@code some value in domain} or {@code some key, value in domain}; key may be null. */
  public record SomeIn(Term key, Term value, Term domain) implements Stmt {}

  /** {@code every key, value in domain { body }}; key may be null. */
  public record Every(Term key, Term value, Term domain, List<Expr> body) implements Stmt {}

  /** {@code with target as value}. */
  public record With(Term target, Term value, Location location) {}

  public Expr withStmt(Stmt s) {
    return new Expr(s, negated, withs, location);
  }
}
