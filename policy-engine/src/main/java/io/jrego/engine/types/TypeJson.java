package io.jrego.engine.types;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Types as OPA writes them in JSON (capabilities documents, error details): {@code {"type":
 * "array", "dynamic": {"type": "string"}}}; a named type adds {@code name} and, when it has one,
 * {@code description}; an absent type is {@code null}.
 */
public final class TypeJson {

  private TypeJson() {}

  /** The JSON form of a type. */
  public static Value of(Type t) {
    return switch (t) {
      case null -> NullValue.INSTANCE;
      case Type.Named n -> {
        ObjectValue.Builder o = fields(n.type());
        o.put("name", StringValue.of(n.name()));
        if (!n.description().isEmpty()) {
          o.put("description", StringValue.of(n.description()));
        }
        yield o.build();
      }
      default -> fields(t).build();
    };
  }

  /** A function's arguments as OPA's {@code FuncArgs}: {@code {"args": [...], "variadic": ...}}. */
  public static Value args(List<Type> args, Type variadic) {
    ObjectValue.Builder o = new ObjectValue.Builder();
    if (!args.isEmpty()) {
      o.put("args", list(args));
    }
    if (variadic != null) {
      o.put("variadic", of(variadic));
    }
    return o.build();
  }

  private static ObjectValue.Builder fields(Type t) {
    ObjectValue.Builder o = new ObjectValue.Builder();
    switch (t) {
      case Type.Null n -> o.put("type", StringValue.of("null"));
      case Type.Bool b -> o.put("type", StringValue.of("boolean"));
      case Type.Num n -> o.put("type", StringValue.of("number"));
      case Type.Str s -> o.put("type", StringValue.of("string"));
      case Type.Any a -> {
        o.put("type", StringValue.of("any"));
        if (!a.of().isEmpty()) {
          o.put("of", list(a.of()));
        }
      }
      case Type.Arr a -> {
        o.put("type", StringValue.of("array"));
        if (!a.statics().isEmpty()) {
          o.put("static", list(a.statics()));
        }
        if (a.dynamic() != null) {
          o.put("dynamic", of(a.dynamic()));
        }
      }
      case Type.SetOf s -> {
        o.put("type", StringValue.of("set"));
        if (s.of() != null) {
          o.put("of", of(s.of()));
        }
      }
      case Type.Obj ob -> {
        o.put("type", StringValue.of("object"));
        if (!ob.statics().isEmpty()) {
          List<Value> props = new ArrayList<>();
          for (Type.Prop p : ob.statics()) {
            props.add(
                new ObjectValue.Builder().put("key", p.key()).put("value", of(p.value())).build());
          }
          o.put("static", ArrayValue.of(props));
        }
        if (ob.dynamic() != null) {
          o.put(
              "dynamic",
              new ObjectValue.Builder()
                  .put("key", of(ob.dynamic().key()))
                  .put("value", of(ob.dynamic().value()))
                  .build());
        }
      }
      case Type.Fn f -> {
        o.put("type", StringValue.of("function"));
        if (!f.args().isEmpty()) {
          o.put("args", list(f.args()));
        }
        if (f.result() != null) {
          o.put("result", of(f.result()));
        }
        if (f.variadic() != null) {
          o.put("variadic", of(f.variadic()));
        }
      }
      case Type.Named n -> throw new IllegalArgumentException("nested name " + n.name());
    }
    return o;
  }

  private static Value list(List<Type> ts) {
    List<Value> out = new ArrayList<>(ts.size());
    for (Type t : ts) {
      out.add(of(t));
    }
    return ArrayValue.of(out);
  }
}
