package io.jrego.engine.builtins;

import io.jrego.engine.builtins.gocompat.GoFormat;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Locale;
import java.util.regex.Pattern;

/** {@code to_number} and the deprecated {@code cast_*} builtins (kept for Rego v0 policies). */
final class Casts {

  /** The decimal forms Go's strconv.ParseFloat accepts (hex floats and underscores aside). */
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");

  private Casts() {}

  static void register(BuiltinRegistry r) {
    r.add(Declaration.of("cast_array(any) => array[any]").deprecated(), Casts::castArray);
    r.add(
        Declaration.of("cast_boolean(any) => boolean").deprecated(),
        (a, c) -> typed(a[0], BooleanValue.class, "boolean"));
    r.add(
        Declaration.of("cast_null(any) => null").deprecated(),
        (a, c) -> typed(a[0], NullValue.class, "null"));
    r.add(
        Declaration.of("cast_object(any) => object[any: any]").deprecated(),
        (a, c) -> typed(a[0], ObjectValue.class, "object"));
    r.add(Declaration.of("cast_set(any) => set[any]").deprecated(), Casts::castSet);
    r.add(
        Declaration.of("cast_string(any) => string").deprecated(),
        (a, c) -> typed(a[0], StringValue.class, "string"));
    r.add(
        Declaration.of("to_number(value: any<null, boolean, number, string>) => num: number")
            .categories("conversions"),
        Casts::toNumber);
  }

  private static Value typed(Value v, Class<? extends Value> type, String name)
      throws BuiltinException {
    if (type.isInstance(v)) {
      return v;
    }
    throw BuiltinException.operand(1, name, v);
  }

  private static Value castArray(Value[] a, BuiltinContext c) throws BuiltinException {
    return switch (a[0]) {
      case ArrayValue x -> x;
      case SetValue x -> ArrayValue.of(x.elements());
      default -> throw Operands.typeError(1, a[0], "array", "set");
    };
  }

  private static Value castSet(Value[] a, BuiltinContext c) throws BuiltinException {
    return switch (a[0]) {
      case ArrayValue x -> SetValue.of(x.asList());
      case SetValue x -> x;
      default -> throw Operands.typeError(1, a[0], "array", "set");
    };
  }

  private static Value toNumber(Value[] a, BuiltinContext c) throws BuiltinException {
    return switch (a[0]) {
      case NullValue x -> NumberValue.ZERO;
      case BooleanValue b -> b.value() ? NumberValue.ONE : NumberValue.ZERO;
      case NumberValue n -> n;
      case StringValue s -> parse(s);
      default -> throw Operands.typeError(1, a[0], "null", "boolean", "number", "string");
    };
  }

  private static Value parse(StringValue sv) throws BuiltinException {
    String s = sv.value();
    if (s.length() > Json.MAX_NUMBER_LENGTH) {
      // exact parsing grows faster than the text: bounded as the JSON reader bounds numbers
      throw BuiltinException.error("number longer than " + Json.MAX_NUMBER_LENGTH + " characters");
    }
    String bare = s.replaceFirst("^[+-]+", "").toLowerCase(Locale.ROOT);
    if (bare.equals("inf") || bare.equals("infinity") || bare.equals("nan")) {
      throw BuiltinException.operand(1, "valid number string", sv);
    }
    if (!DECIMAL.matcher(s).matches()) {
      throw BuiltinException.error(
          "strconv.ParseFloat: parsing " + GoFormat.quote(s, false) + ": invalid syntax");
    }
    if (Double.isInfinite(Double.parseDouble(s))) {
      throw BuiltinException.error(
          "strconv.ParseFloat: parsing " + GoFormat.quote(s, false) + ": value out of range");
    }
    NumberValue n;
    try {
      n = s.startsWith("+") ? NumberValue.parse(s.substring(1)) : NumberValue.literal(s);
    } catch (NumberFormatException e) {
      n = null; // DECIMAL matched: only an exponent beyond an int gets here
    }
    if (n == null || NumberValue.tooBig(n.bigDecimal())) {
      throw BuiltinException.error("invalid number: number too big"); // as OPA
    }
    return n;
  }
}
