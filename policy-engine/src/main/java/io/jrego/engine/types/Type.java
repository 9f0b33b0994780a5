package io.jrego.engine.types;

import io.jrego.engine.value.Value;
import java.util.List;

/**
 * A type in OPA's type language: the scalars, {@code any} and unions of types ({@code any<string,
 * number>}), arrays with fixed items and/or items of one type ({@code array<number, string>},
 * {@code array[string]}), sets, objects with known keys and/or keys of one type ({@code object<a:
 * string>[string: any]}), functions, and the names a declaration gives its arguments.
 *
 * <p>Where OPA's type may be absent (an element type of the empty set, an unknown type during
 * checking), the Java value is {@code null}; {@link #toString()} prints such a type as {@code ???}
 * and {@link TypeJson#of} writes it as JSON {@code null}, as OPA does. Equality of types is {@link
 * Types#compare} returning 0, which ignores argument names; record equality does not.
 */
public sealed interface Type
    permits Type.Null,
        Type.Bool,
        Type.Num,
        Type.Str,
        Type.Any,
        Type.Arr,
        Type.SetOf,
        Type.Obj,
        Type.Fn,
        Type.Named {

  /** OPA's rendering, as in its error messages ({@code any<string, array[any]>}). */
  @Override
  String toString();

  /** {@code null}. */
  record Null() implements Type {
    @Override
    public String toString() {
      return "null";
    }
  }

  /** {@code boolean}. */
  record Bool() implements Type {
    @Override
    public String toString() {
      return "boolean";
    }
  }

  /** {@code number}. */
  record Num() implements Type {
    @Override
    public String toString() {
      return "number";
    }
  }

  /** {@code string}. */
  record Str() implements Type {
    @Override
    public String toString() {
      return "string";
    }
  }

  /**
   * {@code any} (no members: every type) or a union of the member types, kept sorted in OPA's type
   * order. Build with {@link Types#anyOf}.
   */
  record Any(List<Type> of) implements Type {
    public Any {
      of = List.copyOf(of);
    }

    @Override
    public String toString() {
      return Render.type(this);
    }
  }

  /**
   * An array: the types of its first items ({@code statics}) and of any further items ({@code
   * dynamic}, null when there are none).
   */
  record Arr(List<Type> statics, Type dynamic) implements Type {
    public Arr {
      statics = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(statics));
    }

    /** The type of the item at {@code pos}, or null when it cannot exist. */
    public Type select(int pos) {
      if (pos < 0) {
        return null;
      }
      return pos < statics.size() ? statics.get(pos) : dynamic;
    }

    @Override
    public String toString() {
      return Render.type(this);
    }
  }

  /** A set of elements of type {@code of}; null {@code of} is the type of the empty set. */
  record SetOf(Type of) implements Type {
    @Override
    public String toString() {
      return Render.type(this);
    }
  }

  /**
   * An object: properties with known keys, sorted by key, and the key and value types of any others
   * ({@code dynamic}, null when there are none). Build with {@link Types#object}.
   */
  record Obj(List<Prop> statics, DynProp dynamic) implements Type {
    public Obj {
      statics = List.copyOf(statics);
    }

    /** The value type of the property {@code key}, or null when the object cannot have it. */
    public Type select(Value key) {
      for (Prop p : statics) {
        if (p.key().equals(key)) {
          return p.value();
        }
      }
      if (dynamic != null && Types.contains(dynamic.key(), Types.typeOf(key))) {
        return dynamic.value();
      }
      return null;
    }

    /** The value type of dynamic properties, or null. */
    public Type dynamicValue() {
      return dynamic == null ? null : dynamic.value();
    }

    @Override
    public String toString() {
      return Render.type(this);
    }
  }

  /** A property with a known key. */
  record Prop(Value key, Type value) {}

  /** The key and value types of an object's other properties. */
  record DynProp(Type key, Type value) {}

  /**
   * A function: its argument types (possibly {@link Named}), its result (null for a function that
   * returns nothing, such as {@code print}) and the type of further arguments when variadic (else
   * null).
   */
  record Fn(List<Type> args, Type result, Type variadic) implements Type {
    public Fn {
      args = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(args));
    }

    /** The number of declared arguments, not counting variadic ones or the result. */
    public int arity() {
      return args.size();
    }

    /** The argument type at {@code i}, or the variadic type beyond the declared ones. */
    public Type arg(int i) {
      return i < args.size() ? Types.unwrap(args.get(i)) : Types.unwrap(variadic);
    }

    @Override
    public String toString() {
      return Render.type(this);
    }
  }

  /**
   * A type with the name (and description) a declaration gives an argument or result; it checks as
   * the type it wraps.
   */
  record Named(String name, String description, Type type) implements Type {
    @Override
    public String toString() {
      return name + ": " + type;
    }
  }
}
