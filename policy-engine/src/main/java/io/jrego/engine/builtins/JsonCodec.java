package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.builtins.spi.TextSize;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code json.marshal}, {@code json.marshal_with_options}, {@code json.unmarshal} and {@code
 * json.is_valid}. Output is byte-for-byte Go's encoding/json: keys sorted, HTML characters and
 * U+2028/U+2029 escaped, sets as arrays, non-string keys as their Rego text.
 */
final class JsonCodec {

  private JsonCodec() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("json.is_valid(x: string) => result: boolean").categories("encoding"),
        JsonCodec::isValid);
    r.add(
        Declaration.of("json.marshal(x: any) => y: string").categories("encoding"),
        (a, c) -> {
          c.reserve(2 * TextSize.of(a[0], c.allocationLimit()));
          return StringValue.of(marshal(a[0], null, null));
        });
    r.add(
        Declaration.of(
                "json.marshal_with_options(x: any, opts: object<indent: string, "
                    + "prefix: string, pretty: boolean>[string: any]) => y: string")
            .categories("encoding"),
        JsonCodec::marshalWithOptions);
    r.add(
        Declaration.of("json.unmarshal(x: string) => y: any").categories("encoding"),
        JsonCodec::unmarshal);
  }

  private static Value isValid(Value[] a, BuiltinContext c) {
    if (!(a[0] instanceof StringValue s)) {
      return BooleanValue.FALSE;
    }
    try {
      Json.parse(s.value());
      return BooleanValue.TRUE;
    } catch (Json.JsonException e) {
      return BooleanValue.FALSE;
    }
  }

  private static Value unmarshal(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = Operands.string(a[0], 1);
    try {
      return Json.parse(s);
    } catch (Json.JsonException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static Value marshalWithOptions(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue opts = Operands.object(a[1], 2);
    String indent = "\t";
    String prefix = "";
    boolean implicitPretty = false;
    Boolean explicitPretty = null;
    for (Value k : opts.keys()) {
      Value v = opts.getOrNull(k);
      if (!(k instanceof StringValue ks)) {
        throw Operands.failure(2, "failed to stringify key " + k);
      }
      switch (ks.value()) {
        case "prefix" -> {
          if (!(v instanceof StringValue s)) {
            throw Operands.failure(2, "key \"prefix\" failed cast to string");
          }
          prefix = s.value();
          implicitPretty = true;
        }
        case "indent" -> {
          if (!(v instanceof StringValue s)) {
            throw Operands.failure(2, "key \"indent\" failed cast to string");
          }
          indent = s.value();
          implicitPretty = true;
        }
        case "pretty" -> {
          if (!(v instanceof BooleanValue b)) {
            throw Operands.failure(2, "key \"pretty\" failed cast to bool");
          }
          explicitPretty = b.value();
        }
        default -> throw Operands.failure(2, "object contained unknown key " + ks);
      }
    }
    boolean pretty = explicitPretty != null ? explicitPretty : implicitPretty;
    if (!pretty) {
      return StringValue.of(marshal(a[0], null, null));
    }
    return StringValue.of(prefix + marshal(a[0], prefix, indent));
  }

  /** Go's json.Marshal, or json.MarshalIndent when {@code indent} is not null. */
  static String marshal(Value v, String prefix, String indent) {
    StringBuilder sb = new StringBuilder();
    write(sb, v, prefix, indent, 0);
    return sb.toString();
  }

  private static void newline(StringBuilder sb, String prefix, String indent, int depth) {
    sb.append('\n').append(prefix);
    for (int i = 0; i < depth; i++) {
      sb.append(indent);
    }
  }

  private static void write(StringBuilder sb, Value v, String prefix, String indent, int depth) {
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(n);
      case StringValue s -> quote(sb, s.value());
      case ArrayValue a -> writeArray(sb, a.asList(), prefix, indent, depth);
      case SetValue s -> writeArray(sb, s.elements(), prefix, indent, depth);
      case ObjectValue o -> {
        // Go sorts by the key strings, which for non-string keys are their Rego text.
        Map<String, Value> sorted = new TreeMap<>(io.jrego.engine.value.Values::compareStrings);
        o.forEach(
            (k, val) -> sorted.put(k instanceof StringValue s ? s.value() : k.toString(), val));
        if (sorted.isEmpty()) {
          sb.append("{}");
          return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Value> e : sorted.entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          if (indent != null) {
            newline(sb, prefix, indent, depth + 1);
          }
          quote(sb, e.getKey());
          sb.append(indent != null ? ": " : ":");
          write(sb, e.getValue(), prefix, indent, depth + 1);
        }
        if (indent != null) {
          newline(sb, prefix, indent, depth);
        }
        sb.append('}');
      }
    }
  }

  private static void writeArray(
      StringBuilder sb, java.util.List<Value> items, String prefix, String indent, int depth) {
    if (items.isEmpty()) {
      sb.append("[]");
      return;
    }
    sb.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      if (indent != null) {
        newline(sb, prefix, indent, depth + 1);
      }
      write(sb, items.get(i), prefix, indent, depth + 1);
    }
    if (indent != null) {
      newline(sb, prefix, indent, depth);
    }
    sb.append(']');
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Go's encoding/json string encoding with HTML escaping. */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '<', '>', '&', '\u2028', '\u2029' -> unicodeEscape(sb, ch);
        default -> {
          if (ch < 0x20) {
            unicodeEscape(sb, ch);
          } else if (Character.isSurrogate(ch)
              && !(Character.isHighSurrogate(ch)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1)))
              && !(Character.isLowSurrogate(ch)
                  && i > 0
                  && Character.isHighSurrogate(s.charAt(i - 1)))) {
            sb.append("\\ufffd"); // a lone surrogate is invalid UTF-8 in Go's eyes
          } else {
            sb.append(ch);
          }
        }
      }
    }
    sb.append('"');
  }

  private static void unicodeEscape(StringBuilder sb, char ch) {
    sb.append("\\u").append(HEX[ch >> 12 & 0xF]).append(HEX[ch >> 8 & 0xF]);
    sb.append(HEX[ch >> 4 & 0xF]).append(HEX[ch & 0xF]);
  }
}
