package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The CheckSafetyRuleBodies stage: orders each body so that every variable is bound before an
 * expression needs it (OPA's reordering: repeated passes picking, in written order, each expression
 * whose inputs are bound), and reports {@code var x is unsafe} for the rest. Nested bodies
 * (comprehensions, {@code every}) are ordered with the variables bound where they occur.
 */
final class Safety {

  private final ToIntFunction<String> arity;
  private final List<RegoError> errors;
  private final Map<Integer, Var> names = new HashMap<>();
  private List<Integer> lastOrder = List.of();

  /**
   * @param arity the number of operands of a builtin or function by name, or -1 when unknown
   */
  Safety(ToIntFunction<String> arity, List<RegoError> errors) {
    this.arity = arity;
    this.errors = errors;
  }

  /** Orders a body; {@code safe} holds the slots bound before it and is updated. */
  List<Expr> body(List<Expr> body, BitSet safe, BitSet outerKnown) {
    BitSet known = (BitSet) outerKnown.clone();
    known.or(safe);
    for (Expr e : body) {
      topSlots(e, known);
    }
    List<Expr> remaining = new ArrayList<>(body);
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < body.size(); i++) {
      idx.add(i);
    }
    List<Integer> order = new ArrayList<>();
    List<Expr> ordered = new ArrayList<>();
    boolean progress = true;
    while (!remaining.isEmpty() && progress) {
      progress = false;
      for (int i = 0; i < remaining.size(); i++) {
        Expr e = remaining.get(i);
        BitSet outs = ready(e, safe, known);
        if (outs != null) {
          ordered.add(nested(e, safe, known));
          safe.or(outs);
          remaining.remove(i);
          order.add(idx.remove(i));
          i--;
          progress = true;
          // a test-case marker goes right where its keys are bound, not at the end of a pass
          for (int j = 0; j < remaining.size(); j++) {
            Expr m = remaining.get(j);
            if (isTestCase(m) && ready(m, safe, known) != null) {
              ordered.add(m);
              remaining.remove(j);
              order.add(idx.remove(j));
              if (j <= i) {
                i--;
              }
              j--;
            }
          }
        }
      }
    }
    for (Expr e : remaining) {
      BitSet needs = new BitSet();
      BitSet outs = new BitSet();
      collectExpr(e, needs, outs, known);
      needs.or(outs);
      needs.andNot(safe);
      reported:
      for (int slot = needs.nextSetBit(0); slot >= 0; slot = needs.nextSetBit(slot + 1)) {
        Var v = names.get(slot);
        if (v == null) {
          continue;
        }
        for (RegoError err : errors) {
          if (err.message().equals("var " + v.name() + " is unsafe")
              && err.location().map(l -> l.equals(e.location())).orElse(false)) {
            continue reported;
          }
        }
        errors.add(
            RegoError.at(
                RegoError.UNSAFE_VAR,
                "var " + (v.isWildcard() ? "_" : v.name()) + " is unsafe",
                e.location()));
      }
      ordered.add(e);
    }
    order.addAll(idx);
    lastOrder = order;
    return ordered;
  }

  /** For the last body ordered: the written index of each expression, in the new order. */
  List<Integer> lastOrder() {
    return lastOrder;
  }

  /** Reports head variables the body does not bind. */
  void checkHead(Term t, BitSet safe, Location l) {
    BitSet needs = new BitSet();
    BitSet outs = new BitSet();
    collect(t, false, needs, outs, new BitSet());
    needs.andNot(safe);
    for (int slot = needs.nextSetBit(0); slot >= 0; slot = needs.nextSetBit(slot + 1)) {
      Var v = names.get(slot);
      errors.add(
          RegoError.at(
              RegoError.UNSAFE_VAR, "var " + (v == null ? "?" : v.name()) + " is unsafe", l));
    }
  }

  /** Orders bodies nested in a term; {@code safe} is what is bound where it is evaluated. */
  Term nestedTerm(Term t, BitSet safe, BitSet known) {
    return switch (t) {
      case Term.ArrayCompr c -> {
        BitSet s = (BitSet) safe.clone();
        List<Expr> b = body(c.body(), s, known);
        yield new Term.ArrayCompr(nestedTerm(c.head(), s, known), b, c.location());
      }
      case Term.SetCompr c -> {
        BitSet s = (BitSet) safe.clone();
        List<Expr> b = body(c.body(), s, known);
        yield new Term.SetCompr(nestedTerm(c.head(), s, known), b, c.location());
      }
      case Term.ObjectCompr c -> {
        BitSet s = (BitSet) safe.clone();
        List<Expr> b = body(c.body(), s, known);
        yield new Term.ObjectCompr(
            nestedTerm(c.key(), s, known), nestedTerm(c.value(), s, known), b, c.location());
      }
      case Term.ArrayTerm a ->
          new Term.ArrayTerm(nestedTerms(a.items(), safe, known), a.location());
      case Term.SetTerm a -> new Term.SetTerm(nestedTerms(a.items(), safe, known), a.location());
      case Term.ObjectTerm o ->
          new Term.ObjectTerm(
              nestedTerms(o.keys(), safe, known),
              nestedTerms(o.values(), safe, known),
              o.location());
      case Term.Call c -> new Term.Call(c.name(), nestedTerms(c.args(), safe, known), c.location());
      case Ref r ->
          new Ref(
              nestedTerm(r.head(), safe, known), nestedTerms(r.path(), safe, known), r.location());
      case Term.Template tp -> {
        List<Expr> parts = new ArrayList<>();
        for (Expr e : tp.parts()) {
          parts.add(nested(e, safe, known));
        }
        yield new Term.Template(parts, tp.location());
      }
      default -> t;
    };
  }

  private List<Term> nestedTerms(List<Term> ts, BitSet safe, BitSet known) {
    List<Term> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(nestedTerm(t, safe, known));
    }
    return out;
  }

  private Expr nested(Expr e, BitSet safe, BitSet known) {
    Expr.Stmt stmt =
        switch (e.stmt()) {
          case Expr.TermStmt ts -> new Expr.TermStmt(nestedTerm(ts.term(), safe, known));
          case Expr.Every ev -> {
            BitSet s = (BitSet) safe.clone();
            BitSet domNeeds = new BitSet();
            collect(ev.domain(), false, domNeeds, s, known);
            if (ev.key() != null) {
              collect(ev.key(), true, new BitSet(), s, known);
            }
            collect(ev.value(), true, new BitSet(), s, known);
            List<Expr> b = body(ev.body(), s, known);
            yield new Expr.Every(ev.key(), ev.value(), nestedTerm(ev.domain(), safe, known), b);
          }
          default -> e.stmt();
        };
    List<Expr.With> withs = new ArrayList<>();
    for (Expr.With w : e.withs()) {
      withs.add(new Expr.With(w.target(), nestedTerm(w.value(), safe, known), w.location()));
    }
    return new Expr(stmt, e.negated(), withs, e.location());
  }

  // ---------------------------------------------------------------------------------------

  /** The slots an expression binds when it can run now, else null. */
  private BitSet ready(Expr e, BitSet safe, BitSet known) {
    BitSet withNeeds = new BitSet();
    for (Expr.With w : e.withs()) {
      collect(w.value(), false, withNeeds, withNeeds, known);
    }
    if (!subset(withNeeds, safe)) {
      return null;
    }
    if (e.negated()) {
      BitSet needs = new BitSet();
      BitSet outs = new BitSet();
      collectExpr(e, needs, outs, known);
      needs.or(outs);
      removeWildcards(needs);
      return subset(needs, safe) ? new BitSet() : null;
    }
    if (e.stmt() instanceof Expr.TermStmt ts
        && ts.term() instanceof Term.Call c
        && c.name().equals("eq")
        && c.args().size() == 2) {
      return eqReady(c.args().get(0), c.args().get(1), safe, known);
    }
    BitSet needs = new BitSet();
    BitSet outs = new BitSet();
    collectExpr(e, needs, outs, known);
    needs.andNot(outs);
    if (!subset(needs, safe)) {
      return null;
    }
    if (e.stmt() instanceof Expr.Every) {
      return new BitSet();
    }
    return outs;
  }

  private void removeWildcards(BitSet b) {
    for (int slot = b.nextSetBit(0); slot >= 0; slot = b.nextSetBit(slot + 1)) {
      Var v = names.get(slot);
      if (v != null && v.isWildcard()) {
        b.clear(slot);
      }
    }
  }

  private BitSet eqReady(Term a, Term b, BitSet safe, BitSet known) {
    if (a instanceof Term.ArrayTerm x
        && b instanceof Term.ArrayTerm y
        && x.items().size() == y.items().size()) {
      BitSet cur = (BitSet) safe.clone();
      List<Integer> pending = new ArrayList<>();
      for (int i = 0; i < x.items().size(); i++) {
        pending.add(i);
      }
      boolean progress = true;
      while (!pending.isEmpty() && progress) {
        progress = false;
        for (int j = 0; j < pending.size(); j++) {
          int i = pending.get(j);
          BitSet r = eqReady(x.items().get(i), y.items().get(i), cur, known);
          if (r != null) {
            cur.or(r);
            pending.remove(j);
            j--;
            progress = true;
          }
        }
      }
      if (!pending.isEmpty()) {
        return null;
      }
      cur.andNot(safe);
      return cur;
    }
    if (a instanceof Term.ObjectTerm x
        && b instanceof Term.ObjectTerm y
        && x.keys().size() == y.keys().size()
        && x.keys().stream().allMatch(Term.Scalar.class::isInstance)
        && y.keys().stream().allMatch(Term.Scalar.class::isInstance)) {
      List<Term> left = new ArrayList<>();
      List<Term> right = new ArrayList<>();
      for (int i = 0; i < x.keys().size(); i++) {
        int j = y.keys().indexOf(x.keys().get(i));
        for (int m = 0; m < y.keys().size() && j < 0; m++) {
          if (((Term.Scalar) y.keys().get(m))
              .value()
              .equals(((Term.Scalar) x.keys().get(i)).value())) {
            j = m;
          }
        }
        if (j < 0) {
          return new BitSet();
        }
        left.add(x.values().get(i));
        right.add(y.values().get(j));
      }
      return eqReady(
          new Term.ArrayTerm(left, x.location()),
          new Term.ArrayTerm(right, y.location()),
          safe,
          known);
    }
    BitSet r = sideReady(a, b, safe, known);
    return r != null ? r : sideReady(b, a, safe, known);
  }

  /** When {@code value} can be evaluated now, the slots unifying it with {@code pattern} binds. */
  private BitSet sideReady(Term value, Term pattern, BitSet safe, BitSet known) {
    BitSet n1 = new BitSet();
    BitSet o1 = new BitSet();
    collect(value, false, n1, o1, known);
    if (!subset(n1, safe)) {
      return null;
    }
    BitSet s2 = (BitSet) safe.clone();
    s2.or(o1);
    BitSet n2 = new BitSet();
    BitSet o2 = new BitSet();
    collect(pattern, true, n2, o2, known);
    if (!subset(n2, s2)) {
      return null;
    }
    o1.or(o2);
    return o1;
  }

  private void collectExpr(Expr e, BitSet needs, BitSet outs, BitSet known) {
    switch (e.stmt()) {
      case Expr.TermStmt ts -> {
        if (ts.term() instanceof Term.Call c && c.name().equals("eq") && c.args().size() == 2) {
          collect(c.args().get(0), true, needs, outs, known);
          collect(c.args().get(1), true, needs, outs, known);
        } else {
          collect(ts.term(), false, needs, outs, known);
        }
      }
      case Expr.Every ev -> {
        collect(ev.domain(), false, needs, outs, known);
        BitSet inner = new BitSet();
        for (Expr x : ev.body()) {
          collectExpr(x, inner, inner, known);
        }
        inner.and(known);
        needs.or(inner);
      }
      default -> {}
    }
    for (Expr.With w : e.withs()) {
      collect(w.value(), false, needs, needs, known);
    }
  }

  /** Collects slots a term needs bound, and those it can bind (in {@code out} mode: all vars). */
  private void collect(Term t, boolean out, BitSet needs, BitSet outs, BitSet known) {
    switch (t) {
      case Var v -> {
        if (v.slot() >= 0) {
          names.putIfAbsent(v.slot(), v);
          (out ? outs : needs).set(v.slot());
        }
      }
      case Ref r -> {
        if (r.head() instanceof Var v) {
          if (v.slot() >= 0) {
            names.putIfAbsent(v.slot(), v);
            needs.set(v.slot());
          }
        } else {
          collect(r.head(), false, needs, outs, known);
        }
        for (Term p : r.path()) {
          collect(p, true, needs, outs, known);
        }
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> collect(x, out, needs, outs, known));
      case Term.ObjectTerm o -> {
        o.keys().forEach(x -> collect(x, false, needs, outs, known));
        o.values().forEach(x -> collect(x, out, needs, outs, known));
      }
      case Term.SetTerm st -> st.items().forEach(x -> collect(x, false, needs, outs, known));
      case Term.Call c -> {
        List<Term> args = c.args();
        int n = args.size();
        // a policy may call these names itself, with any number of arguments: only the shapes the
        // parser writes are read as such, the rest as ordinary calls (the type check reports them)
        boolean written =
            switch (c.name()) {
              case "assign", Compiler.SOME_MEMBER_2 -> n == 2;
              case Compiler.SOME_MEMBER_3 -> n == 3;
              default -> true;
            };
        switch (written ? c.name() : "") {
          case "eq" -> args.forEach(x -> collect(x, true, needs, outs, known));
          case "assign" -> {
            collect(args.get(0), true, needs, outs, known);
            collect(args.get(1), false, needs, outs, known);
          }
          case Compiler.SOME_MEMBER_2 -> {
            collect(args.get(0), true, needs, outs, known);
            collect(args.get(1), false, needs, outs, known);
          }
          case Compiler.SOME_MEMBER_3 -> {
            collect(args.get(0), true, needs, outs, known);
            collect(args.get(1), true, needs, outs, known);
            collect(args.get(2), false, needs, outs, known);
          }
          default -> {
            int ar = arity.applyAsInt(c.name());
            for (int i = 0; i < n; i++) {
              collect(args.get(i), ar >= 0 && i == ar && n == ar + 1, needs, outs, known);
            }
          }
        }
      }
      case Term.ArrayCompr c -> closure(c.head(), c.body(), needs, known);
      case Term.SetCompr c -> closure(c.head(), c.body(), needs, known);
      case Term.ObjectCompr c -> {
        closure(c.key(), c.body(), needs, known);
        closure(c.value(), List.of(), needs, known);
      }
      case Term.Template tp -> {
        for (Expr e : tp.parts()) {
          BitSet inner = new BitSet();
          collectExpr(e, inner, inner, known);
          needs.or(inner);
        }
      }
      default -> {}
    }
  }

  private void closure(Term head, List<Expr> body, BitSet needs, BitSet known) {
    BitSet inner = new BitSet();
    collect(head, false, inner, inner, known);
    for (Expr e : body) {
      collectExpr(e, inner, inner, known);
    }
    inner.and(known);
    needs.or(inner);
  }

  /** Slots mentioned by an expression outside nested bodies. */
  private void topSlots(Expr e, BitSet into) {
    BitSet needs = new BitSet();
    BitSet outs = new BitSet();
    switch (e.stmt()) {
      case Expr.TermStmt ts -> collect(ts.term(), true, needs, outs, new BitSet());
      default -> {}
    }
    into.or(needs);
    into.or(outs);
  }

  private static boolean isTestCase(Expr e) {
    return e.stmt() instanceof Expr.TermStmt ts
        && ts.term() instanceof Term.Call c
        && c.name().equals(TestRules.TEST_CASE);
  }

  private static boolean subset(BitSet a, BitSet b) {
    BitSet x = (BitSet) a.clone();
    x.andNot(b);
    return x.isEmpty();
  }
}
