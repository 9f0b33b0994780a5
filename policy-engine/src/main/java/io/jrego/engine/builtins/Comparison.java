package io.jrego.engine.builtins;

import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Values;

/** Comparison operators over OPA's total order of values ({@code 1 == 1.0}). */
final class Comparison {

  private Comparison() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("equal(x: any, y: any) => result: boolean")
            .infix("==")
            .categories("comparison"),
        (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) == 0));
    r.add(
        Declaration.of("gt(x: any, y: any) => result: boolean").infix(">").categories("comparison"),
        (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) > 0));
    r.add(
        Declaration.of("gte(x: any, y: any) => result: boolean")
            .infix(">=")
            .categories("comparison"),
        (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) >= 0));
    r.add(
        Declaration.of("lt(x: any, y: any) => result: boolean").infix("<").categories("comparison"),
        (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) < 0));
    r.add(
        Declaration.of("lte(x: any, y: any) => result: boolean")
            .infix("<=")
            .categories("comparison"),
        (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) <= 0));
    r.add(
        Declaration.of("neq(x: any, y: any) => result: boolean")
            .infix("!=")
            .categories("comparison"),
        (a, c) -> BooleanValue.of(Values.compare(a[0], a[1]) != 0));
  }
}
