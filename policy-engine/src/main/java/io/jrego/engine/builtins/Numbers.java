package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.Value;
import java.math.BigInteger;

/** {@code numbers.range} and {@code numbers.range_step}: inclusive integer ranges, either way. */
final class Numbers {

  /** Longest range built, so a typo cannot exhaust memory (OPA relies on query cancellation). */
  static final long MAX_RANGE = 50_000_000L;

  private Numbers() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("numbers.range(a: number, b: number) => range: array[number]"),
        (a, c) ->
            range(
                Operands.bigInteger(a[0], 1),
                Operands.bigInteger(a[1], 2),
                BigInteger.ONE,
                "numbers.range",
                c));
    r.add(
        Declaration.of(
            "numbers.range_step(a: number, b: number, " + "step: number) => range: array[number]"),
        Numbers::rangeStep);
  }

  private static Value rangeStep(Value[] a, BuiltinContext c) throws BuiltinException {
    BigInteger x = Operands.bigInteger(a[0], 1);
    BigInteger y = Operands.bigInteger(a[1], 2);
    BigInteger step = Operands.bigInteger(a[2], 3);
    if (step.signum() <= 0) {
      throw BuiltinException.error("numbers.range_step: step must be a positive integer");
    }
    return range(x, y, step, "numbers.range_step", c);
  }

  private static ArrayValue range(
      BigInteger x, BigInteger y, BigInteger step, String name, BuiltinContext c)
      throws BuiltinException {
    boolean down = x.compareTo(y) > 0;
    BigInteger count = x.subtract(y).abs().divide(step).add(BigInteger.ONE);
    if (count.compareTo(BigInteger.valueOf(MAX_RANGE)) > 0) {
      throw BuiltinException.error(name + ": range of " + count + " numbers is too large");
    }
    int n = count.intValue();
    c.reserve(32L * n); // a number and its slot
    Value[] out = new Value[n];
    if (x.bitLength() < 63 && y.bitLength() < 63 && step.bitLength() < 62) {
      long cur = x.longValue();
      long s = down ? -step.longValue() : step.longValue();
      for (int i = 0; i < n; i++, cur += s) {
        out[i] = NumberValue.of(cur);
      }
    } else {
      BigInteger cur = x;
      BigInteger s = down ? step.negate() : step;
      for (int i = 0; i < n; i++, cur = cur.add(s)) {
        out[i] = NumberValue.of(cur);
      }
    }
    return ArrayValue.wrap(out);
  }
}
