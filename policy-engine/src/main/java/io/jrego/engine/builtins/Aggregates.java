package io.jrego.engine.builtins;

import io.jrego.engine.builtins.gocompat.GoFloat;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Checkpoint;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.engine.value.Values;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * {@code count}, {@code sum}, {@code product}, {@code max}, {@code min}, {@code sort}, {@code all},
 * {@code any}.
 */
final class Aggregates {

  private Aggregates() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("all(any<array[any], set[any]>) => boolean").deprecated(),
        (a, c) -> all(a[0]));
    r.add(
        Declaration.of("any(any<array[any], set[any]>) => boolean").deprecated(),
        (a, c) -> any(a[0]));
    r.add(
        Declaration.of(
                "count(collection: any<string, array[any], object[any: any], "
                    + "set[any]>) => n: number")
            .categories("aggregates"),
        Aggregates::count);
    r.add(
        Declaration.of("max(collection: any<array[any], set[any]>) => n: any")
            .categories("aggregates"),
        (a, c) -> extreme(a[0], true));
    r.add(
        Declaration.of("min(collection: any<array[any], set[any]>) => n: any")
            .categories("aggregates"),
        (a, c) -> extreme(a[0], false));
    r.add(
        Declaration.of("product(collection: any<array[number], set[number]>) => n: number")
            .categories("aggregates"),
        (a, c) -> fold(a[0], false));
    r.add(
        Declaration.of("sort(collection: any<array[any], set[any]>) => n: array[any]")
            .categories("aggregates"),
        Aggregates::sort);
    r.add(
        Declaration.of("sum(collection: any<array[number], set[number]>) => n: number")
            .categories("aggregates"),
        (a, c) -> fold(a[0], true));
  }

  private static Value count(Value[] a, BuiltinContext c) throws BuiltinException {
    return switch (a[0]) {
      case ArrayValue x -> NumberValue.of(x.size());
      case ObjectValue x -> NumberValue.of(x.size());
      case SetValue x -> NumberValue.of(x.size());
      case StringValue x -> NumberValue.of(Operands.runeCount(x.value()));
      default -> throw Operands.typeError(1, a[0], "array", "object", "set", "string");
    };
  }

  private static Iterable<Value> collection(Value v) throws BuiltinException {
    return switch (v) {
      case ArrayValue x -> x;
      case SetValue x -> x;
      default -> throw Operands.typeError(1, v, "set", "array");
    };
  }

  /**
   * Sum or product: exact over integers, a 64-bit big.Float otherwise; each partial result within
   * {@link Arithmetic#MAX_BITS}.
   */
  private static Value fold(Value v, boolean sum) throws BuiltinException {
    Iterable<Value> elements = collection(v);
    boolean allSmall = true;
    for (Value e : elements) {
      if (!(e instanceof NumberValue n)) {
        throw Operands.elementError(1, v, e, "number");
      }
      if (!n.isSmall()) {
        if (Operands.toBigInteger(n) == null) {
          return foldFloat(elements, v, sum);
        }
        allSmall = false;
      }
    }
    if (allSmall) {
      try {
        long acc = sum ? 0 : 1;
        for (Value e : elements) {
          long x = ((NumberValue) e).longValue();
          acc = sum ? Math.addExact(acc, x) : Math.multiplyExact(acc, x);
        }
        return NumberValue.of(acc);
      } catch (ArithmeticException overflow) {
        // falls through to exact big integers
      }
    }
    BigInteger acc = sum ? BigInteger.ZERO : BigInteger.ONE;
    for (Value e : elements) {
      BigInteger x = Operands.toBigInteger((NumberValue) e);
      if (!sum) {
        Arithmetic.checkProduct(acc, x);
      }
      acc = Arithmetic.bounded(sum ? acc.add(x) : acc.multiply(x));
    }
    return NumberValue.of(acc);
  }

  private static Value foldFloat(Iterable<Value> elements, Value v, boolean sum)
      throws BuiltinException {
    BigDecimal acc = sum ? BigDecimal.ZERO : BigDecimal.ONE;
    for (Value e : elements) {
      if (!(e instanceof NumberValue n)) {
        throw Operands.elementError(1, v, e, "number");
      }
      acc = sum ? GoFloat.add(acc, GoFloat.of(n)) : GoFloat.mul(acc, GoFloat.of(n));
      if (NumberValue.tooBig(acc)) {
        throw Arithmetic.tooBig();
      }
    }
    return GoFloat.toNumber(acc);
  }

  private static Value extreme(Value v, boolean max) throws BuiltinException {
    Value best = null;
    for (Value e : collection(v)) {
      if (best == null) {
        best = e;
        continue;
      }
      int c = Values.compare(e, best);
      if (max ? c > 0 : c < 0) {
        best = e;
      }
    }
    return best;
  }

  private static Value sort(Value[] a, BuiltinContext c) throws BuiltinException {
    return switch (a[0]) {
      case ArrayValue x -> {
        Value[] copy = x.asList().toArray(new Value[0]);
        Checkpoint.sort(copy);
        yield ArrayValue.wrap(copy);
      }
      case SetValue x -> ArrayValue.of(x.elements());
      default -> throw Operands.typeError(1, a[0], "set", "array");
    };
  }

  private static Value all(Value v) throws BuiltinException {
    if (!(v instanceof ArrayValue) && !(v instanceof SetValue)) {
      throw Operands.typeError(1, v, "array", "set");
    }
    for (Value e : collection(v)) {
      if (e != BooleanValue.TRUE) {
        return BooleanValue.FALSE;
      }
    }
    return BooleanValue.TRUE;
  }

  private static Value any(Value v) throws BuiltinException {
    if (!(v instanceof ArrayValue) && !(v instanceof SetValue)) {
      throw Operands.typeError(1, v, "array", "set");
    }
    for (Value e : collection(v)) {
      if (e == BooleanValue.TRUE) {
        return BooleanValue.TRUE;
      }
    }
    return BooleanValue.FALSE;
  }
}
