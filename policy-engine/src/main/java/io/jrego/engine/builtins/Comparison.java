package io.jrego.engine.builtins;

import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Values;

/** Comparison operators over OPA's total order of values ({@code 1 == 1.0}). */
final class Comparison {

  private Comparison() {}

  static void register(BuiltinRegistry r) {
    r.add("equal", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) == 0));
    r.add("gt", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) > 0));
    r.add("gte", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) >= 0));
    r.add("lt", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) < 0));
    r.add("lte", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) <= 0));
    r.add("neq", 2, (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) != 0));
  }
}
