package io.jrego.engine.builtins;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;

/** Type tests: {@code is_string}, {@code is_number}, ..., and {@code type_name}. */
final class Types {

  private Types() {}

  static void register(BuiltinRegistry r) {
    r.add("is_array", 1, (a, c) -> BooleanValue.of(a[0] instanceof ArrayValue));
    r.add("is_boolean", 1, (a, c) -> BooleanValue.of(a[0] instanceof BooleanValue));
    r.add("is_null", 1, (a, c) -> BooleanValue.of(a[0] instanceof NullValue));
    r.add("is_number", 1, (a, c) -> BooleanValue.of(a[0] instanceof NumberValue));
    r.add("is_object", 1, (a, c) -> BooleanValue.of(a[0] instanceof ObjectValue));
    r.add("is_set", 1, (a, c) -> BooleanValue.of(a[0] instanceof SetValue));
    r.add("is_string", 1, (a, c) -> BooleanValue.of(a[0] instanceof StringValue));
    r.add("type_name", 1, (a, c) -> StringValue.of(a[0].typeName()));
  }
}
