package io.jrego.engine.builtins.operand;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Operand checks shared by the namespace classes, with OPA's wording for every failure. Positions
 * are 1-based, as in OPA's messages.
 */
public final class Operands {

  private Operands() {}

  public static String string(Value v, int pos) throws BuiltinException {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.operand(pos, "string", v);
  }

  public static NumberValue number(Value v, int pos) throws BuiltinException {
    if (v instanceof NumberValue n) {
      return n;
    }
    throw BuiltinException.operand(pos, "number", v);
  }

  public static ArrayValue array(Value v, int pos) throws BuiltinException {
    if (v instanceof ArrayValue a) {
      return a;
    }
    throw BuiltinException.operand(pos, "array", v);
  }

  public static ObjectValue object(Value v, int pos) throws BuiltinException {
    if (v instanceof ObjectValue o) {
      return o;
    }
    throw BuiltinException.operand(pos, "object", v);
  }

  public static SetValue set(Value v, int pos) throws BuiltinException {
    if (v instanceof SetValue s) {
      return s;
    }
    throw BuiltinException.operand(pos, "set", v);
  }

  /**
   * An integer operand that fits a {@code long}, as OPA's {@code IntOperand} takes it: a number
   * written with a fraction or exponent ({@code 1.0}) is refused even when integral.
   */
  public static long integer(Value v, int pos) throws BuiltinException {
    NumberValue n = number(v, pos);
    if (n.isSmall()) {
      return n.longValue();
    }
    throw failure(pos, "must be integer number but got floating-point number");
  }

  /** {@link #integer} clamped into the {@code int} range, for indexes and counts. */
  public static int clampedInt(Value v, int pos) throws BuiltinException {
    long l = integer(v, pos);
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, l));
  }

  /** An integral number of any size, as OPA's {@code BigIntOperand} takes it. */
  public static BigInteger bigInteger(Value v, int pos) throws BuiltinException {
    if (!(v instanceof NumberValue n)) {
      throw BuiltinException.operand(pos, "integer", v);
    }
    BigInteger i = toBigInteger(n);
    if (i == null) {
      throw failure(pos, "must be integer number but got floating-point number");
    }
    return i;
  }

  /** The exact integer value of {@code n}, or null when it has a fractional part. */
  public static BigInteger toBigInteger(NumberValue n) {
    if (n.isSmall()) {
      return BigInteger.valueOf(n.longValue());
    }
    BigDecimal d = n.bigDecimal();
    try {
      return d.toBigIntegerExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /** The strings of an array or set operand. */
  public static List<String> strings(Value v, int pos) throws BuiltinException {
    Iterable<Value> elements =
        switch (v) {
          case ArrayValue a -> a;
          case SetValue s -> s;
          default -> throw typeError(pos, v, "array", "set");
        };
    List<String> out = new ArrayList<>();
    for (Value e : elements) {
      if (!(e instanceof StringValue s)) {
        throw elementError(pos, v, e, "string");
      }
      out.add(s.value());
    }
    return out;
  }

  /** OPA's {@code NewOperandTypeErr}: one expected type, or {@code one of {a, b}}. */
  public static BuiltinException typeError(int pos, Value got, String... expected) {
    String want =
        expected.length == 1 ? expected[0] : "one of {" + String.join(", ", expected) + "}";
    return BuiltinException.operand(pos, want, got);
  }

  /**
   * OPA's {@code NewOperandElementErr}: {@code must be array of strings but got array containing
   * number}.
   */
  public static BuiltinException elementError(
      int pos, Value composite, Value got, String... expected) {
    String t = composite.typeName();
    String want =
        expected.length == 1
            ? t + " of " + expected[0] + "s"
            : t + " of (any of) {" + String.join(", ", expected) + "}";
    return failure(pos, "must be " + want + " but got " + t + " containing " + got.typeName());
  }

  /** OPA's {@code NewOperandEnumErr}. */
  public static BuiltinException enumError(int pos, String... expected) {
    return failure(
        pos,
        expected.length == 1
            ? "must be " + expected[0]
            : "must be one of {" + String.join(", ", expected) + "}");
  }

  /** OPA's {@code NewOperandErr}: an operand problem reported as {@code eval_type_error}. */
  public static BuiltinException failure(int pos, String message) {
    return new BuiltinException(BuiltinException.Kind.TYPE, "operand " + pos + " " + message);
  }

  /** The number of code points in {@code s}, which is what Go's rune count gives. */
  public static int runeCount(String s) {
    return s.codePointCount(0, s.length());
  }
}
