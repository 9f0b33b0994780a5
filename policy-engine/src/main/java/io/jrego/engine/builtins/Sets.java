package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;

/**
 * Set operators ({@code and}, {@code or}), {@code intersection}, {@code union}, {@code set_diff}.
 */
final class Sets {

  private Sets() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("and(x: set[any], y: set[any]) => z: set[any]")
            .infix("&")
            .categories("sets"),
        (a, c) -> intersect(Operands.set(a[0], 1), Operands.set(a[1], 2)));
    r.add(
        Declaration.of("intersection(xs: set[set[any]]) => y: set[any]").categories("sets"),
        Sets::intersection);
    r.add(
        Declaration.of("or(x: set[any], y: set[any]) => z: set[any]").infix("|").categories("sets"),
        (a, c) -> union(Operands.set(a[0], 1), Operands.set(a[1], 2)));
    r.add(
        Declaration.of("set_diff(set[any], set[any]) => set[any]").deprecated(),
        (a, c) -> difference(Operands.set(a[0], 1), Operands.set(a[1], 2)));
    r.add(
        Declaration.of("union(xs: set[set[any]]) => y: set[any]").categories("sets"),
        Sets::unionAll);
  }

  static SetValue difference(SetValue x, SetValue y) {
    if (y.isEmpty() || x.isEmpty()) {
      return x;
    }
    SetValue.Builder b = new SetValue.Builder();
    for (Value v : x.asSet()) {
      if (!y.contains(v)) {
        b.add(v);
      }
    }
    return b.build();
  }

  static SetValue intersect(SetValue x, SetValue y) {
    if (x.size() > y.size()) {
      SetValue t = x;
      x = y;
      y = t;
    }
    SetValue.Builder b = new SetValue.Builder();
    for (Value v : x.asSet()) {
      if (y.contains(v)) {
        b.add(v);
      }
    }
    return b.build();
  }

  static SetValue union(SetValue x, SetValue y) {
    if (y.isEmpty()) {
      return x;
    }
    if (x.isEmpty()) {
      return y;
    }
    SetValue.Builder b = new SetValue.Builder();
    x.asSet().forEach(b::add);
    y.asSet().forEach(b::add);
    return b.build();
  }

  private static Value intersection(Value[] a, BuiltinContext c) throws BuiltinException {
    SetValue sets = Operands.set(a[0], 1);
    SetValue result = null;
    for (Value v : sets) {
      SetValue s = Operands.set(v, 1);
      result = result == null ? s : intersect(result, s);
    }
    return result == null ? SetValue.EMPTY : result;
  }

  private static Value unionAll(Value[] a, BuiltinContext c) throws BuiltinException {
    SetValue sets = Operands.set(a[0], 1);
    SetValue.Builder b = new SetValue.Builder();
    for (Value v : sets) {
      Operands.set(v, 1).asSet().forEach(b::add);
    }
    return b.build();
  }
}
