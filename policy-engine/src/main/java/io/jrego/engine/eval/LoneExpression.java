package io.jrego.engine.eval;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import java.util.List;

/**
 * OPA's rule for when a query's expression answers {@code false} instead of failing: {@code opa
 * eval 'x == 2'} prints {@code false}. OPA captures the value of every expression that is not an
 * assignment, a unification or negated, and only adds the check that the value is not {@code false}
 * when the query has more than one expression or iterates (a reference with a variable in its path,
 * or a relation such as {@code walk}; comprehensions do not count). So a lone, non-iterating
 * expression has a result even when its value is {@code false}.
 */
final class LoneExpression {

  private LoneExpression() {}

  /** Whether the only expression of a query keeps a {@code false} value as its result. */
  static boolean keepsFalse(List<Expr> written) {
    if (written.size() != 1) {
      return false;
    }
    Expr e = written.get(0);
    if (e.negated() || !(e.stmt() instanceof Expr.TermStmt ts)) {
      return false;
    }
    if (ts.term() instanceof Term.Call c
        && (c.name().equals("eq") || c.name().equals("assign") || c.name().equals("walk"))) {
      return false;
    }
    if (ts.term() instanceof Term.Call c
        && c.name().startsWith("internal.member_")
        && c.args().stream().anyMatch(LoneExpression::hasVar)) {
      return false; // x in xs with x unbound binds x in jrego: keep that a relation
    }
    return !iterates(ts.term());
  }

  /** A reference with a variable in its path, or a call of {@code walk}; not in comprehensions. */
  private static boolean iterates(Term t) {
    return switch (t) {
      case Term.Ref r ->
          r.path().stream().anyMatch(p -> p instanceof Term.Var)
              || iterates(r.head())
              || r.path().stream().anyMatch(LoneExpression::iterates);
      case Term.Call c ->
          c.name().equals("walk") || c.args().stream().anyMatch(LoneExpression::iterates);
      case Term.ArrayTerm a -> a.items().stream().anyMatch(LoneExpression::iterates);
      case Term.SetTerm s -> s.items().stream().anyMatch(LoneExpression::iterates);
      case Term.ObjectTerm o ->
          o.keys().stream().anyMatch(LoneExpression::iterates)
              || o.values().stream().anyMatch(LoneExpression::iterates);
      default -> false; // scalars, variables, comprehensions, templates
    };
  }

  private static boolean hasVar(Term t) {
    return switch (t) {
      case Term.Var v -> v.slot() >= 0; // a local; input and data are not variables here
      case Term.Ref r -> hasVar(r.head()) || r.path().stream().anyMatch(LoneExpression::hasVar);
      case Term.Call c -> c.args().stream().anyMatch(LoneExpression::hasVar);
      case Term.ArrayTerm a -> a.items().stream().anyMatch(LoneExpression::hasVar);
      case Term.SetTerm s -> s.items().stream().anyMatch(LoneExpression::hasVar);
      case Term.ObjectTerm o ->
          o.keys().stream().anyMatch(LoneExpression::hasVar)
              || o.values().stream().anyMatch(LoneExpression::hasVar);
      default -> false;
    };
  }
}
