package io.jrego.engine.format;

import io.jrego.engine.format.Syntax.Ref;
import io.jrego.engine.format.Syntax.Str;
import io.jrego.engine.format.Syntax.Term;
import io.jrego.engine.format.Syntax.Var;
import java.util.ArrayList;
import java.util.List;

/** OPA's order of import paths: element by element, strings before vars, a prefix first. */
final class TermOrder {

  private TermOrder() {}

  static int compareRefs(Ref a, Ref b) {
    List<Term> x = elems(a);
    List<Term> y = elems(b);
    for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
      int c = compare(x.get(i), y.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.size(), y.size());
  }

  private static List<Term> elems(Ref r) {
    List<Term> out = new ArrayList<>();
    out.add(r.head());
    out.addAll(r.path());
    return out;
  }

  private static int compare(Term a, Term b) {
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb) {
      return Integer.compare(ra, rb);
    }
    return bytes(a).compareTo(bytes(b));
  }

  private static int rank(Term t) {
    return switch (t) {
      case Str s -> 3;
      case Var v -> 4;
      default -> 5;
    };
  }

  /** Go compares strings by their UTF-8 bytes; for Java strings, code points give that order. */
  private static String bytes(Term t) {
    return switch (t) {
      case Str s -> s.value();
      case Var v -> v.name();
      default -> t.toString();
    };
  }
}
