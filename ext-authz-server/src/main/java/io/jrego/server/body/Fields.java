package io.jrego.server.body;

import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Optional;

/** Typed reads of decision fields, with errors that name the field. */
final class Fields {

  private Fields() {}

  static Optional<String> string(ObjectValue o, String key, String where) throws BodyException {
    Value v = o.getOrNull(StringValue.of(key));
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof StringValue s) {
      return Optional.of(s.value());
    }
    throw new BodyException(where + "." + key + " must be a string, got " + v.typeName());
  }

  static Optional<Integer> integer(ObjectValue o, String key, String where) throws BodyException {
    Value v = o.getOrNull(StringValue.of(key));
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof NumberValue n && n.isInteger() && n.asInt().isPresent()) {
      return n.asInt();
    }
    throw new BodyException(where + "." + key + " must be an integer, got " + v);
  }

  static Optional<Boolean> bool(ObjectValue o, String key, String where) throws BodyException {
    Value v = o.getOrNull(StringValue.of(key));
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof io.jrego.engine.value.BooleanValue b) {
      return Optional.of(b.value());
    }
    throw new BodyException(where + "." + key + " must be a boolean, got " + v.typeName());
  }

  static ObjectValue object(Value v, String where) throws BodyException {
    if (v instanceof ObjectValue o) {
      return o;
    }
    throw new BodyException(where + " must be an object, got " + v.typeName());
  }
}
