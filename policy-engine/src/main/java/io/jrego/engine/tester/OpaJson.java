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
    return pretty(v, Shape.NONE);
  }

  /**
   * {@code v} indented by two spaces, objects that {@code shape} describes with their fields in the
   * shape's order (as Go writes a struct) instead of sorted (as it writes a map).
   */
  static String pretty(Value v, Shape shape) {
    StringBuilder sb = new StringBuilder();
    write(sb, textKeys(v), 0, shape);
    return sb.toString();
  }

  /**
   * Where a document has Go structs: the field order of an object here, and the shapes of its
   * fields' values (for an array, of its elements).
   */
  record Shape(List<String> fields, java.util.Map<String, Shape> children, Shape values) {
    static final Shape NONE = new Shape(List.of(), java.util.Map.of(), null);

    static Shape of(String... fields) {
      return new Shape(List.of(fields), java.util.Map.of(), null);
    }

    /** A Go map (sorted keys) whose every value has the shape {@code values}. */
    static Shape mapOf(Shape values) {
      return new Shape(List.of(), java.util.Map.of(), values);
    }

    Shape with(String field, Shape child) {
      java.util.Map<String, Shape> m = new java.util.HashMap<>(children);
      m.put(field, child);
      return new Shape(fields, java.util.Map.copyOf(m), values);
    }

    Shape child(String field) {
      return values != null ? values : children.getOrDefault(field, NONE);
    }

    List<Value> order(ObjectValue o) {
      if (fields.isEmpty()) {
        return o.keys();
      }
      List<Value> keys = new java.util.ArrayList<>();
      fields.forEach(f -> o.get(f).ifPresent(v -> keys.add(StringValue.of(f))));
      o.keys().stream().filter(k -> !keys.contains(k)).forEach(keys::add);
      return keys;
    }
  }

  /** {@code v} on one line, as {@code --format raw} and the pretty table print values. */
  public static String compact(Value v) {
    return goEscape(Json.write(textKeys(v)));
  }

  /**
   * {@code v} with every object key that is not a string replaced by its JSON text, so that keys
   * sort as text, as Go sorts a map's keys when it writes JSON ({@code {2.50: "a", 1e2: "b"}}
   * writes {@code 1e2} first).
   */
  static Value textKeys(Value v) {
    return switch (v) {
      case ObjectValue o -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        o.forEach(
            (k, x) ->
                b.put(k instanceof StringValue ? k : StringValue.of(Json.write(k)), textKeys(x)));
        yield b.build();
      }
      case ArrayValue a -> {
        ArrayValue.Builder b = new ArrayValue.Builder(a.size());
        a.asList().forEach(x -> b.add(textKeys(x)));
        yield b.build();
      }
      case SetValue st -> {
        ArrayValue.Builder b = new ArrayValue.Builder(st.elements().size());
        st.elements().forEach(x -> b.add(textKeys(x)));
        yield b.build();
      }
      default -> v;
    };
  }

  private static void write(StringBuilder sb, Value v, int depth, Shape shape) {
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
        write(sb, elements.get(i), depth + 1, shape);
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
      for (Value k : shape.order(o)) {
        sb.append(first ? "\n" : ",\n");
        first = false;
        indent(sb, depth + 1);
        String key = k instanceof StringValue s ? s.value() : Json.write(k);
        sb.append(compact(StringValue.of(key))).append(": ");
        write(sb, o.getOrNull(k), depth + 1, shape.child(key));
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
