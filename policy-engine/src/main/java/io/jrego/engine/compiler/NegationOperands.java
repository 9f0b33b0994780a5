package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Var;
import java.util.ArrayList;
import java.util.List;

/**
 * OPA's RewriteDynamicTerms stage as far as it changes results: references used as operands of a
 * negated expression are bound by their own expressions before it, outside the negation. So {@code
 * not startswith(input.p, "x")} is undefined, not true, when {@code input.p} is undefined. {@code
 * ==} counts as unification ({@code =}), whose sides stay in place (only refs inside a side's keys
 * move), as OPA rewrites {@code ==} to {@code =} first.
 */
final class NegationOperands {

  private int next;
  private final java.util.Set<Expr> generated =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  /** Whether an expression of the output was generated (an operand moved out of a negation). */
  boolean isGenerated(Expr e) {
    return generated.contains(e);
  }

  List<Expr> body(List<Expr> body) {
    List<Expr> out = new ArrayList<>(body.size());
    for (Expr e : body) {
      if (e.negated() && e.stmt() instanceof Expr.TermStmt ts) {
        List<Expr> extras = new ArrayList<>();
        Term t = expr(ts.term(), e, extras);
        generated.addAll(extras);
        out.addAll(extras);
        out.add(new Expr(new Expr.TermStmt(t), true, e.withs(), e.location()));
      } else {
        out.add(e.withStmt(nestedStmt(e.stmt())));
      }
    }
    return out;
  }

  private Expr.Stmt nestedStmt(Expr.Stmt s) {
    return switch (s) {
      case Expr.TermStmt ts -> new Expr.TermStmt(nested(ts.term()));
      case Expr.Every ev -> new Expr.Every(ev.key(), ev.value(), ev.domain(), body(ev.body()));
      default -> s;
    };
  }

  /** Rewrites comprehension bodies inside a term (a rule's value, say). */
  Term term(Term t) {
    return nested(t);
  }

  private Term nested(Term t) {
    return switch (t) {
      case Ref r ->
          new Ref(nested(r.head()), r.path().stream().map(this::nested).toList(), r.location());
      case Term.Template tp -> new Term.Template(body(tp.parts()), tp.location());
      case Term.ArrayCompr c -> new Term.ArrayCompr(c.head(), body(c.body()), c.location());
      case Term.SetCompr c -> new Term.SetCompr(c.head(), body(c.body()), c.location());
      case Term.ObjectCompr c ->
          new Term.ObjectCompr(c.key(), c.value(), body(c.body()), c.location());
      case Term.Call c ->
          new Term.Call(c.name(), c.args().stream().map(this::nested).toList(), c.location());
      case Term.ArrayTerm a ->
          new Term.ArrayTerm(a.items().stream().map(this::nested).toList(), a.location());
      case Term.SetTerm a ->
          new Term.SetTerm(a.items().stream().map(this::nested).toList(), a.location());
      case Term.ObjectTerm o ->
          new Term.ObjectTerm(
              o.keys().stream().map(this::nested).toList(),
              o.values().stream().map(this::nested).toList(),
              o.location());
      default -> t;
    };
  }

  private Term expr(Term t, Expr e, List<Expr> extras) {
    if (t instanceof Term.Call c
        && (c.name().equals("eq") || c.name().equals("equal"))
        && c.args().size() == 2) {
      List<Term> args = new ArrayList<>();
      for (Term a : c.args()) {
        args.add(inTerm(a, e, extras));
      }
      return new Term.Call(c.name(), args, c.location());
    }
    if (t instanceof Term.Call c && !c.name().equals("assign")) {
      List<Term> args = new ArrayList<>();
      for (Term a : c.args()) {
        args.add(one(a, e, extras));
      }
      return new Term.Call(c.name(), args, c.location());
    }
    return inTerm(t, e, extras);
  }

  private Term inTerm(Term t, Expr e, List<Expr> extras) {
    if (t instanceof Ref r) {
      return new Ref(r.head(), pathOf(r, e, extras), r.location());
    }
    return one(t, e, extras);
  }

  private List<Term> pathOf(Ref r, Expr e, List<Expr> extras) {
    List<Term> path = new ArrayList<>();
    for (Term p : r.path()) {
      path.add(one(p, e, extras));
    }
    return path;
  }

  private Term one(Term t, Expr e, List<Expr> extras) {
    return switch (t) {
      case Ref r -> {
        Ref moved = new Ref(r.head(), pathOf(r, e, extras), r.location());
        Var v = new Var("__neg" + next++ + "__", r.location());
        extras.add(
            new Expr(
                new Expr.TermStmt(new Term.Call("eq", List.of(v, moved), r.location())),
                false,
                e.withs(),
                e.location()));
        yield v;
      }
      case Term.ArrayTerm a ->
          new Term.ArrayTerm(a.items().stream().map(x -> one(x, e, extras)).toList(), a.location());
      case Term.SetTerm a ->
          new Term.SetTerm(a.items().stream().map(x -> one(x, e, extras)).toList(), a.location());
      case Term.ObjectTerm o ->
          new Term.ObjectTerm(
              o.keys().stream().map(x -> one(x, e, extras)).toList(),
              o.values().stream().map(x -> one(x, e, extras)).toList(),
              o.location());
      case Term.Call c ->
          new Term.Call(
              c.name(), c.args().stream().map(x -> one(x, e, extras)).toList(), c.location());
      default -> nested(t);
    };
  }
}
