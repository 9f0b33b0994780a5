package io.jrego.engine.builtins;

import io.jrego.engine.builtins.gocompat.GoUrlParts;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;

/**
 * {@code uri.parse} and {@code uri.is_valid}, as OPA does them with Go's {@code net/url.Parse}: the
 * components that are not empty ({@code scheme}, {@code hostname}, {@code port}, {@code path} with
 * {@code raw_path}, {@code raw_query}, {@code fragment}); a URL Go cannot parse is an error for
 * {@code uri.parse} and {@code false} for {@code uri.is_valid}, as is the empty string.
 */
final class UriBuiltins {

  private UriBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("uri.parse(uri: string) => output: object[string: string]"),
        (a, c) -> parse(Operands.string(a[0], 1)));
    r.add(
        Declaration.of("uri.is_valid(uri: string) => result: boolean"),
        (a, c) -> {
          if (!(a[0] instanceof StringValue s) || s.value().isEmpty()) {
            return BooleanValue.FALSE;
          }
          try {
            GoUrlParts.parse(s.value());
            return BooleanValue.TRUE;
          } catch (BuiltinException e) {
            return BooleanValue.FALSE;
          }
        });
  }

  private static Value parse(String raw) throws BuiltinException {
    GoUrlParts u = GoUrlParts.parse(raw);
    ObjectValue.Builder o = new ObjectValue.Builder();
    put(o, "scheme", u.scheme());
    put(o, "hostname", u.hostname());
    put(o, "port", u.port());
    if (!u.path().isEmpty()) {
      o.put("path", StringValue.of(u.path()));
      o.put("raw_path", StringValue.of(u.rawPath().isEmpty() ? u.path() : u.rawPath()));
    }
    put(o, "raw_query", u.rawQuery());
    put(o, "fragment", u.fragment());
    return o.build();
  }

  private static void put(ObjectValue.Builder o, String key, String value) {
    if (!value.isEmpty()) {
      o.put(key, StringValue.of(value));
    }
  }
}
