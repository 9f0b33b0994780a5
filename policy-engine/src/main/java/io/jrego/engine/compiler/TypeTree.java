package io.jrego.engine.compiler;

import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Types of documents by path ({@code data.a.p}): a node with a type is a leaf (a rule's type), a
 * node without one has children. OPA's {@code typeTreeNode}, with the same merging rules.
 */
final class TypeTree {

  Type value;
  final Map<Value, TypeTree> children = new LinkedHashMap<>();

  TypeTree child(Value key) {
    return children.get(key);
  }

  boolean leaf() {
    return value != null;
  }

  /** Sets the type at {@code path}, creating nodes on the way. */
  void put(List<Value> path, Type t) {
    TypeTree cur = this;
    for (Value k : path) {
      cur = cur.children.computeIfAbsent(k, x -> new TypeTree());
    }
    cur.value = t;
  }

  /**
   * Adds a rule's type at {@code path}: merged with what is there (several rules of one path), and
   * merged into objects found on the way (a rule below another's object) or below it.
   */
  void insert(List<Value> path, Type t, TypeEnv env) {
    TypeTree cur = this;
    for (int i = 0; i < path.size(); i++) {
      TypeTree child = cur.children.get(path.get(i));
      if (child == null) {
        child = new TypeTree();
        cur.children.put(path.get(i), child);
      } else if (child.value != null && i + 1 < path.size() && child.value instanceof Type.Obj o) {
        child.value = insertIntoObject(o, path.subList(i + 1, path.size()), t, env);
      }
      cur = child;
    }
    cur.value = mergeTypes(cur.value, t);
    if (t instanceof Type.Obj && !cur.children.isEmpty() && cur.value instanceof Type.Obj cv) {
      Type.Obj merged = cv;
      for (Map.Entry<List<Value>, Type> leaf : cur.leafs().entrySet()) {
        merged = insertIntoObject(merged, leaf.getKey(), leaf.getValue(), env);
      }
      cur.value = merged;
    }
  }

  /** The leaves below this node, by their path from it. */
  Map<List<Value>, Type> leafs() {
    Map<List<Value>, Type> out = new LinkedHashMap<>();
    children.forEach((k, c) -> c.collectLeafs(new ArrayList<>(List.of(k)), out));
    return out;
  }

  private void collectLeafs(List<Value> path, Map<List<Value>, Type> out) {
    if (leaf()) {
      out.put(List.copyOf(path), value);
      return;
    }
    children.forEach(
        (k, c) -> {
          path.add(k);
          c.collectLeafs(path, out);
          path.remove(path.size() - 1);
        });
  }

  /**
   * Two types of one document merged: sets by element, objects without known keys by key and value,
   * an empty object type giving way to the other, otherwise their union.
   */
  static Type mergeTypes(Type a, Type b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    switch (a) {
      case Type.Obj ao -> {
        if (b instanceof Type.Obj bo && ao.statics().isEmpty() && bo.statics().isEmpty()) {
          if (ao.dynamic() == null) {
            return bo;
          }
          if (bo.dynamic() == null) {
            return ao;
          }
          return Types.object(
              List.of(),
              new Type.DynProp(
                  Types.or(ao.dynamic().key(), bo.dynamic().key()),
                  mergeTypes(ao.dynamic().value(), bo.dynamic().value())));
        }
        if (b instanceof Type.Any bAny && ao.statics().isEmpty() && ao.dynamic() != null) {
          // OPA widens the first static-less object of the union in place (its dynamic key and
          // value become unions) and returns the union itself
          List<Type> members = new ArrayList<>(bAny.of());
          for (int i = 0; i < members.size(); i++) {
            if (members.get(i) instanceof Type.Obj to
                && to.statics().isEmpty()
                && to.dynamic() != null) {
              members.set(
                  i,
                  new Type.Obj(
                      List.of(),
                      new Type.DynProp(
                          Types.or(to.dynamic().key(), ao.dynamic().key()),
                          Types.or(to.dynamic().value(), ao.dynamic().value()))));
              return new Type.Any(members);
            }
          }
        }
      }
      case Type.SetOf as -> {
        if (b instanceof Type.SetOf bs) {
          return new Type.SetOf(Types.or(as.of(), bs.of()));
        }
      }
      case Type.Any aa -> {
        if (!(b instanceof Type.Any)) {
          return mergeTypes(b, a);
        }
      }
      default -> {}
    }
    return Types.or(a, b);
  }

  /** Adds {@code t} at {@code path} below object {@code o}, into its dynamic properties. */
  static Type.Obj insertIntoObject(Type.Obj o, List<Value> path, Type t, TypeEnv env) {
    if (path.isEmpty()) {
      return o;
    }
    Type key = Types.typeOf(path.get(0));
    Type value =
        path.size() == 1
            ? t
            : insertIntoObject(new Type.Obj(List.of(), null), path.subList(1, path.size()), t, env);
    Type.DynProp dyn =
        o.dynamic() != null
            ? new Type.DynProp(
                Types.or(o.dynamic().key(), key), Types.or(o.dynamic().value(), value))
            : new Type.DynProp(key, value);
    return new Type.Obj(o.statics(), dyn);
  }
}
