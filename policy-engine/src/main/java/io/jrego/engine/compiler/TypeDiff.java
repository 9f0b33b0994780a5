package io.jrego.engine.compiler;

import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * How OPA shortens the types in a type error that would not fit on a line (80 characters): parts
 * equal on both sides collapse to their outermost constructor ({@code any<...>}), equal object
 * properties and union members are dropped, and an ellipsis marks what was left out.
 */
final class TypeDiff {

  private TypeDiff() {}

  private static final String ELISION = "...";
  static final int MAX_LINE = 80;
  private static final int MAX_ELIDED = 32;
  private static final int MAX_DEPTH = 8;

  static String sprint(Type t) {
    return t == null ? "???" : t.toString();
  }

  static boolean tooWide(String... lines) {
    for (String l : lines) {
      if (l.codePointCount(0, l.length()) > MAX_LINE) {
        return true;
      }
    }
    return false;
  }

  /** The type in full when short, else its outermost constructor only. */
  static String elide(Type t) {
    String full = sprint(t);
    if (full.codePointCount(0, full.length()) <= MAX_ELIDED) {
      return full;
    }
    return elided(t, 0);
  }

  /** The type with everything nested more than {@code depth} levels down replaced by "...". */
  static String elided(Type t, int depth) {
    if (t == null) {
      return sprint(null);
    }
    if (depth < 0) {
      return sprint(t);
    }
    return switch (t) {
      case Type.Named n -> n.name() + ": " + elided(n.type(), depth);
      case Type.SetOf s -> {
        if (s.of() == null) {
          yield s.toString();
        }
        yield depth == 0 ? "set[" + ELISION + "]" : "set[" + elided(s.of(), depth - 1) + "]";
      }
      case Type.Arr a -> {
        List<String> statics = new ArrayList<>();
        if (depth == 0 && !a.statics().isEmpty()) {
          statics.add(ELISION);
        } else {
          for (Type x : a.statics()) {
            statics.add(elided(x, depth - 1));
          }
        }
        String dynamic = "";
        if (a.dynamic() != null) {
          dynamic = depth == 0 ? ELISION : elided(a.dynamic(), depth - 1);
        }
        yield composite("array", statics, dynamic);
      }
      case Type.Obj o -> {
        List<String> statics = new ArrayList<>();
        if (depth == 0 && !o.statics().isEmpty()) {
          statics.add(ELISION);
        } else {
          for (Type.Prop p : o.statics()) {
            statics.add(prop(p, elided(p.value(), depth - 1)));
          }
        }
        String dynamic = "";
        if (o.dynamic() != null) {
          dynamic =
              depth == 0
                  ? ELISION
                  : elided(o.dynamic().key(), depth - 1)
                      + ": "
                      + elided(o.dynamic().value(), depth - 1);
        }
        yield composite("object", statics, dynamic);
      }
      case Type.Any a -> {
        if (a.of().isEmpty()) {
          yield "any";
        }
        if (depth == 0) {
          yield any(List.of(ELISION));
        }
        List<String> of = new ArrayList<>();
        for (Type x : a.of()) {
          of.add(elided(x, depth - 1));
        }
        yield any(of);
      }
      case Type.Fn f -> {
        List<String> params = new ArrayList<>();
        Type result = Types.unwrap(f.result());
        if (depth == 0) {
          if (!f.args().isEmpty() || f.variadic() != null) {
            params.add(ELISION);
          }
          yield function(params, result == null ? sprint(null) : ELISION);
        }
        for (int i = 0; i < f.arity(); i++) {
          params.add(elided(f.arg(i), depth - 1));
        }
        if (f.variadic() != null) {
          params.add(elided(Types.unwrap(f.variadic()), depth - 1) + "...");
        }
        yield function(params, elided(result, depth - 1));
      }
      default -> t.toString();
    };
  }

  /** The two types side by side, keeping only what shows how they differ. */
  static String[] diff(Type a, Type b) {
    return diff(a, b, 0);
  }

  private static String[] diff(Type a, Type b, int depth) {
    if (a instanceof Type.Named n) {
      String[] r = diff(n.type(), b, depth);
      return new String[] {n.name() + ": " + r[0], r[1]};
    }
    if (b instanceof Type.Named n) {
      String[] r = diff(a, n.type(), depth);
      return new String[] {r[0], n.name() + ": " + r[1]};
    }
    if (depth >= MAX_DEPTH || a == null || b == null || sprint(a).equals(sprint(b))) {
      return new String[] {elide(a), elide(b)};
    }
    switch (a) {
      case Type.SetOf sa -> {
        if (b instanceof Type.SetOf sb && sa.of() != null && sb.of() != null) {
          String[] r = diff(sa.of(), sb.of(), depth + 1);
          return new String[] {"set[" + r[0] + "]", "set[" + r[1] + "]"};
        }
      }
      case Type.Arr aa -> {
        if (b instanceof Type.Arr ba) {
          return diffArrays(aa, ba, depth);
        }
      }
      case Type.Obj ao -> {
        if (b instanceof Type.Obj bo) {
          return diffObjects(ao, bo, depth);
        }
      }
      case Type.Any aa -> {
        if (b instanceof Type.Any ba) {
          return diffAnys(aa, ba);
        }
      }
      case Type.Fn fa -> {
        if (b instanceof Type.Fn fb && fa.arity() == fb.arity()) {
          return diffFunctions(fa, fb, depth);
        }
      }
      default -> {}
    }
    return new String[] {elide(a), elide(b)};
  }

  private static String[] diffArrays(Type.Arr a, Type.Arr b, int depth) {
    if (a.statics().size() != b.statics().size()
        || (a.dynamic() == null) != (b.dynamic() == null)) {
      return new String[] {elided(a, 1), elided(b, 1)};
    }
    List<String> left = new ArrayList<>();
    List<String> right = new ArrayList<>();
    for (int i = 0; i < a.statics().size(); i++) {
      String[] r = diff(a.select(i), b.select(i), depth + 1);
      left.add(r[0]);
      right.add(r[1]);
    }
    String dl = "";
    String dr = "";
    if (a.dynamic() != null) {
      String[] r = diff(a.dynamic(), b.dynamic(), depth + 1);
      dl = r[0];
      dr = r[1];
    }
    return new String[] {composite("array", left, dl), composite("array", right, dr)};
  }

  private static String[] diffObjects(Type.Obj a, Type.Obj b, int depth) {
    List<Type.Prop> ap = a.statics();
    List<Type.Prop> bp = b.statics();
    List<String> left = new ArrayList<>();
    List<String> right = new ArrayList<>();
    boolean elided = false;
    int i = 0;
    int j = 0;
    while (i < ap.size() || j < bp.size()) {
      if (j == bp.size()) {
        left.add(prop(ap.get(i), elide(ap.get(i).value())));
        i++;
      } else if (i == ap.size()) {
        right.add(prop(bp.get(j), elide(bp.get(j).value())));
        j++;
      } else {
        int c = ap.get(i).key().compareTo(bp.get(j).key());
        if (c < 0) {
          left.add(prop(ap.get(i), elide(ap.get(i).value())));
          i++;
        } else if (c > 0) {
          right.add(prop(bp.get(j), elide(bp.get(j).value())));
          j++;
        } else {
          if (sprint(ap.get(i).value()).equals(sprint(bp.get(j).value()))) {
            elided = true;
          } else {
            String[] r = diff(ap.get(i).value(), bp.get(j).value(), depth + 1);
            left.add(prop(ap.get(i), r[0]));
            right.add(prop(bp.get(j), r[1]));
          }
          i++;
          j++;
        }
      }
    }
    String dl = "";
    String dr = "";
    if (a.dynamic() != null && b.dynamic() != null) {
      String[] k = diff(a.dynamic().key(), b.dynamic().key(), depth + 1);
      String[] v = diff(a.dynamic().value(), b.dynamic().value(), depth + 1);
      dl = k[0] + ": " + v[0];
      dr = k[1] + ": " + v[1];
    } else if (a.dynamic() != null) {
      dl = elide(a.dynamic().key()) + ": " + elide(a.dynamic().value());
    } else if (b.dynamic() != null) {
      dr = elide(b.dynamic().key()) + ": " + elide(b.dynamic().value());
    }
    if (elided) {
      left.add(ELISION);
      right.add(ELISION);
    }
    return new String[] {composite("object", left, dl), composite("object", right, dr)};
  }

  private static String[] diffAnys(Type.Any a, Type.Any b) {
    List<String> left = new ArrayList<>();
    List<String> right = new ArrayList<>();
    boolean elided = false;
    for (Type t : a.of()) {
      if (containsRendered(b, t)) {
        elided = true;
      } else {
        left.add(elide(t));
      }
    }
    for (Type t : b.of()) {
      if (!containsRendered(a, t)) {
        right.add(elide(t));
      }
    }
    if (elided) {
      left.add(ELISION);
      right.add(ELISION);
    }
    return new String[] {any(left), any(right)};
  }

  private static String[] diffFunctions(Type.Fn a, Type.Fn b, int depth) {
    List<String> left = new ArrayList<>();
    List<String> right = new ArrayList<>();
    for (int i = 0; i < a.arity(); i++) {
      String[] r = diff(a.arg(i), b.arg(i), depth + 1);
      left.add(r[0]);
      right.add(r[1]);
    }
    Type va = Types.unwrap(a.variadic());
    Type vb = Types.unwrap(b.variadic());
    if (va != null && vb != null) {
      String[] r = diff(va, vb, depth + 1);
      left.add(r[0] + "...");
      right.add(r[1] + "...");
    } else if (va != null) {
      left.add(elide(va) + "...");
    } else if (vb != null) {
      right.add(elide(vb) + "...");
    }
    String[] res = diff(Types.unwrap(a.result()), Types.unwrap(b.result()), depth + 1);
    return new String[] {function(left, res[0]), function(right, res[1])};
  }

  private static boolean containsRendered(Type.Any haystack, Type needle) {
    for (Type t : haystack.of()) {
      if (sprint(t).equals(sprint(needle))) {
        return true;
      }
    }
    return false;
  }

  private static String prop(Type.Prop p, String value) {
    return Types.keyText(p.key()) + ": " + value;
  }

  private static String composite(String prefix, List<String> statics, String dynamic) {
    StringBuilder sb = new StringBuilder(prefix);
    if (!statics.isEmpty()) {
      sb.append('<').append(String.join(", ", statics)).append('>');
    }
    if (!dynamic.isEmpty()) {
      sb.append('[').append(dynamic).append(']');
    }
    return sb.toString();
  }

  private static String any(List<String> of) {
    return of.isEmpty() ? "any" : "any<" + String.join(", ", of) + ">";
  }

  private static String function(List<String> args, String result) {
    return "(" + String.join(", ", args) + ") => " + result;
  }
}
