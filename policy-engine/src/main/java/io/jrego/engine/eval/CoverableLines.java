package io.jrego.engine.eval;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError.Location;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The lines coverage is measured on, as OPA's cover package walks them: rule heads (else branches
 * included) and expressions at any depth, except {@code some} declarations.
 */
public final class CoverableLines {

  private final Map<String, SortedSet<Integer>> rows = new TreeMap<>();

  private CoverableLines() {}

  /** The coverable rows of {@code modules}, by file. */
  public static Map<String, Set<Integer>> of(List<Module> modules) {
    CoverableLines c = new CoverableLines();
    for (Module m : modules) {
      for (Rule r : m.rules()) {
        c.rule(r);
      }
    }
    Map<String, Set<Integer>> out = new TreeMap<>();
    c.rows.forEach((f, rs) -> out.put(f, Set.copyOf(rs)));
    return Map.copyOf(out);
  }

  private void add(Location loc) {
    if (loc != null && loc.file() != null && !loc.file().isEmpty()) {
      rows.computeIfAbsent(loc.file(), f -> new TreeSet<>()).add(loc.row());
    }
  }

  private void rule(Rule r) {
    add(r.location());
    r.head().forEach(this::term);
    r.args().forEach(this::term);
    term(r.value());
    body(r.body());
    r.elseRule().ifPresent(this::rule);
  }

  private void body(List<Expr> body) {
    for (Expr e : body) {
      if (!(e.stmt() instanceof Expr.SomeVars)) {
        add(e.location());
      }
      switch (e.stmt()) {
        case Expr.TermStmt t -> term(t.term());
        case Expr.SomeVars s -> {}
        case Expr.SomeIn s -> {
          term(s.key());
          term(s.value());
          term(s.domain());
        }
        case Expr.Every ev -> {
          term(ev.domain());
          body(ev.body());
        }
      }
      for (Expr.With w : e.withs()) {
        term(w.value());
      }
    }
  }

  /** Comprehension bodies hold expressions too. */
  private void term(Term t) {
    switch (t) {
      case null -> {}
      case Term.Scalar s -> {}
      case Term.Var v -> {}
      case Term.Ref r -> {
        term(r.head());
        r.path().forEach(this::term);
      }
      case Term.ArrayTerm a -> a.items().forEach(this::term);
      case Term.SetTerm s -> s.items().forEach(this::term);
      case Term.ObjectTerm o -> {
        o.keys().forEach(this::term);
        o.values().forEach(this::term);
      }
      case Term.ArrayCompr c -> {
        term(c.head());
        body(c.body());
      }
      case Term.SetCompr c -> {
        term(c.head());
        body(c.body());
      }
      case Term.ObjectCompr c -> {
        term(c.key());
        term(c.value());
        body(c.body());
      }
      case Term.Call c -> c.args().forEach(this::term);
      case Term.Template tp -> {
        // template parts are evaluated as terms, not as expressions: only their comprehensions
        for (Expr part : tp.parts()) {
          if (part.stmt() instanceof Expr.TermStmt ts) {
            term(ts.term());
          }
        }
      }
    }
  }
}
