package io.jrego.engine.types;

import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/** Prints types as OPA does in messages; an absent type prints as {@code ???}. */
final class Render {

  private Render() {}

  static String type(Type t) {
    return switch (t) {
      case null -> "???";
      case Type.Any a -> a.of().isEmpty() ? "any" : "any<" + join(a.of()) + ">";
      case Type.Arr a -> {
        String s = "array";
        if (!a.statics().isEmpty()) {
          s += "<" + join(a.statics()) + ">";
        }
        if (a.dynamic() != null) {
          s += "[" + type(a.dynamic()) + "]";
        }
        yield s;
      }
      case Type.SetOf s -> s.of() == null ? "set" : "set[" + type(s.of()) + "]";
      case Type.Obj o -> {
        List<String> props = new ArrayList<>();
        for (Type.Prop p : o.statics()) {
          props.add(key(p.key()) + ": " + type(p.value()));
        }
        String s = "object";
        if (!props.isEmpty()) {
          s += "<" + String.join(", ", props) + ">";
        }
        if (o.dynamic() != null) {
          s += "[" + type(o.dynamic().key()) + ": " + type(o.dynamic().value()) + "]";
        }
        yield s;
      }
      case Type.Fn f -> args(f, false) + " => " + type(Types.unwrap(f.result()));
      default -> t.toString();
    };
  }

  /** {@code (a, b, c...)}; with names when {@code named}, as OPA prints a declaration's args. */
  static String args(Type.Fn f, boolean named) {
    List<String> parts = new ArrayList<>();
    for (Type a : f.args()) {
      parts.add(type(named ? a : Types.unwrap(a)));
    }
    if (f.variadic() != null) {
      parts.add(type(named ? f.variadic() : Types.unwrap(f.variadic())) + "...");
    }
    return "(" + String.join(", ", parts) + ")";
  }

  /**
   * An object key as Go's {@code %v} prints the JSON value: strings bare, null as {@code <nil>}.
   */
  static String key(Value k) {
    return switch (k) {
      case StringValue s -> s.value();
      case NullValue n -> "<nil>";
      default -> k.toString();
    };
  }

  private static String join(List<Type> ts) {
    List<String> parts = new ArrayList<>(ts.size());
    for (Type t : ts) {
      parts.add(type(t));
    }
    return String.join(", ", parts);
  }
}
