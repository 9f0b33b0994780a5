package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.gocompat.GoTemplateExec.JsonNumber;
import io.jrego.engine.builtins.spi.BoundedOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * text/template's predefined functions (except {@code and}/{@code or}, which short-circuit in the
 * executor) over the executor's Go-shaped values, with Go's error wording.
 */
public final class GoTemplateFuncs {

  private GoTemplateFuncs() {}

  /** A function's own error: Go reports it as {@code error calling <fn>: <msg>}. */
  static final class FuncError extends Exception {
    private static final long serialVersionUID = 1L;

    FuncError(String msg) {
      super(msg);
    }
  }

  /** An argument of the wrong Go type for the parameter, reported without the call prefix. */
  static final class ArgTypeError extends Exception {
    private static final long serialVersionUID = 1L;

    ArgTypeError(String msg) {
      super(msg);
    }
  }

  private static final String BAD_COMPARISON = "incompatible types for comparison";
  private static final String BAD_COMPARISON_TYPE = "invalid type for comparison";

  static Object call(String fn, List<Object> a) throws FuncError, ArgTypeError {
    return call(fn, a, BoundedOutput.NONE);
  }

  /** As {@link #call(String, List)}; {@code printf} checks {@code bound} as it formats. */
  static Object call(String fn, List<Object> a, BoundedOutput bound)
      throws FuncError, ArgTypeError {
    return switch (fn) {
      case "not" -> !GoTemplateExec.truth(a.get(0));
      case "len" -> len(a.get(0));
      case "index" -> index(a.get(0), a.subList(1, a.size()));
      case "slice" -> slice(a.get(0), a.subList(1, a.size()));
      case "print" -> sprint(a, false);
      case "println" -> sprint(a, true);
      case "printf" -> printf(a, bound);
      case "html" -> GoTemplateStrings.html(escaperArg(a));
      case "js" -> GoTemplateStrings.js(escaperArg(a));
      case "urlquery" -> GoTemplateStrings.urlquery(escaperArg(a));
      case "eq" -> eq(a.get(0), a.subList(1, a.size()));
      case "ne" -> !eq(a.get(0), a.subList(1, 2));
      case "lt" -> lt(a.get(0), a.get(1));
      case "le" -> lt(a.get(0), a.get(1)) || eq(a.get(0), a.subList(1, 2));
      case "gt" -> !(lt(a.get(0), a.get(1)) || eq(a.get(0), a.subList(1, 2)));
      case "ge" -> !lt(a.get(0), a.get(1));
      case "call" ->
          throw new FuncError(
              a.get(0) == null
                  ? "call of nil"
                  : "non-function "
                      + GoTemplateExec.fmtV(a.get(0))
                      + " of type "
                      + GoTemplateExec.typeName(a.get(0)));
      default -> throw new FuncError("function \"" + fn + "\" not defined");
    };
  }

  private static long len(Object v) throws FuncError {
    return switch (v) {
      case null -> throw new FuncError("len of nil pointer");
      case String s -> s.getBytes(StandardCharsets.UTF_8).length;
      case JsonNumber n -> n.text().length();
      case Map<?, ?> m -> m.size();
      case List<?> l -> l.size();
      default -> throw new FuncError("len of type " + GoTemplateExec.typeName(v));
    };
  }

  private static Object index(Object item, List<Object> idx) throws FuncError {
    if (item == null) {
      throw new FuncError("index of untyped nil");
    }
    Object v = item;
    for (Object i : idx) {
      switch (v) {
        case null -> throw new FuncError("index of nil pointer");
        case List<?> l -> v = l.get(position(i, l.size(), "slice/array"));
        case String s -> {
          byte[] b = s.getBytes(StandardCharsets.UTF_8);
          v = (long) (b[position(i, b.length, "string")] & 0xff);
        }
        case Map<?, ?> m -> {
          if (i == null) {
            throw new FuncError("value is nil; should be of type string");
          }
          if (!(i instanceof String key)) {
            throw new FuncError(
                "value has type " + GoTemplateExec.typeName(i) + "; should be string");
          }
          v = m.get(key);
        }
        default -> throw new FuncError("can't index item of type " + GoTemplateExec.typeName(v));
      }
    }
    return v;
  }

  private static int position(Object i, int cap, String what) throws FuncError {
    if (!(i instanceof Long x)) {
      throw new FuncError(
          i == null
              ? "cannot index " + what + " with nil"
              : "cannot index " + what + " with type " + GoTemplateExec.typeName(i));
    }
    if (x < 0 || x >= cap) {
      throw new FuncError("index out of range: " + x);
    }
    return (int) (long) x;
  }

  private static Object slice(Object item, List<Object> idx) throws FuncError {
    if (item == null) {
      throw new FuncError("slice of untyped nil");
    }
    if (idx.size() > 3) {
      throw new FuncError("too many slice indexes: " + idx.size());
    }
    int cap;
    switch (item) {
      case String s -> {
        if (idx.size() == 3) {
          throw new FuncError("cannot 3-index slice a string");
        }
        cap = s.getBytes(StandardCharsets.UTF_8).length;
      }
      case List<?> l -> cap = l.size();
      default -> throw new FuncError("can't slice item of type " + GoTemplateExec.typeName(item));
    }
    int[] bounds = {0, cap, cap};
    for (int k = 0; k < idx.size(); k++) {
      if (!(idx.get(k) instanceof Long x)) {
        throw new FuncError(
            "cannot index slice/array with type " + GoTemplateExec.typeName(idx.get(k)));
      }
      if (x < 0 || x > cap) {
        throw new FuncError("index out of range: " + x);
      }
      bounds[k] = (int) (long) x;
    }
    if (bounds[0] > bounds[1]) {
      throw new FuncError("invalid slice index: " + bounds[0] + " > " + bounds[1]);
    }
    if (idx.size() == 3 && bounds[1] > bounds[2]) {
      throw new FuncError("invalid slice index: " + bounds[1] + " > " + bounds[2]);
    }
    if (item instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return new String(b, bounds[0], bounds[1] - bounds[0], StandardCharsets.UTF_8);
    }
    return java.util.Collections.unmodifiableList(
        new java.util.ArrayList<>(((List<?>) item).subList(bounds[0], bounds[1])));
  }

  private static boolean isStringKind(Object v) {
    return v instanceof String || v instanceof JsonNumber;
  }

  /** fmt.Sprint (spaces between operands when neither is a string) or fmt.Sprintln. */
  static String sprint(List<Object> a, boolean ln) {
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < a.size(); k++) {
      if (k > 0 && (ln || (!isStringKind(a.get(k - 1)) && !isStringKind(a.get(k))))) {
        sb.append(' ');
      }
      sb.append(GoTemplateExec.fmtV(a.get(k)));
    }
    if (ln) {
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String printf(List<Object> a, BoundedOutput bound) throws ArgTypeError {
    if (!(a.get(0) instanceof String format)) {
      throw new ArgTypeError(
          "wrong type for value; expected string; got " + GoTemplateExec.typeName(a.get(0)));
    }
    Object[] args = new Object[a.size() - 1];
    for (int k = 1; k < a.size(); k++) {
      Object v = a.get(k);
      args[k - 1] =
          switch (v) {
            case String s -> s;
            case JsonNumber n -> new GoFormat.Named("json.Number", n.text());
            case Long l -> l;
            case Double d -> d;
            case null -> new GoFormat.Named("<nil>", "<nil>");
            default -> new GoFormat.Named(GoTemplateExec.typeName(v), GoTemplateExec.fmtV(v));
          };
    }
    return GoFormat.sprintf(format, args, bound);
  }

  private static String escaperArg(List<Object> a) {
    if (a.size() == 1 && a.get(0) instanceof String s) {
      return s;
    }
    return sprint(a, false);
  }

  private enum BasicKind {
    BOOL,
    INT,
    FLOAT,
    STRING,
    OTHER
  }

  private static BasicKind kind(Object v) {
    return switch (v) {
      case Boolean b -> BasicKind.BOOL;
      case Long l -> BasicKind.INT;
      case Double d -> BasicKind.FLOAT;
      case String s -> BasicKind.STRING;
      case JsonNumber n -> BasicKind.STRING;
      case null -> BasicKind.OTHER;
      default -> BasicKind.OTHER;
    };
  }

  private static String str(Object v) {
    return v instanceof JsonNumber n ? n.text() : (String) v;
  }

  private static boolean eq(Object a1, List<Object> rest) throws FuncError {
    if (rest.isEmpty()) {
      throw new FuncError("missing argument for comparison");
    }
    BasicKind k1 = kind(a1);
    for (Object a2 : rest) {
      BasicKind k2 = kind(a2);
      boolean truth;
      if (k1 != k2) {
        if (a1 != null && a2 != null) {
          throw new FuncError(badComparison(a1, a2));
        }
        truth = false;
      } else {
        truth =
            switch (k1) {
              case BOOL, INT, FLOAT -> a1.equals(a2);
              case STRING -> str(a1).equals(str(a2));
              case OTHER -> {
                if (a1 == null || a2 == null) {
                  yield a1 == a2;
                }
                throw new FuncError(
                    "non-comparable type "
                        + GoTemplateExec.fmtV(a2)
                        + ": "
                        + GoTemplateExec.typeName(a2));
              }
            };
      }
      if (truth) {
        return true;
      }
    }
    return false;
  }

  private static boolean lt(Object a1, Object a2) throws FuncError {
    BasicKind k1 = kind(a1);
    BasicKind k2 = kind(a2);
    if (k1 == BasicKind.OTHER || k2 == BasicKind.OTHER) {
      throw new FuncError(BAD_COMPARISON_TYPE);
    }
    if (k1 != k2) {
      throw new FuncError(badComparison(a1, a2));
    }
    return switch (k1) {
      case INT -> (Long) a1 < (Long) a2;
      case FLOAT -> (Double) a1 < (Double) a2;
      case STRING -> compareUtf8(str(a1), str(a2)) < 0;
      default -> throw new FuncError(BAD_COMPARISON_TYPE);
    };
  }

  private static String badComparison(Object a1, Object a2) {
    return BAD_COMPARISON
        + ": "
        + GoTemplateExec.typeName(a1)
        + " and "
        + GoTemplateExec.typeName(a2);
  }

  private static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
