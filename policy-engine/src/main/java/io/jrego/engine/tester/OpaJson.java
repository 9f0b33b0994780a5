package io.jrego.engine.tester;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;

/**
 * JSON text as the {@code opa} CLI prints it: Go's {@code json.MarshalIndent} with two spaces
 * ({@code "key": value}, sorted keys, {@code []} and {@code {}} for empty collections) and Go's
 * HTML-safe escaping of {@code <}, {@code >} and {@code &}.
 */
public final class OpaJson {

  private OpaJson() {}

  /** {@code v} indented by two spaces, with no trailing newline. */
  public static String pretty(Value v) {
    StringBuilder sb = new StringBuilder();
    write(sb, v, 0);
    return sb.toString();
  }

  /** {@code v} on one line, as {@code --format raw} and the pretty table print values. */
  public static String compact(Value v) {
    return goEscape(Json.write(v));
  }

  private static void write(StringBuilder sb, Value v, int depth) {
    List<Value> elements =
        switch (v) {
          case ArrayValue a -> a.asList();
          case SetValue s -> s.elements();
          default -> null; // not a collection: written whole below
        };
    if (elements != null) {
      if (elements.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      for (int i = 0; i < elements.size(); i++) {
        sb.append(i == 0 ? "\n" : ",\n");
        indent(sb, depth + 1);
        write(sb, elements.get(i), depth + 1);
      }
      sb.append('\n');
      indent(sb, depth);
      sb.append(']');
    } else if (v instanceof ObjectValue o) {
      if (o.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (Value k : o.keys()) {
        sb.append(first ? "\n" : ",\n");
        first = false;
        indent(sb, depth + 1);
        String key = k instanceof StringValue s ? s.value() : Json.write(k);
        sb.append(compact(StringValue.of(key))).append(": ");
        write(sb, o.getOrNull(k), depth + 1);
      }
      sb.append('\n');
      indent(sb, depth);
      sb.append('}');
    } else {
      sb.append(compact(v));
    }
  }

  private static void indent(StringBuilder sb, int depth) {
    sb.append("  ".repeat(depth));
  }

  /** Go's encoder escapes these even inside strings; they cannot occur outside strings in JSON. */
  private static String goEscape(String json) {
    return json.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029");
  }
}
