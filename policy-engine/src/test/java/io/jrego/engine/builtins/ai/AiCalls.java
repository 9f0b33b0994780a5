package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;

/** Calls the jrego.* builtins through the standard registry, as policies do. */
final class AiCalls {

  private AiCalls() {}

  static Value call(String name, Value... args) throws BuiltinException {
    Builtin b = StandardBuiltins.registry().lookup(name).orElseThrow();
    return b.function().orElseThrow().call(args, BuiltinContext.standard());
  }

  static ObjectValue scan(String text) throws BuiltinException {
    return (ObjectValue) call("jrego.injection.scan", StringValue.of(text), ObjectValue.EMPTY);
  }

  static ObjectValue scan(String text, String options) throws BuiltinException {
    return (ObjectValue) call("jrego.injection.scan", StringValue.of(text), Json.parse(options));
  }

  static ObjectValue views(String text) throws BuiltinException {
    return (ObjectValue) call("jrego.text.views", StringValue.of(text));
  }

  static Value get(ObjectValue o, String key) {
    return o.get(key).orElseThrow(() -> new AssertionError("no key " + key + " in " + o));
  }

  static int integer(Value v) {
    return (int) ((NumberValue) v).longValue();
  }

  /** The text a [start, end) code-point span covers. */
  static String cut(String text, Value span) {
    ArrayValue a = (ArrayValue) span;
    int[] cps = text.codePoints().toArray();
    return new String(cps, integer(a.get(0)), integer(a.get(1)) - integer(a.get(0)));
  }
}
