package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts a rule body into the form OPA's type checker sees it in, so that jrego checks the same
 * expressions in the same order and reports the same errors at the same places: a call nested in a
 * term becomes a call of its own whose result a new variable receives ({@code count(x) + 1}: {@code
 * count(x, __local0__); plus(__local0__, 1, __local1__)}), as do references and comprehensions
 * passed to calls ({@code __local2__ = input.x}); {@code :=} and {@code ==} of two operands check
 * as {@code =}; {@code print} and template strings as OPA rewrites them. Each made-up variable gets
 * a frame slot after the rule's own and remembers the term it stands for, so errors print that
 * term. The evaluator never sees this form.
 */
final class Flattener {

  private int nextSlot;
  private int counter;
  private final Map<Integer, Term> subjects = new HashMap<>();

  /**
   * @param firstSlot the first slot no variable of the rule uses
   */
  Flattener(int firstSlot) {
    this.nextSlot = firstSlot;
  }

  /** The term a made-up variable stands for, or null. */
  Term subject(Var v) {
    return subjects.get(v.slot());
  }

  Var fresh(Location loc) {
    return new Var("__local" + counter++ + "__", nextSlot++, loc);
  }

  private Expr generatedEq(Var v, Term value, List<Expr.With> withs) {
    return new Expr(
        new Expr.TermStmt(new Term.Call("eq", List.of(v, value), value.location())),
        false,
        withs,
        value.location());
  }

  /** A body, rewritten. */
  List<Expr> body(List<Expr> body) {
    List<Expr> expanded = new ArrayList<>();
    for (Expr e : body) {
      expandExpr(e, expanded);
    }
    return dynamics(expanded);
  }

  /**
   * A rule's body with the expressions its head needs appended ({@code p := count(x)}, {@code p :=
   * input.x}): {@code head} holds the head terms (arguments, key, value) and receives what stands
   * for each.
   */
  List<Expr> rule(List<Expr> body, List<Term> head) {
    List<Expr> expanded = new ArrayList<>();
    for (Expr e : body) {
      expandExpr(e, expanded);
    }
    for (int i = 0; i < head.size(); i++) {
      Term t = expandTerm(head.get(i), expanded, List.of());
      if (requiresEval(t)) {
        Var v = fresh(t.location());
        expanded.add(generatedEq(v, t, List.of()));
        t = v;
      }
      head.set(i, t);
    }
    return dynamics(expanded);
  }

  // ---------------------------------------------------------------------------------------
  // OPA's RewriteExprTerms (with RewriteWithValues, rewriteLocalVars' := and print rewriting)

  private void expandExpr(Expr e, List<Expr> out) {
    List<Expr.With> withs = new ArrayList<>();
    for (Expr.With w : e.withs()) {
      Term value = w.value();
      if (!(value instanceof Term.Call c && c.name().equals("internal.function_ref"))) {
        value = expandTerm(value, out, List.of());
      }
      withs.add(new Expr.With(w.target(), value, w.location()));
    }
    List<Expr> withEqs = new ArrayList<>();
    for (int i = 0; i < withs.size(); i++) {
      Expr.With w = withs.get(i);
      if (w.target() instanceof Ref && requiresEval(w.value())) {
        Var v = fresh(w.value().location());
        withEqs.add(generatedEq(v, w.value(), List.of()));
        withs.set(i, new Expr.With(w.target(), v, w.location()));
      }
    }
    // OPA rewrites a with value once, before the first expression carrying the modifier
    out.addAll(withEqs);
    Expr.Stmt stmt =
        switch (e.stmt()) {
          case Expr.TermStmt ts ->
              ts.term() instanceof Term.Call c
                  ? expandCall(c, out, withs)
                  : new Expr.TermStmt(expandTerm(ts.term(), out, withs));
          case Expr.Every ev -> {
            Var v = fresh(ev.domain().location());
            expandExpr(generatedEq(v, ev.domain(), withs), out);
            yield new Expr.Every(ev.key(), ev.value(), v, body(ev.body()));
          }
          default -> e.stmt();
        };
    out.add(new Expr(stmt, e.negated(), withs, e.location()));
  }

  private Expr.Stmt expandCall(Term.Call c, List<Expr> out, List<Expr.With> withs) {
    Term.Call call = c.name().equals("print") ? printCall(c) : c;
    String name = call.name().equals("assign") ? "eq" : call.name();
    List<Term> args = new ArrayList<>();
    for (Term a : call.args()) {
      args.add(expandTerm(a, out, withs));
    }
    return new Expr.TermStmt(new Term.Call(name, args, call.location()));
  }

  /**
   * {@code print(a, b)} as OPA rewrites it: {@code internal.print([{__x | __x = a}, {__y | __y =
   * b}])}, each operand's values collected by a set comprehension.
   */
  private Term.Call printCall(Term.Call c) {
    List<Term> sets = new ArrayList<>();
    for (Term a : c.args()) {
      Var v = fresh(a.location());
      Expr eq = generatedEq(v, a, List.of());
      sets.add(new Term.SetCompr(v, List.of(eq), a.location()));
    }
    return new Term.Call(
        "internal.print", List.of(new Term.ArrayTerm(sets, c.location())), c.location());
  }

  private Term expandTerm(Term t, List<Expr> support, List<Expr.With> withs) {
    return switch (t) {
      case Term.Call c -> {
        List<Term> args = new ArrayList<>();
        for (Term a : c.args()) {
          args.add(expandTerm(a, support, withs));
        }
        Var out = fresh(c.location());
        args.add(out);
        support.add(
            new Expr(
                new Expr.TermStmt(new Term.Call(c.name(), args, c.location())),
                false,
                withs,
                c.location()));
        yield out;
      }
      case Term.Template tp -> expandTerm(templateCall(tp), support, withs);
      case Ref r -> {
        Term head = expandRefElement(r.head(), support, withs);
        List<Term> path = new ArrayList<>();
        for (Term p : r.path()) {
          path.add(expandRefElement(p, support, withs));
        }
        if (!(head instanceof Var)) {
          Var v = fresh(head.location());
          support.add(generatedEq(v, head, List.of()));
          subjects.put(v.slot(), r.head());
          head = v;
        }
        yield new Ref(head, path, r.location());
      }
      case Term.ArrayTerm a ->
          new Term.ArrayTerm(expandAll(a.items(), support, withs), a.location());
      case Term.SetTerm s -> new Term.SetTerm(expandAll(s.items(), support, withs), s.location());
      case Term.ObjectTerm o -> {
        List<Term> keys = new ArrayList<>();
        List<Term> values = new ArrayList<>();
        for (int i = 0; i < o.keys().size(); i++) {
          keys.add(expandTerm(o.keys().get(i), support, withs));
          values.add(expandTerm(o.values().get(i), support, withs));
        }
        yield new Term.ObjectTerm(keys, values, o.location());
      }
      case Term.ArrayCompr c -> {
        List<Expr> extra = new ArrayList<>();
        Term head = expandTerm(c.head(), extra, List.of());
        yield new Term.ArrayCompr(head, comprehensionBody(c.body(), extra), c.location());
      }
      case Term.SetCompr c -> {
        List<Expr> extra = new ArrayList<>();
        Term head = expandTerm(c.head(), extra, List.of());
        yield new Term.SetCompr(head, comprehensionBody(c.body(), extra), c.location());
      }
      case Term.ObjectCompr c -> {
        List<Expr> extra = new ArrayList<>();
        Term key = expandTerm(c.key(), extra, List.of());
        Term value = expandTerm(c.value(), extra, List.of());
        yield new Term.ObjectCompr(key, value, comprehensionBody(c.body(), extra), c.location());
      }
      default -> t;
    };
  }

  /** A reference element; a call there is remembered, so errors print the call. */
  private Term expandRefElement(Term t, List<Expr> support, List<Expr.With> withs) {
    Term out = expandTerm(t, support, withs);
    if (t instanceof Term.Call && out instanceof Var v) {
      subjects.put(v.slot(), t);
    }
    return out;
  }

  private List<Term> expandAll(List<Term> ts, List<Expr> support, List<Expr.With> withs) {
    List<Term> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(expandTerm(t, support, withs));
    }
    return out;
  }

  private List<Expr> comprehensionBody(List<Expr> body, List<Expr> headSupport) {
    List<Expr> expanded = new ArrayList<>();
    for (Expr e : body) {
      expandExpr(e, expanded);
    }
    expanded.addAll(headSupport);
    return dynamics(expanded);
  }

  /**
   * A template string as OPA rewrites it: {@code internal.template_string([...])} of its literal
   * parts and a set comprehension per interpolated expression.
   */
  private Term templateCall(Term.Template tp) {
    List<Term> parts = new ArrayList<>();
    for (Expr e : tp.parts()) {
      if (e.stmt() instanceof Expr.TermStmt ts
          && ts.term() instanceof Scalar s
          && s.value() instanceof StringValue) {
        parts.add(s);
      } else {
        Var v = fresh(e.location());
        Term value = e.stmt() instanceof Expr.TermStmt ts ? unlocated(ts.term()) : v;
        parts.add(new Term.SetCompr(v, List.of(generatedEq(v, value, List.of())), e.location()));
      }
    }
    return new Term.Call(
        "internal.template_string",
        List.of(new Term.ArrayTerm(parts, tp.location())),
        tp.location());
  }

  /** Calls without their locations: OPA's template rewriting drops them, so errors have none. */
  private static Term unlocated(Term t) {
    if (t instanceof Term.Call c) {
      return new Term.Call(c.name(), c.args().stream().map(Flattener::unlocated).toList(), null);
    }
    return t;
  }

  // ---------------------------------------------------------------------------------------
  // OPA's RewriteDynamicTerms (with RewriteEquals)

  private List<Expr> dynamics(List<Expr> body) {
    List<Expr> out = new ArrayList<>();
    for (Expr e : body) {
      Expr.Stmt stmt =
          switch (e.stmt()) {
            case Expr.TermStmt ts ->
                ts.term() instanceof Term.Call c
                    ? dynamicCall(c, out, e.withs())
                    : new Expr.TermStmt(inTerm(ts.term(), out, e.withs()));
            case Expr.Every ev ->
                new Expr.Every(ev.key(), ev.value(), one(ev.domain(), out, e.withs()), ev.body());
            default -> e.stmt();
          };
      out.add(new Expr(stmt, e.negated(), e.withs(), e.location()));
    }
    return out;
  }

  private Expr.Stmt dynamicCall(Term.Call c, List<Expr> out, List<Expr.With> withs) {
    String name = c.name();
    if (name.equals("equal") && c.args().size() == 2) {
      name = "eq";
    }
    List<Term> args = new ArrayList<>();
    boolean eq = name.equals("eq") && c.args().size() == 2;
    for (Term a : c.args()) {
      args.add(eq ? inTerm(a, out, withs) : one(a, out, withs));
    }
    return new Expr.TermStmt(new Term.Call(name, args, c.location()));
  }

  private Term inTerm(Term t, List<Expr> out, List<Expr.With> withs) {
    return switch (t) {
      case Ref r -> new Ref(r.head(), ones(r.path(), out, withs), r.location());
      case Term.ArrayCompr c -> c;
      case Term.SetCompr c -> c;
      case Term.ObjectCompr c -> c;
      default -> one(t, out, withs);
    };
  }

  private Term one(Term t, List<Expr> out, List<Expr.With> withs) {
    return switch (t) {
      case Ref r -> {
        Ref rewritten = new Ref(r.head(), ones(r.path(), out, withs), r.location());
        Var v = fresh(r.location());
        out.add(generatedEq(v, rewritten, withs));
        subjects.put(v.slot(), rewritten);
        yield v;
      }
      case Term.ArrayTerm a -> new Term.ArrayTerm(ones(a.items(), out, withs), a.location());
      case Term.SetTerm s -> new Term.SetTerm(ones(s.items(), out, withs), s.location());
      case Term.ObjectTerm o ->
          new Term.ObjectTerm(
              ones(o.keys(), out, withs), ones(o.values(), out, withs), o.location());
      case Term.ArrayCompr c -> hoisted(c, out, withs);
      case Term.SetCompr c -> hoisted(c, out, withs);
      case Term.ObjectCompr c -> hoisted(c, out, withs);
      default -> t;
    };
  }

  private Var hoisted(Term compr, List<Expr> out, List<Expr.With> withs) {
    Var v = fresh(compr.location());
    out.add(generatedEq(v, compr, withs));
    subjects.put(v.slot(), compr);
    return v;
  }

  private List<Term> ones(List<Term> ts, List<Expr> out, List<Expr.With> withs) {
    List<Term> res = new ArrayList<>(ts.size());
    for (Term t : ts) {
      res.add(one(t, out, withs));
    }
    return res;
  }

  /** Whether a term holds a reference or a comprehension (OPA's requiresEval). */
  static boolean requiresEval(Term t) {
    return switch (t) {
      case Ref r -> true;
      case Term.ArrayCompr c -> true;
      case Term.SetCompr c -> true;
      case Term.ObjectCompr c -> true;
      case Term.ArrayTerm a -> a.items().stream().anyMatch(Flattener::requiresEval);
      case Term.SetTerm s -> s.items().stream().anyMatch(Flattener::requiresEval);
      case Term.ObjectTerm o ->
          o.keys().stream().anyMatch(Flattener::requiresEval)
              || o.values().stream().anyMatch(Flattener::requiresEval);
      case Term.Call c -> c.args().stream().anyMatch(Flattener::requiresEval);
      default -> false;
    };
  }
}
