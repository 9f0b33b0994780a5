package io.jrego.engine.builtins;

import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;

/** Calls builtins from the standard registry the way the evaluator does, for tests. */
final class BuiltinCalls {

  private BuiltinCalls() {}

  /** Calls {@code name} with {@code args}; null when the call is undefined. */
  static Value call(String name, Value... args) throws BuiltinException {
    Builtin b =
        StandardBuiltins.registry()
            .lookup(name)
            .orElseThrow(() -> new AssertionError("no builtin " + name));
    if (b.arity() != args.length) {
      throw new AssertionError(name + " takes " + b.arity() + " operands, not " + args.length);
    }
    return b.function().orElseThrow().call(args, BuiltinContext.standard());
  }

  /** Calls {@code name} in the given context. */
  static Value callIn(BuiltinContext ctx, String name, Value... args) throws BuiltinException {
    Builtin b =
        StandardBuiltins.registry()
            .lookup(name)
            .orElseThrow(() -> new AssertionError("no builtin " + name));
    return b.function().orElseThrow().call(args, ctx);
  }

  static Value json(String text) {
    return Json.parse(text);
  }

  static StringValue s(String text) {
    return StringValue.of(text);
  }
}
