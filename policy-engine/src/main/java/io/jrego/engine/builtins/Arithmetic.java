package io.jrego.engine.builtins;

import io.jrego.engine.builtins.gocompat.GoFloat;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.builtins.spi.LimitExceededException;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Arithmetic operators and helpers. As in OPA: integers are exact; anything else is computed in
 * {@link GoFloat} (a 64-bit-mantissa big.Float); division of integers is exact only when both fit
 * 32 bits and divide evenly; {@code minus} is also set difference.
 *
 * <p>Unlike OPA, a result is bounded: one beyond what OPA's own reader accepts ({@link
 * NumberValue#tooBig}: about {@code 1e30103}) is the error "number too big". One multiplication,
 * printing or reading of a number that size takes milliseconds; squaring it a few more times would
 * make one call, which no deadline interrupts, take seconds and then minutes.
 */
final class Arithmetic {

  private static final long SMALL_MIN = Integer.MIN_VALUE;
  private static final long SMALL_MAX = Integer.MAX_VALUE;
  private static final BigDecimal HALF = new BigDecimal("0.5");

  private Arithmetic() {}

  private enum Op {
    PLUS,
    MINUS,
    MUL
  }

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("abs(x: number) => y: number").categories("numbers"),
        (a, c) -> unary(a[0], Unary.ABS));
    r.add(
        Declaration.of("ceil(x: number) => y: number").categories("numbers"),
        (a, c) -> unary(a[0], Unary.CEIL));
    r.add(
        Declaration.of("div(x: number, y: number) => z: number").infix("/").categories("numbers"),
        Arithmetic::div);
    r.add(
        Declaration.of("floor(x: number) => y: number").categories("numbers"),
        (a, c) -> unary(a[0], Unary.FLOOR));
    r.add(
        Declaration.of(
                "minus(x: any<number, set[any]>, y: any<number, "
                    + "set[any]>) => z: any<number, set[any]>")
            .infix("-")
            .categories("sets", "numbers"),
        Arithmetic::minus);
    r.add(
        Declaration.of("mul(x: number, y: number) => z: number").infix("*").categories("numbers"),
        Arithmetic::mul);
    r.add(
        Declaration.of("plus(x: number, y: number) => z: number").infix("+").categories("numbers"),
        (a, c) -> exactOrFloat(a, Op.PLUS));
    r.add(
        Declaration.of("rem(x: number, y: number) => z: number").infix("%").categories("numbers"),
        Arithmetic::rem);
    r.add(
        Declaration.of("round(x: number) => y: number").categories("numbers"),
        (a, c) -> unary(a[0], Unary.ROUND));
  }

  private static boolean small(NumberValue n) {
    return n.isSmall() && n.longValue() >= SMALL_MIN && n.longValue() <= SMALL_MAX;
  }

  /**
   * The most bits an integer result may have: {@code 2^MAX_BITS} is the least magnitude {@link
   * NumberValue#tooBig} refuses.
   */
  static final int MAX_BITS = 100_000;

  /**
   * The error for a result beyond {@link #MAX_BITS}: a limit of jrego's, so an {@code
   * eval_limit_error} (the evaluator prefixes the builtin), never an undefined call.
   */
  static LimitExceededException tooBig() {
    return new LimitExceededException(
        "number too big: the result would be outside the range OPA reads numbers in (2^-100001"
            + " to 2^"
            + MAX_BITS
            + ", about 5e-30104 to 1e30103)");
  }

  /** {@code x}, or {@link #tooBig} when it has more than {@link #MAX_BITS} bits. */
  static BigInteger bounded(BigInteger x) {
    if (x.bitLength() > MAX_BITS) {
      throw tooBig();
    }
    return x;
  }

  /** {@code x} as a number, or {@link #tooBig} when {@link NumberValue#tooBig} refuses it. */
  static NumberValue bounded(BigDecimal x) {
    if (NumberValue.tooBig(x)) {
      throw tooBig();
    }
    return GoFloat.toNumber(x);
  }

  /** A product of big integers is as long as both: refused beyond the bound before it is made. */
  private static Value mul(Value[] a, BuiltinContext c) throws BuiltinException {
    NumberValue x = Operands.number(a[0], 1);
    NumberValue y = Operands.number(a[1], 2);
    if (!small(x) || !small(y)) {
      BigInteger bx = Operands.toBigInteger(x);
      BigInteger by = bx == null ? null : Operands.toBigInteger(y);
      if (bx != null && by != null) {
        checkProduct(bx, by);
        c.reserve((bx.bitLength() + (long) by.bitLength()) / 8);
      }
    }
    return compute(x, y, Op.MUL);
  }

  /** Refuses {@code x * y} before computing it when it would surely have too many bits. */
  static void checkProduct(BigInteger x, BigInteger y) {
    if (x.signum() != 0 && y.signum() != 0 && x.bitLength() + (long) y.bitLength() - 1 > MAX_BITS) {
      throw tooBig(); // the product has at least bitLength(x) + bitLength(y) - 1 bits
    }
  }

  private static Value exactOrFloat(Value[] a, Op op) throws BuiltinException {
    NumberValue x = Operands.number(a[0], 1);
    NumberValue y = Operands.number(a[1], 2);
    return compute(x, y, op);
  }

  static NumberValue compute(NumberValue x, NumberValue y, Op op) {
    if (small(x) && small(y)) {
      long l = x.longValue();
      long m = y.longValue();
      return NumberValue.of(
          switch (op) {
            case PLUS -> l + m;
            case MINUS -> l - m;
            case MUL -> l * m;
          });
    }
    BigInteger bx = Operands.toBigInteger(x);
    BigInteger by = bx == null ? null : Operands.toBigInteger(y);
    if (bx != null && by != null) {
      if (op == Op.MUL) {
        checkProduct(bx, by);
      }
      return NumberValue.of(
          bounded(
              switch (op) {
                case PLUS -> bx.add(by);
                case MINUS -> bx.subtract(by);
                case MUL -> bx.multiply(by);
              }));
    }
    BigDecimal fx = GoFloat.of(x);
    BigDecimal fy = GoFloat.of(y);
    return bounded(
        switch (op) {
          case PLUS -> GoFloat.add(fx, fy);
          case MINUS -> GoFloat.sub(fx, fy);
          case MUL -> GoFloat.mul(fx, fy);
        });
  }

  /** {@code plus} for callers such as {@code sum}. */
  static NumberValue plus(NumberValue x, NumberValue y) {
    return compute(x, y, Op.PLUS);
  }

  private static Value minus(Value[] a, BuiltinContext c) throws BuiltinException {
    if (a[0] instanceof NumberValue x && a[1] instanceof NumberValue y) {
      return compute(x, y, Op.MINUS);
    }
    if (a[0] instanceof SetValue x && a[1] instanceof SetValue y) {
      return Sets.difference(x, y);
    }
    if (!(a[0] instanceof NumberValue) && !(a[0] instanceof SetValue)) {
      throw Operands.typeError(1, a[0], "number", "set");
    }
    throw Operands.typeError(2, a[1], a[0] instanceof SetValue ? "set" : "number");
  }

  private static Value div(Value[] a, BuiltinContext c) throws BuiltinException {
    NumberValue x = Operands.number(a[0], 1);
    NumberValue y = Operands.number(a[1], 2);
    if (small(x) && small(y)) {
      long l = x.longValue();
      long m = y.longValue();
      if (m == 0) {
        throw BuiltinException.error("divide by zero");
      }
      if (l != 0 && l % m == 0) {
        return NumberValue.of(l / m);
      }
    }
    BigDecimal fy = GoFloat.of(y);
    if (fy.signum() == 0) {
      throw BuiltinException.error("divide by zero");
    }
    return bounded(GoFloat.quo(GoFloat.of(x), fy));
  }

  private static Value rem(Value[] a, BuiltinContext c) throws BuiltinException {
    NumberValue x = Operands.number(a[0], 1);
    NumberValue y = Operands.number(a[1], 2);
    if (small(x) && small(y)) {
      if (y.longValue() == 0) {
        throw BuiltinException.error("modulo by zero");
      }
      return NumberValue.of(x.longValue() % y.longValue());
    }
    BigInteger bx = Operands.toBigInteger(x);
    BigInteger by = Operands.toBigInteger(y);
    if (bx == null || by == null) {
      throw BuiltinException.error("modulo on floating-point number");
    }
    if (by.signum() == 0) {
      throw BuiltinException.error("modulo by zero");
    }
    return NumberValue.of(bx.remainder(by));
  }

  private enum Unary {
    ABS,
    ROUND,
    CEIL,
    FLOOR
  }

  private static Value unary(Value v, Unary op) throws BuiltinException {
    NumberValue n = Operands.number(v, 1);
    if (small(n)) {
      return op == Unary.ABS ? NumberValue.of(Math.abs(n.longValue())) : n;
    }
    BigDecimal f = GoFloat.of(n);
    return switch (op) {
      case ABS -> GoFloat.toNumber(f.abs());
      // big.Float rounds x ± 0.5 to 64 bits before truncating, as OPA does.
      case ROUND ->
          NumberValue.of(
              GoFloat.round(f.signum() < 0 ? f.subtract(HALF) : f.add(HALF))
                  .setScale(0, RoundingMode.DOWN)
                  .toBigIntegerExact());
      case CEIL -> NumberValue.of(f.setScale(0, RoundingMode.CEILING).toBigIntegerExact());
      case FLOOR -> NumberValue.of(f.setScale(0, RoundingMode.FLOOR).toBigIntegerExact());
    };
  }
}
