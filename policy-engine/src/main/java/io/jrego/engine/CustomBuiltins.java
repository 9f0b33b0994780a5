package io.jrego.engine;

import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.spi.BuiltinError;
import io.jrego.engine.spi.BuiltinResult;
import io.jrego.engine.spi.CustomBuiltin;
import io.jrego.engine.spi.CustomFunction;
import io.jrego.engine.value.Value;
import java.util.List;

/** A {@link CustomBuiltin} from the public SPI as the compiler and evaluator see builtins. */
final class CustomBuiltins {
  private CustomBuiltins() {}

  static Builtin adapt(CustomBuiltin custom) {
    Declaration d =
        custom.signature().isEmpty()
            ? Declaration.untyped(custom.name(), custom.arity())
            : Declaration.of(custom.signature());
    if (!custom.deterministic()) {
      d = d.nondeterministic();
    }
    CustomFunction f = custom.function();
    return new Builtin(d, (args, ctx) -> call(f, args));
  }

  /**
   * Undefined is the internal {@code null}; a failure of any kind, an unchecked exception or a
   * {@code null} answer included, is the builtin's error, so the application's code cannot take an
   * evaluation further down than OPA's own builtins can.
   */
  private static Value call(CustomFunction f, Value[] args) throws BuiltinException {
    BuiltinResult r;
    try {
      r = f.call(List.of(args));
    } catch (BuiltinError e) {
      throw BuiltinException.error(e.getMessage());
    } catch (RuntimeException e) {
      throw BuiltinException.error("failed: " + e);
    }
    return switch (r) {
      case BuiltinResult.Defined d -> d.value();
      case BuiltinResult.Undefined u -> null;
      case null -> throw BuiltinException.error("returned no BuiltinResult (null)");
    };
  }
}
