package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;
import java.util.HashSet;
import java.util.Set;

/** The {@code object.*} builtins. */
final class ObjectBuiltins {

  private ObjectBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
            "object.filter(object: object[any: any], keys: any<array[any], "
                + "object[any: any], set[any]>) => filtered: object[any: any]"),
        ObjectBuiltins::filter);
    r.add(
        Declaration.of(
            "object.get(object: object[any: any], key: any, " + "default: any) => value: any"),
        ObjectBuiltins::get);
    r.add(
        Declaration.of("object.keys(object: object[any: any]) => value: set[any]"),
        (a, c) -> SetValue.of(Operands.object(a[0], 1).keys()));
    r.add(
        Declaration.of(
            "object.remove(object: object[any: any], keys: any<array[any], "
                + "object[any: any], set[any]>) => output: object[any: any]"),
        ObjectBuiltins::remove);
    r.add(
        Declaration.of(
            "object.subset(super: any<array[any], object[any: any], set[any]>, "
                + "sub: any<array[any], object[any: any], set[any]>) => result: boolean"),
        (a, c) -> subset(a[0], a[1]));
    r.add(
        Declaration.of(
            "object.union(a: object[any: any], "
                + "b: object[any: any]) => output: object[any: any]"),
        (a, c) -> union(Operands.object(a[0], 1), Operands.object(a[1], 2)));
    r.add(
        Declaration.of(
            "object.union_n(objects: array[object[any: any]]) => output: object[any: any]"),
        ObjectBuiltins::unionN);
  }

  /** The keys named by an array, set or object (its keys) operand. */
  private static Set<Value> keyParam(Value v) throws BuiltinException {
    return switch (v) {
      case ArrayValue a -> new HashSet<>(a.asList());
      case SetValue s -> s.asSet();
      case ObjectValue o -> o.asMap().keySet();
      default -> throw Operands.typeError(2, v, "object", "set", "array");
    };
  }

  private static Value filter(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue obj = Operands.object(a[0], 1);
    Set<Value> keys = keyParam(a[1]);
    ObjectValue.Builder b = new ObjectValue.Builder();
    for (Value k : keys) {
      Value v = obj.getOrNull(k);
      if (v != null) {
        b.put(k, v);
      }
    }
    return b.build();
  }

  private static Value remove(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue obj = Operands.object(a[0], 1);
    Set<Value> keys = keyParam(a[1]);
    ObjectValue.Builder b = new ObjectValue.Builder();
    obj.asMap()
        .forEach(
            (k, v) -> {
              if (!keys.contains(k)) {
                b.put(k, v);
              }
            });
    return b.build();
  }

  private static Value get(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue obj = Operands.object(a[0], 1);
    if (!(a[1] instanceof ArrayValue path)) {
      Value v = obj.getOrNull(a[1]);
      return v != null ? v : a[2];
    }
    Value cur = obj;
    for (Value key : path) {
      cur = child(cur, key);
      if (cur == null) {
        return a[2];
      }
    }
    return cur;
  }

  /** One step of a reference: object key, array index or set member; null when absent. */
  static Value child(Value v, Value key) {
    return switch (v) {
      case ObjectValue o -> o.getOrNull(key);
      case ArrayValue arr -> {
        if (key instanceof NumberValue n && n.isSmall()) {
          long i = n.longValue();
          yield i >= 0 && i < arr.size() ? arr.get((int) i) : null;
        }
        yield null;
      }
      case SetValue s -> s.contains(key) ? key : null;
      default -> null;
    };
  }

  /** Merges {@code b} into {@code a}: b wins, except that two objects merge recursively. */
  static ObjectValue union(ObjectValue a, ObjectValue b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty() || a.equals(b)) {
      return a;
    }
    ObjectValue.Builder out = new ObjectValue.Builder();
    a.asMap().forEach(out::put);
    b.asMap()
        .forEach(
            (k, v) -> {
              Value old = out.getOrNull(k);
              if (old instanceof ObjectValue oa && v instanceof ObjectValue ob) {
                out.put(k, union(oa, ob));
              } else {
                out.put(k, v);
              }
            });
    return out.build();
  }

  private static Value unionN(Value[] a, BuiltinContext c) throws BuiltinException {
    ArrayValue arr = Operands.array(a[0], 1);
    ObjectValue acc = ObjectValue.EMPTY;
    for (Value v : arr) {
      if (!(v instanceof ObjectValue)) {
        throw Operands.elementError(1, arr, v, "object");
      }
    }
    for (Value v : arr) {
      acc = union(acc, (ObjectValue) v);
    }
    return acc;
  }

  private static Value subset(Value sup, Value sub) throws BuiltinException {
    if (sup instanceof ObjectValue a && sub instanceof ObjectValue b) {
      return BooleanValue.of(objectSubset(a, b));
    }
    if (sup instanceof SetValue a && sub instanceof SetValue b) {
      return BooleanValue.of(a.asSet().containsAll(b.asSet()));
    }
    if (sup instanceof ArrayValue a && sub instanceof ArrayValue b) {
      return BooleanValue.of(arraySubset(a, b));
    }
    if (sup instanceof ArrayValue a && sub instanceof SetValue b) {
      return BooleanValue.of(new HashSet<>(a.asList()).containsAll(b.asSet()));
    }
    throw new BuiltinException(
        BuiltinException.Kind.TYPE,
        "both arguments object.subset must be of the same type or array and set");
  }

  private static boolean objectSubset(ObjectValue sup, ObjectValue sub) {
    for (var e : sub.asMap().entrySet()) {
      Value have = sup.getOrNull(e.getKey());
      Value want = e.getValue();
      if (have == null) {
        return false;
      }
      if (have.equals(want)) {
        continue;
      }
      boolean ok =
          (have instanceof ObjectValue ho && want instanceof ObjectValue wo && objectSubset(ho, wo))
              || (have instanceof SetValue hs
                  && want instanceof SetValue ws
                  && hs.asSet().containsAll(ws.asSet()))
              || (have instanceof ArrayValue ha
                  && want instanceof ArrayValue wa
                  && arraySubset(ha, wa));
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code sub} occurs in {@code sup} as a contiguous run. */
  private static boolean arraySubset(ArrayValue sup, ArrayValue sub) {
    int n = sup.size();
    int m = sub.size();
    if (m > n) {
      return false;
    }
    outer:
    for (int start = 0; start + m <= n; start++) {
      for (int j = 0; j < m; j++) {
        if (!sup.get(start + j).equals(sub.get(j))) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
