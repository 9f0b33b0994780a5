package io.jrego.engine.compiler;

import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a term against a type and infers the types of the variables in it, as OPA's {@code unify1}
 * and {@code unify2}: a variable without a type takes the type it is unified with, a composite is
 * checked member by member, anything else by {@link Types#unifies}.
 */
final class Unifier {

  private Unifier() {}

  /** Whether {@code term0} can have type {@code t}; types its untyped variables. */
  static boolean unify1(TypeEnv env, Term term0, Type t, boolean union) {
    Term term = composite(term0);
    Type u = Types.unwrap(t);
    return switch (term) {
      case Term.ArrayTerm a -> {
        if (u instanceof Type.Arr arr) {
          yield unify1Array(env, a, arr, union);
        }
        if (u instanceof Type.Any any) {
          if (any.of().isEmpty()) {
            a.items().forEach(x -> unify1(env, x, Types.ANY, true));
            yield true;
          }
          yield anyMember(env, term, any);
        }
        yield false;
      }
      case Term.ObjectTerm o -> {
        if (u instanceof Type.Obj obj) {
          yield unify1Object(env, o, obj, union);
        }
        if (u instanceof Type.Any any) {
          if (any.of().isEmpty()) {
            for (int i = 0; i < o.keys().size(); i++) {
              unify1(env, o.keys().get(i), Types.ANY, true);
              unify1(env, o.values().get(i), Types.ANY, true);
            }
            yield true;
          }
          yield anyMember(env, term, any);
        }
        yield false;
      }
      case Term.SetTerm st -> {
        if (u instanceof Type.SetOf set) {
          Type of = Types.values(set);
          for (Term x : st.items()) {
            if (!unify1(env, x, of, union)) {
              yield false;
            }
          }
          yield true;
        }
        if (u instanceof Type.Any any) {
          if (any.of().isEmpty()) {
            st.items().forEach(x -> unify1(env, x, Types.ANY, true));
            yield true;
          }
          yield anyMember(env, term, any);
        }
        yield false;
      }
      case Ref r -> Types.unifies(env.get(r), t);
      case Term.ArrayCompr c -> Types.unifies(env.get(c), t);
      case Term.SetCompr c -> Types.unifies(env.get(c), t);
      case Term.ObjectCompr c -> Types.unifies(env.get(c), t);
      case Var v -> {
        if (v.slot() < 0) {
          yield Types.unifies(env.get(term), t);
        }
        if (!union) {
          Type exist = env.get(v);
          if (exist != null) {
            yield Types.unifies(exist, t);
          }
          env.putVar(v, t);
        } else {
          env.putVar(v, Types.or(env.get(v), t));
        }
        yield true;
      }
      default -> Types.unifies(env.get(term), t);
    };
  }

  private static boolean anyMember(TypeEnv env, Term term, Type.Any any) {
    boolean unifies = false;
    for (Type m : any.of()) {
      unifies = unify1(env, term, m, true) || unifies;
    }
    return unifies;
  }

  private static boolean unify1Array(TypeEnv env, Term.ArrayTerm a, Type.Arr t, boolean union) {
    if (a.items().size() != t.statics().size() && t.dynamic() == null) {
      return false;
    }
    for (int i = 0; i < a.items().size(); i++) {
      if (!unify1(env, a.items().get(i), t.select(i), union)) {
        return false;
      }
    }
    return true;
  }

  private static boolean unify1Object(TypeEnv env, Term.ObjectTerm o, Type.Obj t, boolean union) {
    if (o.keys().size() != t.statics().size() && t.dynamicValue() == null) {
      return false;
    }
    for (int i = 0; i < o.keys().size(); i++) {
      Term k = o.keys().get(i);
      if (k instanceof Scalar s) {
        Type child = Types.select(t, s.value());
        if (child == null || !unify1(env, o.values().get(i), child, union)) {
          return false;
        }
      } else {
        unify1(env, o.values().get(i), Types.ANY, union);
      }
    }
    return true;
  }

  /** Whether the two sides of {@code =} can be equal; types the untyped side from the other. */
  static boolean unify2(TypeEnv env, Term a0, Type typeA, Term b0, Type typeB) {
    Term a = composite(a0);
    Term b = composite(b0);
    boolean nilA = Types.isNil(typeA);
    boolean nilB = Types.isNil(typeB);
    if (nilA && !nilB) {
      return unify1(env, a, typeB, false);
    }
    if (nilB && !nilA) {
      return unify1(env, b, typeA, false);
    }
    if (!nilA) {
      return Types.unifies(typeA, typeB);
    }
    switch (a) {
      case Term.ArrayTerm x -> {
        return unify2Array(env, x, b);
      }
      case Term.ObjectTerm x -> {
        return unify2Object(env, x, b);
      }
      case Var x -> {
        if (x.slot() >= 0) {
          switch (b) {
            case Var y -> {
              if (y.slot() >= 0) {
                return unify1(env, a, Types.ANY, false) && unify1(env, b, env.get(a), false);
              }
            }
            case Term.ArrayTerm y -> {
              return unify2Array(env, y, a);
            }
            case Term.ObjectTerm y -> {
              return unify2Object(env, y, a);
            }
            case Ref y -> {
              return unify1(env, a, Types.ANY, false);
            }
            default -> {}
          }
        }
      }
      case Ref x -> {
        if (b instanceof Var y && y.slot() >= 0) {
          return unify1(env, b, Types.ANY, false);
        }
      }
      default -> {}
    }
    if (a instanceof Var va && va.slot() >= 0 && typeA == null && typeB != null) {
      return unify1(env, a, typeB, false);
    }
    if (b instanceof Var vb && vb.slot() >= 0 && typeB == null && typeA != null) {
      return unify1(env, b, typeA, false);
    }
    return false;
  }

  private static boolean unify2Array(TypeEnv env, Term.ArrayTerm a, Term b) {
    if (b instanceof Term.ArrayTerm y) {
      if (a.items().size() != y.items().size()) {
        return false;
      }
      for (int i = 0; i < a.items().size(); i++) {
        Term x = a.items().get(i);
        Term z = y.items().get(i);
        if (!unify2(env, x, env.get(x), z, env.get(z))) {
          return false;
        }
      }
      return true;
    }
    if (b instanceof Var v && v.slot() >= 0) {
      return unify1(env, a, Types.ANY, false) && unify1(env, b, env.get(a), false);
    }
    return false;
  }

  private static boolean unify2Object(TypeEnv env, Term.ObjectTerm a, Term b) {
    if (b instanceof Term.ObjectTerm y) {
      if (a.keys().size() != y.keys().size()) {
        return false;
      }
      List<Term[]> pairs = new ArrayList<>();
      for (int i = 0; i < a.keys().size(); i++) {
        int j = indexOfKey(y, a.keys().get(i));
        if (j < 0) {
          return false;
        }
        pairs.add(new Term[] {a.values().get(i), y.values().get(j)});
      }
      for (Term[] p : pairs) {
        if (!unify2(env, p[0], env.get(p[0]), p[1], env.get(p[1]))) {
          return false;
        }
      }
      return true;
    }
    if (b instanceof Var v && v.slot() >= 0) {
      return unify1(env, a, Types.ANY, false) && unify1(env, b, env.get(a), false);
    }
    return false;
  }

  private static int indexOfKey(Term.ObjectTerm o, Term key) {
    for (int i = 0; i < o.keys().size(); i++) {
      if (o.keys().get(i).equals(key)
          || (o.keys().get(i) instanceof Scalar s
              && key instanceof Scalar k
              && s.value().equals(k.value()))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A constant array, object or set (which jrego folds into one value) as the composite term OPA
   * keeps it as, so it unifies member by member.
   */
  static Term composite(Term t) {
    if (!(t instanceof Scalar s)) {
      return t;
    }
    return switch (s.value()) {
      case ArrayValue a -> new Term.ArrayTerm(scalars(a.asList(), s), s.location());
      case SetValue st -> new Term.SetTerm(scalars(st.elements(), s), s.location());
      case ObjectValue o -> {
        List<Term> keys = new ArrayList<>();
        List<Term> values = new ArrayList<>();
        o.forEach(
            (k, v) -> {
              keys.add(new Scalar(k, s.location()));
              values.add(new Scalar(v, s.location()));
            });
        yield new Term.ObjectTerm(keys, values, s.location());
      }
      default -> t;
    };
  }

  private static List<Term> scalars(List<Value> vs, Scalar at) {
    List<Term> out = new ArrayList<>(vs.size());
    for (Value v : vs) {
      out.add(new Scalar(v, at.location()));
    }
    return out;
  }
}
