package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Value;

/** {@code array.concat}, {@code array.flatten}, {@code array.reverse}, {@code array.slice}. */
final class ArrayBuiltins {

  private ArrayBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("array.concat(x: array[any], y: array[any]) => z: array[any]"),
        (a, c) -> {
          ArrayValue x = Operands.array(a[0], 1);
          ArrayValue y = Operands.array(a[1], 2);
          c.reserve(8L * (x.size() + (long) y.size()));
          return x.concat(y);
        });
    r.add(
        Declaration.of("array.flatten(arr: array[any]) => flattened: array[any]"),
        (a, c) -> flatten(Operands.array(a[0], 1)));
    r.add(
        Declaration.of("array.reverse(arr: array[any]) => rev: array[any]"),
        (a, c) -> reverse(Operands.array(a[0], 1)));
    r.add(
        Declaration.of(
            "array.slice(arr: array[any], start: number, " + "stop: number) => slice: array[any]"),
        ArrayBuiltins::slice);
  }

  /** Flattens one level: nested arrays' elements take their place. */
  private static ArrayValue flatten(ArrayValue arr) {
    ArrayValue.Builder b = new ArrayValue.Builder(arr.size());
    boolean nested = false;
    for (Value v : arr) {
      if (v instanceof ArrayValue inner) {
        nested = true;
        inner.forEach(b::add);
      } else {
        b.add(v);
      }
    }
    return nested ? b.build() : arr;
  }

  private static ArrayValue reverse(ArrayValue arr) {
    int n = arr.size();
    if (n < 2) {
      return arr;
    }
    Value[] out = new Value[n];
    for (int i = 0; i < n; i++) {
      out[i] = arr.get(n - 1 - i);
    }
    return ArrayValue.wrap(out);
  }

  private static Value slice(Value[] a, BuiltinContext c) throws BuiltinException {
    ArrayValue arr = Operands.array(a[0], 1);
    long start = Operands.integer(a[1], 2);
    long stop = Operands.integer(a[2], 3);
    int n = arr.size();
    stop = Math.max(0, Math.min(stop, n));
    start = Math.max(0, Math.min(start, stop));
    if (start == 0 && stop >= n) {
      return arr;
    }
    return arr.slice((int) start, (int) stop);
  }
}
