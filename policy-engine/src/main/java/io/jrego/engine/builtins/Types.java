package io.jrego.engine.builtins;

import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;

/** Type tests: {@code is_string}, {@code is_number}, ..., and {@code type_name}. */
public final class Types {

  private Types() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("is_array(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof ArrayValue));
    r.add(
        Declaration.of("is_boolean(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof BooleanValue));
    r.add(
        Declaration.of("is_null(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof NullValue));
    r.add(
        Declaration.of("is_number(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof NumberValue));
    r.add(
        Declaration.of("is_object(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof ObjectValue));
    r.add(
        Declaration.of("is_set(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof SetValue));
    r.add(
        Declaration.of("is_string(x: any) => result: boolean").categories("types"),
        (a, c) -> BooleanValue.of(a[0] instanceof StringValue));
    r.add(
        Declaration.of("type_name(x: any) => type: string").categories("types"),
        (a, c) -> StringValue.of(a[0].typeName()));
  }
}
