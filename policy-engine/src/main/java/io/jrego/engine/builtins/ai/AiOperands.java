package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Operand and option checks for the {@code jrego.*} builtins of this package, worded as OPA words
 * operand errors ({@code operand 2 must be object but got string}). Options objects are checked key
 * by key: an unknown key is an error, so a misspelt option never goes unnoticed.
 */
final class AiOperands {

  private AiOperands() {}

  static String string(Value[] args, int i) throws BuiltinException {
    if (args[i] instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operand(i + 1, "string", args[i]);
  }

  static ObjectValue object(Value[] args, int i) throws BuiltinException {
    if (args[i] instanceof ObjectValue o) {
      return o;
    }
    throw BuiltinException.operand(i + 1, "object", args[i]);
  }

  static BuiltinException option(int pos, String key, String problem) {
    return new BuiltinException(
        BuiltinException.Kind.TYPE, "operand " + pos + ": option \"" + key + "\" " + problem);
  }

  /** Fails when {@code options} has a key outside {@code known}. */
  static void onlyKeys(ObjectValue options, int pos, Set<String> known) throws BuiltinException {
    if (options.isEmpty()) {
      return; // {} (most calls): no sorted key list and iterator made for nothing
    }
    for (Value k : options.keys()) {
      if (!(k instanceof StringValue s) || !known.contains(s.value())) {
        throw new BuiltinException(
            BuiltinException.Kind.TYPE,
            "operand "
                + pos
                + ": unknown option "
                + k
                + " (known: "
                + String.join(", ", known.stream().sorted().toList())
                + ")");
      }
    }
  }

  static boolean bool(ObjectValue o, int pos, String key, boolean dflt) throws BuiltinException {
    Value v = o.get(key).orElse(null);
    if (v == null) {
      return dflt;
    }
    if (v instanceof BooleanValue b) {
      return b.value();
    }
    throw option(pos, key, "must be a boolean, got " + v.typeName());
  }

  static String str(ObjectValue o, int pos, String key, String dflt) throws BuiltinException {
    Value v = o.get(key).orElse(null);
    if (v == null) {
      return dflt;
    }
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw option(pos, key, "must be a string, got " + v.typeName());
  }

  /** A number option within {@code [lo, hi]}, returned exactly. */
  static BigDecimal decimal(ObjectValue o, int pos, String key, BigDecimal lo, BigDecimal hi)
      throws BuiltinException {
    Value v = o.get(key).orElse(null);
    if (v == null) {
      return null;
    }
    if (!(v instanceof NumberValue n)) {
      throw option(pos, key, "must be a number, got " + v.typeName());
    }
    BigDecimal d = n.bigDecimal();
    if (d.compareTo(lo) < 0 || d.compareTo(hi) > 0) {
      throw option(pos, key, "must be between " + lo + " and " + hi + ", got " + n);
    }
    return d;
  }

  /** The strings of an array or set option, or null when absent. */
  static List<String> strings(ObjectValue o, int pos, String key) throws BuiltinException {
    Value v = o.get(key).orElse(null);
    if (v == null) {
      return null;
    }
    Iterable<Value> items;
    if (v instanceof ArrayValue a) {
      items = a;
    } else if (v instanceof SetValue s) {
      items = s;
    } else {
      throw option(pos, key, "must be an array or set of strings, got " + v.typeName());
    }
    List<String> out = new ArrayList<>();
    for (Value e : items) {
      if (!(e instanceof StringValue s)) {
        throw option(pos, key, "must contain only strings, got " + e.typeName());
      }
      out.add(s.value());
    }
    return out;
  }
}
