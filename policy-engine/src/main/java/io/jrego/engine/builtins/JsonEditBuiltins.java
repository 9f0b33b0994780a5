package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.OperandChecks;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code json.filter}, {@code json.remove} and {@code json.patch}.
 *
 * <p>Paths are JSON pointers ({@code "a/b/0"}, leading slashes optional, {@code ~1} and {@code ~0}
 * unescaped) or arrays of path segments (any values, so sets and non-string keys can be addressed).
 * Filter and remove first fold all paths into a tree of objects whose leaves are {@code null}; a
 * shorter path wins over a longer one sharing its prefix. As in OPA, array positions in that tree
 * are matched by their decimal string, so {@code ["a", 0]} does not address an array element while
 * {@code "a/0"} does.
 */
final class JsonEditBuiltins {

  private JsonEditBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "json.filter(object: object[any: any], paths: any<array[any<string, "
                    + "array[any]>], set[any<string, "
                    + "array[any]>]>) => filtered: object[any: any]")
            .categories("object"),
        JsonEditBuiltins::filter);
    r.add(
        Declaration.of(
                "json.remove(object: object[any: any], paths: any<array[any<string, "
                    + "array[any]>], set[any<string, "
                    + "array[any]>]>) => output: object[any: any]")
            .categories("object"),
        JsonEditBuiltins::remove);
    r.add(
        Declaration.of(
                "json.patch(target: any, patches: array[object<op: string, "
                    + "path: any>[any: any]]) => output: any")
            .categories("object"),
        JsonEditBuiltins::patch);
  }

  // ---------------------------------------------------------------------------------------------
  // json.filter / json.remove

  private static Value filter(Value[] args, BuiltinContext ctx) throws BuiltinException {
    ObjectValue obj = OperandChecks.object(args, 0);
    ObjectValue tree = pathTree(paths(args[1]));
    return filterValue(obj, tree);
  }

  private static Value remove(Value[] args, BuiltinContext ctx) throws BuiltinException {
    ObjectValue obj = OperandChecks.object(args, 0);
    ObjectValue tree = pathTree(paths(args[1]));
    return removeValue(obj, tree);
  }

  private static List<List<Value>> paths(Value operand) throws BuiltinException {
    List<Value> elements =
        switch (operand) {
          case ArrayValue a -> a.asList();
          case SetValue s -> s.elements();
          default -> throw BuiltinException.operand(2, "one of {set, array}", operand);
        };
    List<List<Value>> out = new ArrayList<>(elements.size());
    for (Value e : elements) {
      List<Value> p = parsePath(e);
      if (p == null) {
        throw new BuiltinException(
            BuiltinException.Kind.TYPE,
            "operand 2 must be one of {set, array} containing string paths or array of path"
                + " segments but got "
                + e.typeName());
      }
      out.add(p);
    }
    return out;
  }

  /** A path operand as segments, or null when it is neither a string nor an array. */
  static List<Value> parsePath(Value path) {
    switch (path) {
      case StringValue s -> {
        String p = s.value();
        if (p.isEmpty()) {
          return List.of();
        }
        int start = 0;
        while (start < p.length() && p.charAt(start) == '/') {
          start++;
        }
        List<Value> segs = new ArrayList<>();
        for (String part : p.substring(start).split("/", -1)) {
          segs.add(StringValue.of(part.replace("~1", "/").replace("~0", "~")));
        }
        return segs;
      }
      case ArrayValue a -> {
        return a.asList();
      }
      default -> {
        return null;
      }
    }
  }

  /** Folds paths into nested objects with null leaves; a prefix path swallows longer ones. */
  private static ObjectValue pathTree(List<List<Value>> paths) {
    Node root = new Node();
    for (List<Value> path : paths) {
      if (path.isEmpty()) {
        continue;
      }
      Node node = root;
      boolean done = false;
      for (int i = 0; i < path.size() - 1 && !done; i++) {
        Value k = path.get(i);
        Object child = node.children.get(k);
        if (child == null) {
          Node n = new Node();
          node.children.put(k, n);
          node = n;
        } else if (child instanceof Node n) {
          node = n;
        } else {
          done = true; // a shorter path already selects everything below
        }
      }
      if (!done) {
        node.children.put(path.get(path.size() - 1), NullValue.INSTANCE);
      }
    }
    return root.render();
  }

  private static final class Node {
    final java.util.Map<Value, Object> children = new java.util.HashMap<>();

    ObjectValue render() {
      ObjectValue.Builder b = new ObjectValue.Builder();
      children.forEach((k, v) -> b.put(k, v instanceof Node n ? n.render() : (Value) v));
      return b.build();
    }
  }

  private static Value filterValue(Value v, Value filter) {
    if (filter instanceof NullValue) {
      return v;
    }
    if (!(filter instanceof ObjectValue f)) {
      return v; // cannot happen: the tree holds only objects and null
    }
    switch (v) {
      case ArrayValue a -> {
        ArrayValue.Builder out = new ArrayValue.Builder();
        for (int i = 0; i < a.size(); i++) {
          Value sub = f.getOrNull(StringValue.of(Integer.toString(i)));
          if (sub != null) {
            out.add(filterValue(a.get(i), sub));
          }
        }
        return out.build();
      }
      case SetValue s -> {
        SetValue.Builder out = new SetValue.Builder();
        for (Value e : s) {
          Value sub = f.getOrNull(e);
          if (sub != null) {
            out.add(filterValue(e, sub));
          }
        }
        return out.build();
      }
      case ObjectValue o -> {
        ObjectValue.Builder out = new ObjectValue.Builder();
        for (Value k : o.keys()) {
          Value sub = f.getOrNull(k);
          if (sub != null) {
            out.put(k, filterValue(o.getOrNull(k), sub));
          }
        }
        return out.build();
      }
      default -> {
        return v;
      }
    }
  }

  /** {@code v} without the leaves of {@code tree}; null when {@code v} itself is removed. */
  private static Value removeValue(Value v, Value tree) {
    if (tree == null) {
      return v;
    }
    if (tree instanceof NullValue) {
      return null;
    }
    if (!(tree instanceof ObjectValue t)) {
      return v;
    }
    switch (v) {
      case ObjectValue o -> {
        ObjectValue.Builder out = new ObjectValue.Builder();
        for (Value k : o.keys()) {
          Value r = removeValue(o.getOrNull(k), t.getOrNull(k));
          if (r != null) {
            out.put(k, r);
          }
        }
        return out.build();
      }
      case SetValue s -> {
        SetValue.Builder out = new SetValue.Builder();
        for (Value e : s) {
          Value r = removeValue(e, t.getOrNull(e));
          if (r != null) {
            out.add(r);
          }
        }
        return out.build();
      }
      case ArrayValue a -> {
        ArrayValue.Builder out = new ArrayValue.Builder();
        for (int i = 0; i < a.size(); i++) {
          Value r = removeValue(a.get(i), t.getOrNull(StringValue.of(Integer.toString(i))));
          if (r != null) {
            out.add(r);
          }
        }
        return out.build();
      }
      default -> {
        return v;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // json.patch (RFC 6902 as OPA applies it; any failure makes the call undefined)

  private static Value patch(Value[] args, BuiltinContext ctx) throws BuiltinException {
    ArrayValue ops = OperandChecks.array(args, 1);
    Value doc = args[0];
    try {
      for (Value op : ops) {
        ctx.checkpoint(); // each operation copies the objects on its path
        if (!(op instanceof ObjectValue o)) {
          return null;
        }
        doc = applyOp(doc, o);
        if (doc == null) {
          return null;
        }
      }
    } catch (PatchFailure e) {
      return null;
    }
    return doc;
  }

  /** A patch operation that cannot be applied; OPA makes the whole call undefined. */
  private static final class PatchFailure extends Exception {
    private static final long serialVersionUID = 1L;

    PatchFailure() {
      super(null, null, false, false);
    }
  }

  private static Value attr(ObjectValue op, String name) throws PatchFailure {
    Value v = op.getOrNull(StringValue.of(name));
    if (v == null) {
      throw new PatchFailure();
    }
    return v;
  }

  private static List<Value> pathAttr(ObjectValue op, String name) throws PatchFailure {
    List<Value> p = parsePath(attr(op, name));
    if (p == null) {
      throw new PatchFailure();
    }
    return p;
  }

  private static Value applyOp(Value doc, ObjectValue op) throws PatchFailure {
    if (!(attr(op, "op") instanceof StringValue name)) {
      throw new PatchFailure();
    }
    switch (name.value()) {
      case "add" -> {
        List<Value> path = pathAttr(op, "path");
        return insertAt(doc, path, 0, attr(op, "value"));
      }
      case "remove" -> {
        List<Value> path = pathAttr(op, "path");
        return deleteAt(doc, path, 0);
      }
      case "replace" -> {
        List<Value> path = pathAttr(op, "path");
        Value value = attr(op, "value");
        Value removed = deleteAt(doc, path, 0);
        if (removed == null) {
          return value; // replacing the root
        }
        return insertAt(removed, path, 0, value);
      }
      case "move" -> {
        List<Value> path = pathAttr(op, "path");
        List<Value> from = pathAttr(op, "from");
        Value chunk = lookup(doc, from);
        Value removed = deleteAt(doc, from, 0);
        if (removed == null) {
          return path.isEmpty() ? chunk : null;
        }
        return insertAt(removed, path, 0, chunk);
      }
      case "copy" -> {
        List<Value> path = pathAttr(op, "path");
        List<Value> from = pathAttr(op, "from");
        return insertAt(doc, path, 0, lookup(doc, from));
      }
      case "test" -> {
        List<Value> path = pathAttr(op, "path");
        Value value = attr(op, "value");
        if (!lookup(doc, path).equals(value)) {
          throw new PatchFailure();
        }
        return doc;
      }
      default -> throw new PatchFailure();
    }
  }

  private static Value lookup(Value doc, List<Value> path) throws PatchFailure {
    Value cur = doc;
    for (Value seg : path) {
      cur = child(cur, seg);
    }
    return cur;
  }

  /** The existing child of a composite at {@code seg}, or a failure. */
  private static Value child(Value v, Value seg) throws PatchFailure {
    switch (v) {
      case ObjectValue o -> {
        Value c = o.getOrNull(seg);
        if (c == null) {
          throw new PatchFailure();
        }
        return c;
      }
      case SetValue s -> {
        if (!s.contains(seg)) {
          throw new PatchFailure();
        }
        return seg;
      }
      case ArrayValue a -> {
        int idx = arrayIndex(a.size(), seg);
        if (idx < 0 || idx >= a.size()) {
          throw new PatchFailure();
        }
        return a.get(idx);
      }
      default -> throw new PatchFailure();
    }
  }

  /** {@code v} with {@code child} put back at {@code seg} (which must already exist). */
  private static Value replaceChild(Value v, Value seg, Value oldChild, Value newChild)
      throws PatchFailure {
    switch (v) {
      case ObjectValue o -> {
        return o.with(seg, newChild);
      }
      case SetValue s -> {
        SetValue.Builder b = new SetValue.Builder();
        for (Value e : s) {
          if (!e.equals(oldChild)) {
            b.add(e);
          }
        }
        b.add(newChild);
        return b.build();
      }
      case ArrayValue a -> {
        int idx = arrayIndex(a.size(), seg);
        Value[] copy = a.asList().toArray(new Value[0]);
        copy[idx] = newChild;
        return ArrayValue.wrap(copy);
      }
      default -> throw new PatchFailure();
    }
  }

  private static Value insertAt(Value doc, List<Value> path, int depth, Value value)
      throws PatchFailure {
    if (path.size() == depth) {
      return value;
    }
    Value seg = path.get(depth);
    if (depth < path.size() - 1) {
      Value c = child(doc, seg);
      return replaceChild(doc, seg, c, insertAt(c, path, depth + 1, value));
    }
    switch (doc) {
      case ObjectValue o -> {
        return o.with(seg, value);
      }
      case SetValue s -> {
        if (!seg.equals(value)) {
          throw new PatchFailure();
        }
        SetValue.Builder b = new SetValue.Builder();
        for (Value e : s) {
          b.add(e);
        }
        b.add(value);
        return b.build();
      }
      case ArrayValue a -> {
        int idx = arrayIndex(a.size(), seg);
        if (idx < 0 || idx > a.size()) {
          throw new PatchFailure();
        }
        List<Value> copy = new ArrayList<>(a.asList());
        copy.add(idx, value);
        return ArrayValue.of(copy);
      }
      default -> throw new PatchFailure();
    }
  }

  /** {@code doc} without the value at {@code path}; null when the root itself is removed. */
  private static Value deleteAt(Value doc, List<Value> path, int depth) throws PatchFailure {
    if (path.size() == depth) {
      return null;
    }
    Value seg = path.get(depth);
    if (depth < path.size() - 1) {
      Value c = child(doc, seg);
      return replaceChild(doc, seg, c, deleteAt(c, path, depth + 1));
    }
    switch (doc) {
      case ObjectValue o -> {
        if (!o.containsKey(seg)) {
          throw new PatchFailure();
        }
        return o.without(seg);
      }
      case SetValue s -> {
        if (!s.contains(seg)) {
          throw new PatchFailure();
        }
        SetValue.Builder b = new SetValue.Builder();
        for (Value e : s) {
          if (!e.equals(seg)) {
            b.add(e);
          }
        }
        return b.build();
      }
      case ArrayValue a -> {
        int idx = arrayIndex(a.size(), seg);
        if (idx < 0 || idx >= a.size()) {
          throw new PatchFailure();
        }
        List<Value> copy = new ArrayList<>(a.asList());
        copy.remove(idx);
        return ArrayValue.of(copy);
      }
      default -> throw new PatchFailure();
    }
  }

  private static int integral(NumberValue n) throws PatchFailure {
    if (!n.isInteger()) {
      throw new PatchFailure();
    }
    try {
      return n.bigDecimal().intValueExact();
    } catch (ArithmeticException e) {
      throw new PatchFailure();
    }
  }

  /** An array position from a path segment: an integer, its decimal string, or "-" (the end). */
  private static int arrayIndex(int length, Value seg) throws PatchFailure {
    switch (seg) {
      case NumberValue n -> {
        return integral(n);
      }
      case StringValue s -> {
        String t = s.value();
        if (t.equals("-")) {
          return length;
        }
        if (t.indexOf('e') >= 0 || t.indexOf('E') >= 0) {
          throw new PatchFailure(); // OPA takes "1.0" but not "1e0"
        }
        if (!t.equals("0") && t.startsWith("0")) {
          throw new PatchFailure(); // leading zeros are not allowed in JSON pointers
        }
        try {
          return integral(NumberValue.of(new java.math.BigDecimal(t)));
        } catch (RuntimeException e) {
          throw new PatchFailure();
        }
      }
      default -> throw new PatchFailure();
    }
  }
}
