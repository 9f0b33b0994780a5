package io.jrego.engine.format;

import java.util.List;

/**
 * The concrete syntax the formatter lays out: each node keeps the span of source it was read from,
 * because OPA's layout decisions (one line or several, blank lines kept, where comments go) are
 * made from source rows and text, not from meaning. The evaluator's AST has no need for spans, so
 * the formatter reads its own tree.
 */
final class Syntax {

  private Syntax() {}

  /** A span of source: the row and column it starts at (1-based) and its offsets. */
  record Loc(int row, int col, int start, int end) {
    Loc to(int newEnd) {
      return new Loc(row, col, start, newEnd);
    }
  }

  /** A term. */
  sealed interface Term {
    Loc loc();
  }

  /** A quoted or raw string; {@code value} is decoded. */
  record Str(String value, Loc loc) implements Term {}

  /** A number, {@code true}, {@code false} or {@code null}, kept as written. */
  record Lit(String text, Loc loc) implements Term {}

  /** A variable. */
  record Var(String name, Loc loc) implements Term {}

  /** A reference: a head and a path. */
  record Ref(Term head, List<Term> path, Loc loc) implements Term {}

  /** {@code [a, b]}. */
  record Arr(List<Term> items, Loc loc) implements Term {}

  /** {@code {k: v}}. */
  record Obj(List<Term> keys, List<Term> values, Loc loc) implements Term {}

  /** {@code {a, b}} or {@code set()}. */
  record SetLit(List<Term> items, Loc loc) implements Term {}

  /** {@code [head | body]}. */
  record ArrCompr(Term head, List<Expr> body, Loc loc) implements Term {}

  /** {@code {head | body}}. */
  record SetCompr(Term head, List<Expr> body, Loc loc) implements Term {}

  /** {@code {key: value | body}}. */
  record ObjCompr(Term key, Term value, List<Expr> body, Loc loc) implements Term {}

  /**
   * A call, written as a call ({@code op} is the var or ref written) or with an infix operator
   * ({@code op} is a var of the builtin's name, at the operator's position).
   */
  record Call(Term op, String name, List<Term> args, Loc loc) implements Term {}

  /** A template string, kept as written. */
  record Template(Loc loc) implements Term {}

  /** One expression of a body. */
  record Expr(boolean negated, Stmt stmt, List<With> withs, Loc loc) {}

  /** What an expression does. */
  sealed interface Stmt {}

  /** A term (a call's terms are written as the expression). */
  record TermStmt(Term term) implements Stmt {}

  /** {@code some a, b}. */
  record SomeVars(List<Var> vars, Loc loc) implements Stmt {}

  /** {@code some x in xs} or {@code some k, v in xs}: the membership call. */
  record SomeIn(Call member, Loc loc) implements Stmt {}

  /** {@code every k, v in xs { body }}; key may be null. */
  record Every(Term key, Term value, Term domain, List<Expr> body, Loc loc) implements Stmt {}

  /** {@code with target as value}. */
  record With(Term target, Term value, Loc loc) {}

  /**
   * A rule head as OPA keeps it: a reference (a var then path elements), function arguments (null
   * when none), the {@code contains} key (null when none), the value (null when not written) and
   * whether it was given with {@code :=}. {@code loc} spans the head up to the end of its value.
   */
  record Head(List<Term> ref, List<Term> args, Term key, Term value, boolean assign, Loc loc) {}

  /**
   * A rule; {@code body} is empty when none was written, {@code elseRule} is null at the end of a
   * chain. {@code loc} spans the whole rule with its else chain.
   */
  record Rule(
      boolean isDefault, Head head, List<Expr> body, Rule elseRule, boolean isElse, Loc loc) {}

  /** An import. */
  record Import(Ref path, String alias, Loc loc) {}

  /** A comment: its text after {@code #}, with trailing white space trimmed. */
  record Comment(String text, int row, int col) {}

  /** A module. */
  record Module(
      Ref pkg, Loc pkgLoc, List<Import> imports, List<Rule> rules, List<Comment> comments) {}
}
