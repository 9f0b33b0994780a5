package io.jrego.engine.format;

import io.jrego.engine.format.Syntax.Arr;
import io.jrego.engine.format.Syntax.ArrCompr;
import io.jrego.engine.format.Syntax.Call;
import io.jrego.engine.format.Syntax.Every;
import io.jrego.engine.format.Syntax.Expr;
import io.jrego.engine.format.Syntax.Obj;
import io.jrego.engine.format.Syntax.ObjCompr;
import io.jrego.engine.format.Syntax.Ref;
import io.jrego.engine.format.Syntax.SetCompr;
import io.jrego.engine.format.Syntax.SetLit;
import io.jrego.engine.format.Syntax.SomeIn;
import io.jrego.engine.format.Syntax.SomeVars;
import io.jrego.engine.format.Syntax.Term;
import io.jrego.engine.format.Syntax.TermStmt;
import io.jrego.engine.format.Syntax.Var;
import io.jrego.engine.format.Syntax.With;
import java.util.List;

/**
 * Whether a node holds a compiler-generated variable ({@code __local0__}). OPA does not trust the
 * source rows of a list holding one and keeps such a list on one line.
 */
final class GeneratedVars {

  private GeneratedVars() {}

  static boolean in(Object node) {
    return switch (node) {
      case List<?> l -> any(l);
      case Term[] kv -> in(kv[0]) || in(kv[1]);
      case Var v -> v.name().startsWith("__local");
      case Ref r -> in(r.head()) || any(r.path());
      case Arr a -> any(a.items());
      case SetLit s -> any(s.items());
      case Obj o -> any(o.keys()) || any(o.values());
      case ArrCompr c -> in(c.head()) || any(c.body());
      case SetCompr c -> in(c.head()) || any(c.body());
      case ObjCompr c -> in(c.key()) || in(c.value()) || any(c.body());
      case Call c -> any(c.args());
      case Expr e -> stmt(e) || e.withs().stream().anyMatch(GeneratedVars::in);
      case With w -> in(w.target()) || in(w.value());
      default -> false;
    };
  }

  private static boolean stmt(Expr e) {
    return switch (e.stmt()) {
      case TermStmt ts -> in(ts.term());
      case SomeVars s -> any(s.vars());
      case SomeIn s -> in(s.member());
      case Every ev ->
          (ev.key() != null && in(ev.key())) || in(ev.value()) || in(ev.domain()) || any(ev.body());
    };
  }

  private static boolean any(List<?> nodes) {
    for (Object n : nodes) {
      if (in(n)) {
        return true;
      }
    }
    return false;
  }
}
