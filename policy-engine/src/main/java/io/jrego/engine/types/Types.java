package io.jrego.engine.types;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Constants and the operations OPA's type checker is built from: ordering, union, selection of
 * members, and whether two types can describe the same value. A null {@link Type} is the absent
 * (unknown) type throughout, as in OPA.
 */
public final class Types {

  private Types() {}

  public static final Type NULL = new Type.Null();
  public static final Type BOOLEAN = new Type.Bool();
  public static final Type NUMBER = new Type.Num();
  public static final Type STRING = new Type.Str();

  /** {@code any}: every type. */
  public static final Type.Any ANY = new Type.Any(List.of());

  /** A union of types, sorted in OPA's order (duplicates kept, as OPA's constructor does). */
  public static Type.Any anyOf(List<Type> of) {
    List<Type> sorted = new ArrayList<>(of);
    sorted.sort(Types::compare);
    return new Type.Any(sorted);
  }

  /** An array of any number of {@code of}. */
  public static Type.Arr arrayOf(Type of) {
    return new Type.Arr(List.of(), of);
  }

  /** A set of {@code of}. */
  public static Type.SetOf setOf(Type of) {
    return new Type.SetOf(of);
  }

  /** An object with these known properties (sorted here) and dynamic properties (may be null). */
  public static Type.Obj object(List<Type.Prop> statics, Type.DynProp dynamic) {
    List<Type.Prop> sorted = new ArrayList<>(statics);
    sorted.sort(Comparator.comparing(Type.Prop::key));
    return new Type.Obj(sorted, dynamic);
  }

  /** An object with keys of type {@code key} and values of type {@code value}. */
  public static Type.Obj objectOf(Type key, Type value) {
    return new Type.Obj(List.of(), new Type.DynProp(key, value));
  }

  /** An object key as OPA prints it in a type ({@code object<a: string>}): strings unquoted. */
  public static String keyText(Value key) {
    return Render.key(key);
  }

  /** The type without its argument name. */
  public static Type unwrap(Type t) {
    return t instanceof Type.Named n ? n.type() : t;
  }

  // ---------------------------------------------------------------------------------------

  private static int order(Type t) {
    return switch (t) {
      case null -> -1;
      case Type.Null n -> 0;
      case Type.Bool b -> 1;
      case Type.Num n -> 2;
      case Type.Str s -> 3;
      case Type.Arr a -> 4;
      case Type.Obj o -> 5;
      case Type.SetOf s -> 6;
      case Type.Any a -> 7;
      case Type.Fn f -> 8;
      case Type.Named n -> order(n.type());
    };
  }

  /** OPA's total order of types; 0 means the same type (argument names aside). */
  public static int compare(Type a0, Type b0) {
    Type a = unwrap(a0);
    Type b = unwrap(b0);
    int x = order(a);
    int y = order(b);
    if (x != y) {
      return x < y ? -1 : 1;
    }
    if (a == null) {
      return 0;
    }
    return switch (a) {
      case Type.Arr aa -> {
        Type.Arr bb = (Type.Arr) b;
        int c = compareDynamic(aa.dynamic(), bb.dynamic());
        yield c != 0 ? c : compareLists(aa.statics(), bb.statics());
      }
      case Type.Obj aa -> compareObjects(aa, (Type.Obj) b);
      case Type.SetOf aa -> {
        Type.SetOf bb = (Type.SetOf) b;
        if (aa.of() == null || bb.of() == null) {
          yield aa.of() == null ? (bb.of() == null ? 0 : -1) : 1;
        }
        yield compare(aa.of(), bb.of());
      }
      case Type.Any aa -> compareLists(aa.of(), ((Type.Any) b).of());
      case Type.Fn aa -> {
        Type.Fn bb = (Type.Fn) b;
        if (aa.args().size() != bb.args().size()) {
          yield aa.args().size() < bb.args().size() ? -1 : 1;
        }
        for (int i = 0; i < aa.args().size(); i++) {
          int c = compare(aa.args().get(i), bb.args().get(i));
          if (c != 0) {
            yield c;
          }
        }
        int c = compare(aa.result(), bb.result());
        yield c != 0 ? c : compare(aa.variadic(), bb.variadic());
      }
      default -> 0;
    };
  }

  /** Present sorts after absent; two present ones by type. */
  private static int compareDynamic(Type a, Type b) {
    if (a != null && b == null) {
      return 1;
    }
    if (a == null && b != null) {
      return -1;
    }
    return a == null ? 0 : compare(a, b);
  }

  private static int compareObjects(Type.Obj a, Type.Obj b) {
    if (a.dynamic() != null && b.dynamic() == null) {
      return 1;
    }
    if (a.dynamic() == null && b.dynamic() != null) {
      return -1;
    }
    if (a.dynamic() != null) {
      int c = compare(a.dynamic().key(), b.dynamic().key());
      if (c != 0) {
        return c;
      }
      c = compare(a.dynamic().value(), b.dynamic().value());
      if (c != 0) {
        return c;
      }
    }
    int n = Math.min(a.statics().size(), b.statics().size());
    for (int i = 0; i < n; i++) {
      int c = a.statics().get(i).key().compareTo(b.statics().get(i).key());
      if (c != 0) {
        return c;
      }
      c = compare(a.statics().get(i).value(), b.statics().get(i).value());
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.statics().size(), b.statics().size());
  }

  private static int compareLists(List<Type> a, List<Type> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Whether {@code a} is {@code b} or a union holding it ({@code any} holds every non-function).
   */
  public static boolean contains(Type a, Type b) {
    if (unwrap(a) instanceof Type.Any any) {
      return anyContains(any, b);
    }
    return compare(a, b) == 0;
  }

  private static boolean anyContains(Type.Any a, Type b) {
    if (unwrap(b) instanceof Type.Fn) {
      return false;
    }
    if (a.of().isEmpty()) {
      return true;
    }
    for (Type t : a.of()) {
      if (compare(t, b) == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The union of two types: the other when one is absent, the wider when one holds the other, an
   * {@code any<...>} otherwise; null for a function and a non-function.
   */
  public static Type or(Type a0, Type b0) {
    Type a = unwrap(a0);
    Type b = unwrap(b0);
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if (a instanceof Type.Fn fa && b instanceof Type.Fn fb) {
      return unionFn(fa, fb);
    }
    if (a instanceof Type.Fn || b instanceof Type.Fn) {
      return null;
    }
    if (a instanceof Type.Any aa) {
      return merge(aa, b);
    }
    if (b instanceof Type.Any bb) {
      return merge(bb, a);
    }
    if (compare(a, b) == 0) {
      return a;
    }
    return anyOf(List.of(a, b));
  }

  private static Type.Any merge(Type.Any a, Type other) {
    if (other instanceof Type.Any o) {
      if (a.of().isEmpty()) {
        return a;
      }
      if (o.of().isEmpty()) {
        return o;
      }
      List<Type> merged = new ArrayList<>();
      int i = 0;
      int j = 0;
      while (i < a.of().size() || j < o.of().size()) {
        if (i == a.of().size()) {
          merged.addAll(o.of().subList(j, o.of().size()));
          break;
        }
        if (j == o.of().size()) {
          merged.addAll(a.of().subList(i, a.of().size()));
          break;
        }
        int c = compare(a.of().get(i), o.of().get(j));
        if (c < 0) {
          merged.add(a.of().get(i++));
        } else if (c > 0) {
          merged.add(o.of().get(j++));
        } else {
          merged.add(a.of().get(i++));
          j++;
        }
      }
      return new Type.Any(merged);
    }
    if (anyContains(a, other)) {
      return a;
    }
    List<Type> out = new ArrayList<>(a.of());
    int at = 0;
    while (at < out.size() && compare(out.get(at), other) < 0) {
      at++;
    }
    out.add(at, other);
    return new Type.Any(out);
  }

  private static Type.Fn unionFn(Type.Fn a, Type.Fn b) {
    if (a.arity() != b.arity() || (a.variadic() == null) != (b.variadic() == null)) {
      return null;
    }
    List<Type> args = new ArrayList<>();
    for (int i = 0; i < a.arity(); i++) {
      args.add(or(a.arg(i), b.arg(i)));
    }
    return new Type.Fn(
        args,
        or(unwrap(a.result()), unwrap(b.result())),
        or(unwrap(a.variadic()), unwrap(b.variadic())));
  }

  // ---------------------------------------------------------------------------------------

  /** The type of the member at the constant {@code key} of a value of type {@code a}, or null. */
  public static Type select(Type a, Value key) {
    if (unwrap(a) == null) {
      return null;
    }
    return switch (unwrap(a)) {
      case Type.Arr arr -> {
        if (key instanceof NumberValue n && n.isInteger()) {
          Optional<Long> pos = n.asLong();
          yield pos.isPresent() && pos.get() <= Integer.MAX_VALUE
              ? arr.select((int) (long) pos.get())
              : null;
        }
        yield null;
      }
      case Type.Obj o -> o.select(key);
      case Type.SetOf s -> {
        Type t = typeOf(key);
        if (compare(s.of(), t) == 0) {
          yield s.of();
        }
        if (s.of() instanceof Type.Any any && anyContains(any, t)) {
          yield t;
        }
        yield null;
      }
      case Type.Any any -> {
        if (any.of().isEmpty()) {
          yield ANY;
        }
        Type out = null;
        for (Type t : any.of()) {
          out = or(select(t, key), out);
        }
        yield out;
      }
      default -> null;
    };
  }

  /** The type of the keys of a collection: numbers for arrays, elements for sets; else null. */
  public static Type keys(Type a) {
    if (unwrap(a) == null) {
      return null;
    }
    return switch (unwrap(a)) {
      case Type.Arr arr -> NUMBER;
      case Type.Obj o -> {
        Type out = null;
        for (Type.Prop p : o.statics()) {
          out = or(out, typeOf(p.key()));
        }
        if (o.dynamic() != null) {
          out = or(out, o.dynamic().key());
        }
        yield out;
      }
      case Type.SetOf s -> s.of();
      case Type.Any any -> {
        if (any.of().isEmpty()) {
          yield ANY;
        }
        Type out = null;
        for (Type t : any.of()) {
          out = or(keys(t), out);
        }
        yield out;
      }
      default -> null;
    };
  }

  /** The type of the members of a collection, or null for a scalar. */
  public static Type values(Type a) {
    if (unwrap(a) == null) {
      return null;
    }
    return switch (unwrap(a)) {
      case Type.Arr arr -> {
        Type out = null;
        for (Type t : arr.statics()) {
          out = or(out, t);
        }
        yield or(out, arr.dynamic());
      }
      case Type.Obj o -> {
        Type out = null;
        for (Type.Prop p : o.statics()) {
          out = or(out, p.value());
        }
        if (o.dynamic() != null) {
          out = or(out, o.dynamic().value());
        }
        yield out;
      }
      case Type.SetOf s -> s.of();
      case Type.Any any -> {
        if (any.of().isEmpty()) {
          yield ANY;
        }
        Type out = null;
        for (Type t : any.of()) {
          out = or(values(t), out);
        }
        yield out;
      }
      default -> null;
    };
  }

  /**
   * Whether the type is unknown in whole or in part: absent, or a composite with an absent part (a
   * function without a result counts, as does the empty set's type), as OPA's {@code types.Nil}.
   */
  public static boolean isNil(Type t0) {
    Type t = unwrap(t0);
    return switch (t) {
      case null -> true;
      case Type.Fn f -> f.args().stream().anyMatch(Types::isNil) || isNil(f.result());
      case Type.Arr a ->
          a.statics().stream().anyMatch(Types::isNil)
              || (a.dynamic() != null && isNil(a.dynamic()));
      case Type.Obj o ->
          o.statics().stream().anyMatch(p -> isNil(p.value()))
              || (o.dynamic() != null && (isNil(o.dynamic().key()) || isNil(o.dynamic().value())));
      case Type.SetOf s -> isNil(s.of());
      default -> false;
    };
  }

  /** The type of a constant value (sets as arrays, since OPA types constants through JSON). */
  public static Type typeOf(Value v) {
    return switch (v) {
      case NullValue n -> NULL;
      case BooleanValue b -> BOOLEAN;
      case StringValue s -> STRING;
      case NumberValue n -> NUMBER;
      case ArrayValue a -> new Type.Arr(a.asList().stream().map(Types::typeOf).toList(), null);
      case SetValue s -> new Type.Arr(s.elements().stream().map(Types::typeOf).toList(), null);
      case ObjectValue o -> {
        List<Type.Prop> props = new ArrayList<>();
        o.forEach(
            (k, x) ->
                props.add(
                    new Type.Prop(
                        k instanceof StringValue ? k : StringValue.of(k.toString()), typeOf(x))));
        yield object(props, null);
      }
    };
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Whether values of the two types can be equal: OPA's {@code unifies}. A union unifies with what
   * any member unifies with, and {@code any} with every non-function; arrays, objects and sets
   * member by member; functions by arity and arguments.
   */
  public static boolean unifies(Type a0, Type b0) {
    Type a = unwrap(a0);
    Type b = unwrap(b0);
    if (a == null || b == null) {
      return false;
    }
    boolean anyA = a instanceof Type.Any;
    boolean anyB = b instanceof Type.Any;
    if (anyA && unifiesAny((Type.Any) a, b)) {
      return true;
    }
    if (anyB && unifiesAny((Type.Any) b, a)) {
      return true;
    }
    if (anyA || anyB) {
      return false;
    }
    return switch (a) {
      case Type.Null n -> b instanceof Type.Null;
      case Type.Bool x -> b instanceof Type.Bool;
      case Type.Num x -> b instanceof Type.Num;
      case Type.Str x -> b instanceof Type.Str;
      case Type.Arr x -> b instanceof Type.Arr y && unifiesArrays(x, y);
      case Type.Obj x -> b instanceof Type.Obj y && unifiesObjects(x, y);
      case Type.SetOf x ->
          b instanceof Type.SetOf y
              && (x.of() == null || y.of() == null || unifies(values(x), values(y)));
      case Type.Fn x -> {
        Type.Fn y = (Type.Fn) b;
        if (x.arity() != y.arity()) {
          yield false;
        }
        for (int i = 0; i < x.arity(); i++) {
          if (!unifies(x.arg(i), y.arg(i))) {
            yield false;
          }
        }
        yield true;
      }
      default -> false;
    };
  }

  private static boolean unifiesAny(Type.Any a, Type b) {
    if (b instanceof Type.Fn) {
      return false;
    }
    for (Type t : a.of()) {
      if (unifies(t, b)) {
        return true;
      }
    }
    return a.of().isEmpty();
  }

  private static boolean unifiesArrays(Type.Arr a, Type.Arr b) {
    return unifiesArraysStatic(a, b)
        && unifiesArraysStatic(b, a)
        && (a.dynamic() == null || b.dynamic() == null || unifies(a.dynamic(), b.dynamic()));
  }

  private static boolean unifiesArraysStatic(Type.Arr a, Type.Arr b) {
    for (int i = 0; i < a.statics().size(); i++) {
      if (!unifies(a.select(i), b.select(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean unifiesObjects(Type.Obj a, Type.Obj b) {
    return unifiesObjectsStatic(a, b)
        && unifiesObjectsStatic(b, a)
        && (a.dynamicValue() == null
            || b.dynamicValue() == null
            || unifies(a.dynamicValue(), b.dynamicValue()));
  }

  private static boolean unifiesObjectsStatic(Type.Obj a, Type.Obj b) {
    for (Type.Prop p : a.statics()) {
      Type other = b.select(p.key());
      if (other == null) {
        if (a.dynamic() != null || b.dynamic() != null) {
          continue;
        }
        return false;
      }
      if (!unifies(p.value(), other)) {
        return false;
      }
    }
    return true;
  }
}
