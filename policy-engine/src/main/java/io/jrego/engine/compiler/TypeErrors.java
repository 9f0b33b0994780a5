package io.jrego.engine.compiler;

import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.types.Type;
import io.jrego.engine.types.TypeJson;
import io.jrego.engine.types.Types;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * The type checker's errors, worded and detailed as OPA's ({@code rego_type_error} with the
 * argument types a call had and wanted, the two sides of a failed unification, or the part of a
 * reference that cannot exist).
 */
final class TypeErrors {

  private TypeErrors() {}

  /** A call whose operands do not fit the declaration: what it had and what it wanted. */
  record ArgErr(List<Type> have, List<Type> want, Type variadic) implements RegoError.Details {

    @Override
    public List<String> lines() {
      String haveLine = "have: " + args(have, null);
      String wantLine = "want: " + args(want, variadic);
      if (!TypeDiff.tooWide(haveLine, wantLine)) {
        return List.of(haveLine, wantLine);
      }
      List<String> h = new ArrayList<>();
      have.forEach(t -> h.add(TypeDiff.elide(t)));
      List<String> w = new ArrayList<>();
      want.forEach(t -> w.add(TypeDiff.elide(t)));
      for (int i = 0; i < Math.min(have.size(), want.size()); i++) {
        Type a = have.get(i);
        Type b = want.get(i);
        if (a != null && b != null && Types.unifies(a, b)) {
          h.set(i, TypeDiff.elide(a));
          w.set(i, TypeDiff.elide(b));
        } else {
          String[] d = TypeDiff.diff(a, b);
          h.set(i, d[0]);
          w.set(i, d[1]);
        }
      }
      if (variadic != null) {
        w.add(TypeDiff.elide(variadic) + "...");
      }
      return List.of(
          "have: (" + String.join(", ", h) + ")", "want: (" + String.join(", ", w) + ")");
    }

    private static String args(List<Type> ts, Type variadic) {
      List<String> parts = new ArrayList<>();
      ts.forEach(t -> parts.add(TypeDiff.sprint(t)));
      if (variadic != null) {
        parts.add(TypeDiff.sprint(variadic) + "...");
      }
      return "(" + String.join(", ", parts) + ")";
    }

    @Override
    public Value json() {
      List<Value> h = new ArrayList<>();
      have.forEach(t -> h.add(TypeJson.of(t)));
      return new ObjectValue.Builder()
          .put("have", ArrayValue.of(h))
          .put("want", TypeJson.args(want, variadic))
          .build();
    }

    /** Whether an operand's type is unknown, which a more precise error may explain. */
    boolean nilType() {
      return have.stream().anyMatch(Types::isNil);
    }
  }

  /** Two sides of {@code =} (or a membership) whose types cannot describe one value. */
  record UnificationErr(Type left, Type right) implements RegoError.Details {

    @Override
    public List<String> lines() {
      String l = "left  : " + TypeDiff.sprint(left);
      String r = "right : " + TypeDiff.sprint(right);
      if (TypeDiff.tooWide(l, r)) {
        String[] d = TypeDiff.diff(left, right);
        l = "left  : " + d[0];
        r = "right : " + d[1];
      }
      String kind = sharedKind(Types.unwrap(left), Types.unwrap(right));
      if (kind.isEmpty()) {
        return List.of(l, r);
      }
      return List.of(
          l,
          r,
          "hint  : both sides are "
              + kind
              + " but their types differ, so they can never be equal (see"
              + " https://www.openpolicyagent.org/docs/errors/rego-type-error/match-error)");
    }

    private static String sharedKind(Type a, Type b) {
      if (a instanceof Type.Obj && b instanceof Type.Obj) {
        return "objects";
      }
      if (a instanceof Type.Arr && b instanceof Type.Arr) {
        return "arrays";
      }
      if (a instanceof Type.SetOf && b instanceof Type.SetOf) {
        return "sets";
      }
      return "";
    }

    @Override
    public Value json() {
      return new ObjectValue.Builder()
          .put("a", TypeJson.of(left))
          .put("b", TypeJson.of(right))
          .build();
    }

    boolean nilType() {
      return Types.isNil(left) || Types.isNil(right);
    }
  }

  /**
   * A reference with an element the referenced value cannot have: a missing key (with the keys it
   * has), or a key of the wrong type.
   */
  record RefErrInvalid(Ref ref, int pos, Type have, Type want, List<Value> oneOf, TermText text)
      implements RegoError.Details {

    @Override
    public List<String> lines() {
      List<String> out = new ArrayList<>();
      out.add(text.ref(ref));
      String pad = " ".repeat(prefixLength(text, ref, pos) + 1);
      out.add(pad + "^");
      if (have != null) {
        out.add(pad + "have (type): " + have);
      } else {
        out.add(pad + "have: " + text.term(element(ref, pos)));
      }
      if (!oneOf.isEmpty()) {
        List<String> vs = new ArrayList<>();
        oneOf.forEach(v -> vs.add(TermText.value(v)));
        out.add(pad + "want (one of): [" + String.join(" ", vs) + "]");
      } else if (want == null) {
        out.add(pad + "want (one of): []");
      } else {
        out.add(pad + "want (type): " + want);
      }
      return out;
    }

    @Override
    public Value json() {
      ObjectValue.Builder b =
          new ObjectValue.Builder().put("ref", text.refJson(ref)).put("pos", NumberValue.of(pos));
      if (have != null) {
        b.put("have", TypeJson.of(have));
      }
      b.put("want", TypeJson.of(want));
      b.put("oneOf", oneOf.isEmpty() ? NullValue.INSTANCE : ArrayValue.of(oneOf));
      return b.build();
    }
  }

  /** A reference into a value that has no members (a number), or into a function. */
  record RefErrUnsupported(Ref ref, int pos, Type have, TermText text)
      implements RegoError.Details {

    @Override
    public List<String> lines() {
      return List.of(text.ref(ref), "^".repeat(prefixLength(text, ref, pos + 1)), "have: " + have);
    }

    @Override
    public Value json() {
      return new ObjectValue.Builder()
          .put("ref", text.refJson(ref))
          .put("pos", NumberValue.of(pos))
          .put("have", TypeJson.of(have))
          .build();
    }
  }

  /** The length of the text of a reference's first {@code n} elements (the head is the first). */
  private static int prefixLength(TermText text, Ref ref, int n) {
    if (n <= 0) {
      return 0;
    }
    String s = text.ref(ref, n - 1);
    return s.codePointCount(0, s.length());
  }

  private static Term element(Ref ref, int pos) {
    return pos == 0 ? ref.head() : ref.path().get(pos - 1);
  }

  // ---------------------------------------------------------------------------------------

  static RegoError argError(Location loc, String name, String msg, ArgErr details) {
    return RegoError.at(RegoError.TYPE, name + ": " + msg, loc, details);
  }

  static RegoError matchError(Location loc, Type left, Type right) {
    return RegoError.at(RegoError.TYPE, "match error", loc, new UnificationErr(left, right));
  }

  static RegoError refInvalid(
      Location loc, Ref ref, int pos, Type have, Type want, List<Value> oneOf, TermText text) {
    return RegoError.at(
        RegoError.TYPE,
        "undefined ref: " + text.ref(ref),
        loc,
        new RefErrInvalid(ref, pos, have, want, oneOf, text));
  }

  static RegoError refUnsupported(Location loc, Ref ref, int pos, Type have, TermText text) {
    String msg;
    if (have instanceof Type.Fn) {
      // a trailing made-up argument (__local1__) is not part of the function's name
      Term last = ref.path().isEmpty() ? ref.head() : ref.path().get(ref.path().size() - 1);
      String lastText = text.term(last);
      Ref shown =
          lastText.matches(".*__local[0-9]+__.*") && !ref.path().isEmpty()
              ? new Ref(ref.head(), ref.path().subList(0, ref.path().size() - 1), ref.location())
              : ref;
      msg = "function " + text.ref(shown) + " used as reference, not called";
    } else {
      msg = "undefined ref: " + text.ref(ref);
    }
    return RegoError.at(RegoError.TYPE, msg, loc, new RefErrUnsupported(ref, pos, have, text));
  }

  static boolean causedByNilType(RegoError e) {
    return e.details()
        .map(
            d ->
                switch (d) {
                  case ArgErr a -> a.nilType();
                  case UnificationErr u -> u.nilType();
                  default -> false;
                })
        .orElse(false);
  }
}
