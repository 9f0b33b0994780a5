package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.NumberValue;
import java.math.BigInteger;

/**
 * {@code bits.*}: bitwise operations on integers of any size (two's complement, as Go's big.Int).
 */
final class Bits {

  private Bits() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("bits.and(x: number, y: number) => z: number"),
        (a, c) -> NumberValue.of(big(a[0], 1).and(big(a[1], 2))));
    r.add(
        Declaration.of("bits.lsh(x: number, s: number) => z: number"),
        (a, c) -> {
          BigInteger x = big(a[0], 1);
          int s = shift(a[1]);
          if (x.signum() != 0 && x.bitLength() + (long) s > Arithmetic.MAX_BITS) {
            throw Arithmetic.tooBig();
          }
          c.reserve((x.bitLength() + (long) s) / 8);
          return NumberValue.of(x.shiftLeft(s));
        });
    r.add(
        Declaration.of("bits.negate(x: number) => z: number"),
        (a, c) -> NumberValue.of(big(a[0], 1).not()));
    r.add(
        Declaration.of("bits.or(x: number, y: number) => z: number"),
        (a, c) -> NumberValue.of(big(a[0], 1).or(big(a[1], 2))));
    r.add(
        Declaration.of("bits.rsh(x: number, s: number) => z: number"),
        (a, c) -> NumberValue.of(big(a[0], 1).shiftRight(shift(a[1]))));
    r.add(
        Declaration.of("bits.xor(x: number, y: number) => z: number"),
        (a, c) -> NumberValue.of(big(a[0], 1).xor(big(a[1], 2))));
  }

  private static BigInteger big(io.jrego.engine.value.Value v, int pos) throws BuiltinException {
    return Operands.bigInteger(v, pos);
  }

  private static int shift(io.jrego.engine.value.Value v) throws BuiltinException {
    BigInteger s = Operands.bigInteger(v, 2);
    if (s.signum() < 0) {
      throw Operands.failure(2, "must be an unsigned integer number but got a negative integer");
    }
    if (s.bitLength() > 24) {
      throw BuiltinException.error("shift amount too large");
    }
    return s.intValue();
  }
}
