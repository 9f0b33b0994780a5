package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Var;
import java.util.List;

/** A depth-first walk over every term of a rule, its head and body, comprehensions included. */
final class AstWalk {
  private AstWalk() {}

  interface Visitor {
    default void var(Var v) {}

    default void call(Term.Call c) {}

    default void stmt(Expr.Stmt s) {}

    /** A reference, before its head and path are walked. */
    default void ref(Term.Ref r) {}

    /** A {@code with} modifier, before its target and value are walked. */
    default void with(Expr.With w) {}
  }

  static void rule(Rule r, Visitor v) {
    r.head().forEach(t -> term(t, v));
    r.args().forEach(t -> term(t, v));
    term(r.value(), v);
    body(r.body(), v);
  }

  static void body(List<Expr> body, Visitor v) {
    for (Expr e : body) {
      v.stmt(e.stmt());
      switch (e.stmt()) {
        case Expr.TermStmt t -> term(t.term(), v);
        case Expr.SomeVars s -> s.vars().forEach(x -> term(x, v));
        case Expr.SomeIn s -> {
          term(s.key(), v);
          term(s.value(), v);
          term(s.domain(), v);
        }
        case Expr.Every ev -> {
          term(ev.key(), v);
          term(ev.value(), v);
          term(ev.domain(), v);
          body(ev.body(), v);
        }
      }
      for (Expr.With w : e.withs()) {
        v.with(w);
        term(w.target(), v);
        term(w.value(), v);
      }
    }
  }

  static void term(Term t, Visitor v) {
    if (t == null) {
      return;
    }
    switch (t) {
      case Term.Scalar s -> {}
      case Var x -> v.var(x);
      case Term.Ref r -> {
        v.ref(r);
        term(r.head(), v);
        r.path().forEach(p -> term(p, v));
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> term(x, v));
      case Term.SetTerm s -> s.items().forEach(x -> term(x, v));
      case Term.ObjectTerm o -> {
        o.keys().forEach(x -> term(x, v));
        o.values().forEach(x -> term(x, v));
      }
      case Term.ArrayCompr c -> {
        term(c.head(), v);
        body(c.body(), v);
      }
      case Term.SetCompr c -> {
        term(c.head(), v);
        body(c.body(), v);
      }
      case Term.ObjectCompr c -> {
        term(c.key(), v);
        term(c.value(), v);
        body(c.body(), v);
      }
      case Term.Call c -> {
        v.call(c);
        c.args().forEach(x -> term(x, v));
      }
      case Term.Template tp -> body(tp.parts(), v);
    }
  }
}
