package io.jrego.engine;

import com.google.re2j.Pattern;
import io.jrego.engine.builtins.Builtin;
import io.jrego.engine.builtins.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.engine.value.Values;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal builtins for engine tests, registered per policy through {@link Rego.Builder#builtin},
 * until the builtin namespaces land from their branches. Only what the tests and the ai-gateway
 * bundle use.
 */
final class TestBuiltins {

  private TestBuiltins() {}

  /** Adds the test builtins the standard registry does not have yet. */
  static Rego.Builder with(Rego.Builder b) {
    for (Builtin x : all()) {
      if (io.jrego.engine.builtins.BuiltinRegistry.standard().lookup(x.name()).isEmpty()) {
        b.builtin(x);
      }
    }
    return b;
  }

  private static String str(Value v, int pos) throws BuiltinException {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operand(pos, "string", v);
  }

  private static NumberValue num(Value v, int pos) throws BuiltinException {
    if (v instanceof NumberValue n) {
      return n;
    }
    throw BuiltinException.operand(pos, "number", v);
  }

  static List<Builtin> all() {
    List<Builtin> out = new ArrayList<>();
    out.add(Builtin.of("equal", 2, (a, c) -> BooleanValue.of(a[0].equals(a[1]))));
    out.add(Builtin.of("neq", 2, (a, c) -> BooleanValue.of(!a[0].equals(a[1]))));
    out.add(Builtin.of("lt", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) < 0)));
    out.add(Builtin.of("lte", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) <= 0)));
    out.add(Builtin.of("gt", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) > 0)));
    out.add(Builtin.of("gte", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) >= 0)));
    out.add(
        Builtin.of(
            "plus",
            2,
            (a, c) -> NumberValue.of(num(a[0], 1).bigDecimal().add(num(a[1], 2).bigDecimal()))));
    out.add(
        Builtin.of(
            "minus",
            2,
            (a, c) -> {
              if (a[0] instanceof SetValue x && a[1] instanceof SetValue y) {
                SetValue.Builder b = new SetValue.Builder();
                for (Value v : x) {
                  if (!y.contains(v)) {
                    b.add(v);
                  }
                }
                return b.build();
              }
              return NumberValue.of(num(a[0], 1).bigDecimal().subtract(num(a[1], 2).bigDecimal()));
            }));
    out.add(
        Builtin.of(
            "mul",
            2,
            (a, c) ->
                NumberValue.of(num(a[0], 1).bigDecimal().multiply(num(a[1], 2).bigDecimal()))));
    out.add(
        Builtin.of(
            "div",
            2,
            (a, c) -> {
              if (num(a[1], 2).bigDecimal().signum() == 0) {
                throw BuiltinException.error("divide by zero");
              }
              return NumberValue.of(
                  num(a[0], 1)
                      .bigDecimal()
                      .divide(num(a[1], 2).bigDecimal(), java.math.MathContext.DECIMAL128));
            }));
    out.add(
        Builtin.of(
            "or",
            2,
            (a, c) -> {
              SetValue.Builder b = new SetValue.Builder();
              for (Value v : (SetValue) a[0]) {
                b.add(v);
              }
              for (Value v : (SetValue) a[1]) {
                b.add(v);
              }
              return b.build();
            }));
    out.add(
        Builtin.of(
            "and",
            2,
            (a, c) -> {
              SetValue.Builder b = new SetValue.Builder();
              for (Value v : (SetValue) a[0]) {
                if (((SetValue) a[1]).contains(v)) {
                  b.add(v);
                }
              }
              return b.build();
            }));
    out.add(
        Builtin.of(
            "count",
            1,
            (a, c) ->
                switch (a[0]) {
                  case ArrayValue x -> NumberValue.of(x.size());
                  case ObjectValue x -> NumberValue.of(x.size());
                  case SetValue x -> NumberValue.of(x.size());
                  case StringValue x ->
                      NumberValue.of(x.value().codePointCount(0, x.value().length()));
                  default ->
                      throw BuiltinException.operand(
                          1, "one of {array, object, set, string}", a[0]);
                }));
    out.add(
        Builtin.of(
            "concat",
            2,
            (a, c) -> {
              List<String> parts = new ArrayList<>();
              Iterable<Value> it =
                  a[1] instanceof ArrayValue x
                      ? x
                      : a[1] instanceof SetValue s ? s.elements() : null;
              if (it == null) {
                throw BuiltinException.operand(2, "one of {array, set}", a[1]);
              }
              for (Value v : it) {
                parts.add(str(v, 2));
              }
              return StringValue.of(String.join(str(a[0], 1), parts));
            }));
    out.add(
        Builtin.of(
            "replace",
            3,
            (a, c) -> StringValue.of(str(a[0], 1).replace(str(a[1], 2), str(a[2], 3)))));
    out.add(
        Builtin.of(
            "lower", 1, (a, c) -> StringValue.of(str(a[0], 1).toLowerCase(java.util.Locale.ROOT))));
    out.add(
        Builtin.of(
            "is_string",
            1,
            (a, c) -> a[0] instanceof StringValue ? BooleanValue.TRUE : BooleanValue.FALSE));
    out.add(Builtin.of("is_array", 1, (a, c) -> BooleanValue.of(a[0] instanceof ArrayValue)));
    out.add(Builtin.of("trim_space", 1, (a, c) -> StringValue.of(str(a[0], 1).strip())));
    out.add(
        Builtin.of(
            "trim_left",
            2,
            (a, c) -> {
              String s = str(a[0], 1);
              String cut = str(a[1], 2);
              int i = 0;
              while (i < s.length() && cut.indexOf(s.charAt(i)) >= 0) {
                i++;
              }
              return StringValue.of(s.substring(i));
            }));
    out.add(
        Builtin.of(
            "startswith", 2, (a, c) -> BooleanValue.of(str(a[0], 1).startsWith(str(a[1], 2)))));
    out.add(
        Builtin.of(
            "split",
            2,
            (a, c) -> {
              String s = str(a[0], 1);
              String d = str(a[1], 2);
              ArrayValue.Builder b = new ArrayValue.Builder();
              int start = 0;
              while (true) {
                int i = d.isEmpty() ? -1 : s.indexOf(d, start);
                if (i < 0) {
                  b.add(StringValue.of(s.substring(start)));
                  break;
                }
                b.add(StringValue.of(s.substring(start, i)));
                start = i + d.length();
              }
              return b.build();
            }));
    out.add(Builtin.of("array.concat", 2, (a, c) -> ((ArrayValue) a[0]).concat((ArrayValue) a[1])));
    out.add(
        Builtin.of(
            "sort",
            1,
            (a, c) -> {
              List<Value> l =
                  new ArrayList<>(
                      a[0] instanceof SetValue s ? s.elements() : ((ArrayValue) a[0]).asList());
              l.sort(Values::compare);
              return ArrayValue.of(l);
            }));
    out.add(
        Builtin.of(
            "regex.match",
            2,
            (a, c) -> BooleanValue.of(Pattern.compile(str(a[0], 1)).matcher(str(a[1], 2)).find())));
    out.add(Builtin.of("json.marshal", 1, (a, c) -> StringValue.of(Json.write(a[0]))));
    out.add(Builtin.of("object.union", 2, (a, c) -> union((ObjectValue) a[0], (ObjectValue) a[1])));
    out.add(
        Builtin.of(
            "json.remove",
            2,
            (a, c) -> {
              Value doc = a[0];
              Iterable<Value> paths =
                  a[1] instanceof ArrayValue x ? x : ((SetValue) a[1]).elements();
              for (Value p : paths) {
                doc = remove(doc, str(p, 2).split("/", -1), 0);
              }
              return doc;
            }));
    out.add(
        Builtin.of(
            "sprintf",
            2,
            (a, c) -> {
              String fmt = str(a[0], 1);
              List<Value> args = ((ArrayValue) a[1]).asList();
              StringBuilder sb = new StringBuilder();
              int n = 0;
              for (int i = 0; i < fmt.length(); i++) {
                char ch = fmt.charAt(i);
                if (ch == '%' && i + 1 < fmt.length()) {
                  char verb = fmt.charAt(++i);
                  if (verb == '%') {
                    sb.append('%');
                    continue;
                  }
                  Value v = args.get(n++);
                  sb.append(v instanceof StringValue s ? s.value() : v.toString());
                } else {
                  sb.append(ch);
                }
              }
              return StringValue.of(sb.toString());
            }));
    return out;
  }

  private static Value remove(Value doc, String[] parts, int i) {
    if (!(doc instanceof ObjectValue o)) {
      return doc;
    }
    StringValue key = StringValue.of(parts[i]);
    if (i == parts.length - 1) {
      return o.without(key);
    }
    Value child = o.getOrNull(key);
    return child == null ? o : o.with(key, remove(child, parts, i + 1));
  }

  private static ObjectValue union(ObjectValue a, ObjectValue b) {
    ObjectValue out = a;
    for (Value k : b.keys()) {
      Value bv = b.getOrNull(k);
      Value av = out.getOrNull(k);
      out =
          out.with(
              k, av instanceof ObjectValue ao && bv instanceof ObjectValue bo ? union(ao, bo) : bv);
    }
    return out;
  }
}
