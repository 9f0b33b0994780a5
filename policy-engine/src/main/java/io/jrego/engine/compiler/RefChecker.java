package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Checks the references of one expression against the types of what they refer to, as OPA's {@code
 * refChecker}: a key an object type cannot have, a key of the wrong type, a reference into a scalar
 * or a function is an {@code undefined ref}; variables used as keys take the key type. References
 * into {@code input} and into {@code data} outside the policy's rules are unknown and so accepted.
 */
final class RefChecker {

  private final TypeEnv env;
  private final TermText text;
  final List<RegoError> errors = new ArrayList<>();

  private final java.util.Map<Location, Location> globalSites;

  /**
   * @param globalSites for a reference to a package's rule written by name at a place, where OPA
   *     reports it: the place of the module's last such reference
   */
  RefChecker(TypeEnv env, TermText text, java.util.Map<Location, Location> globalSites) {
    this.env = env;
    this.text = text;
    this.globalSites = globalSites;
  }

  /** Checks the references of an expression (not those in comprehension bodies). */
  void expr(Expr e) {
    switch (e.stmt()) {
      case Expr.TermStmt ts -> {
        if (ts.term() instanceof Term.Call c) {
          c.args().forEach(this::term); // not the operator
        } else {
          term(ts.term());
        }
      }
      case Expr.Every ev -> {
        if (ev.key() != null) {
          term(ev.key());
        }
        term(ev.value());
        term(ev.domain());
        ev.body().forEach(this::expr);
        for (Expr.With w : e.withs()) {
          term(w.target());
          term(w.value());
        }
      }
      default -> {}
    }
  }

  private void term(Term t) {
    switch (t) {
      case Ref r -> {
        RegoError err = checkApply(r);
        if (err == null) {
          err = checkRef(env, r, 0, null);
        }
        if (err != null) {
          errors.add(err);
        } else {
          term(r.head());
          r.path().forEach(this::term);
        }
      }
      case Term.ArrayTerm a -> a.items().forEach(this::term);
      case Term.SetTerm s -> s.items().forEach(this::term);
      case Term.ObjectTerm o -> {
        o.keys().forEach(this::term);
        o.values().forEach(this::term);
      }
      case Term.Call c -> c.args().forEach(this::term);
      default -> {}
    }
  }

  private RegoError checkApply(Ref r) {
    if (env.ref(r) instanceof Type.Fn f) {
      return TypeErrors.refUnsupported(loc(r), r, r.path().size(), f, text);
    }
    return null;
  }

  /**
   * Checks element {@code idx} of the reference (0: its head) against the documents under {@code
   * node} of layer {@code curr}; a null node is a layer's root.
   */
  private RegoError checkRef(TypeEnv curr, Ref r, int idx, TypeTree node) {
    if (idx == 0) {
      if (r.head() instanceof Var v && v.slot() >= 0) {
        Type t = curr.var(v.slot());
        return t != null ? checkLeaf(t, r, 1) : checkLeaf(Types.ANY, r, 0);
      }
      if (!(r.head() instanceof Var root)) {
        return checkLeaf(Types.ANY, r, 0);
      }
      TypeTree child = curr.tree.child(StringValue.of(root.name()));
      if (child == null) {
        return curr.next != null ? checkRef(curr.next, r, 0, null) : checkLeaf(Types.ANY, r, 1);
      }
      return child.leaf() ? checkLeaf(child.value, r, 1) : checkRef(curr, r, 1, child);
    }
    if (idx > r.path().size()) {
      return null;
    }
    Term head = r.path().get(idx - 1);
    if ((idx == 1 || idx == 2)
        && !(head instanceof Var)
        && !(head instanceof Scalar s && s.value() instanceof StringValue)) {
      return TypeErrors.refInvalid(loc(r), r, idx, env.get(head), Types.STRING, oneOf(node), text);
    }
    if (head instanceof Var v && v.slot() >= 0) {
      Type keys = Types.keys(TypeEnv.extent(node));
      Type exist = env.get(v);
      if (exist != null) {
        if (!Types.unifies(keys, exist)) {
          return TypeErrors.refInvalid(loc(r), r, idx, exist, keys, oneOf(node), text);
        }
      } else {
        env.putVar(v, keys);
      }
    }
    TypeTree child = head instanceof Scalar s ? node.child(s.value()) : null;
    if (child == null) {
      if (curr.next != null) {
        return checkRef(curr.next, r, 0, null);
      }
      for (TypeTree c : node.children.values()) {
        checkRef(curr, r, idx + 1, c); // only for the variables it types
      }
      return null;
    }
    if (child.leaf()) {
      return checkLeaf(child.value, r, idx + 1);
    }
    return checkRef(curr, r, idx + 1, child);
  }

  /** Checks elements from {@code idx} on against the type of the value before them. */
  private RegoError checkLeaf(Type t, Ref r, int idx) {
    if (idx == r.path().size() + 1) {
      return null;
    }
    Term head = Unifier.composite(idx == 0 ? r.head() : r.path().get(idx - 1));
    if (TypeEnv.isEmptyCollection(t)) {
      if (head instanceof Scalar s && TypeEnv.isScalar(s.value())) {
        return TypeErrors.refInvalid(loc(r), r, idx, null, null, List.of(), text);
      }
      if (head instanceof Var v && v.slot() >= 0) {
        Type exist = env.get(v);
        Type keys = Types.keys(t);
        if (exist == null) {
          env.putVar(v, Types.ANY);
        } else if (keys != null && !Types.unifies(exist, keys)) {
          return TypeErrors.refInvalid(loc(r), r, idx, exist, keys, List.of(), text);
        }
      }
      return null;
    }
    Type keys = Types.keys(t);
    if (keys == null) {
      return TypeErrors.refUnsupported(loc(r), r, idx - 1, t, text);
    }
    switch (head) {
      case Var v -> {
        if (v.slot() >= 0) {
          Type exist = env.get(v);
          if (exist != null) {
            if (!Types.unifies(exist, keys)) {
              return TypeErrors.refInvalid(loc(r), r, idx, exist, keys, oneOf(t), text);
            }
          } else {
            env.putVar(v, keys);
          }
        }
      }
      case Ref x -> {
        Type exist = env.ref(x);
        if (exist != null && !Types.unifies(exist, keys)) {
          return TypeErrors.refInvalid(loc(r), r, idx, exist, keys, oneOf(t), text);
        }
      }
      case Term.ArrayTerm x -> {
        if (!Unifier.unify1(env, x, keys, false)) {
          return TypeErrors.refInvalid(loc(r), r, idx, env.get(x), keys, List.of(), text);
        }
      }
      case Term.ObjectTerm x -> {
        if (!Unifier.unify1(env, x, keys, false)) {
          return TypeErrors.refInvalid(loc(r), r, idx, env.get(x), keys, List.of(), text);
        }
      }
      case Term.SetTerm x -> {
        if (!Unifier.unify1(env, x, keys, false)) {
          return TypeErrors.refInvalid(loc(r), r, idx, env.get(x), keys, List.of(), text);
        }
      }
      case Scalar s -> {
        Type child = Types.select(t, s.value());
        if (child == null) {
          return TypeErrors.refInvalid(loc(r), r, idx, null, Types.keys(t), oneOf(t), text);
        }
        return checkLeaf(child, r, idx + 1);
      }
      default -> {}
    }
    return checkLeaf(Types.values(t), r, idx + 1);
  }

  private Location loc(Ref r) {
    Location l = r.head().location();
    if (r.head() instanceof Var v && v.slot() < 0 && v.name().equals("data")) {
      return globalSites.getOrDefault(l, l);
    }
    return l;
  }

  private static List<Value> oneOf(TypeTree node) {
    return node == null ? List.of() : List.copyOf(new TreeSet<>(node.children.keySet()));
  }

  /** The keys an object type (or the objects of a union) has, sorted. */
  private static List<Value> oneOf(Type t) {
    TreeSet<Value> out = new TreeSet<>();
    collectKeys(Types.unwrap(t), out);
    return List.copyOf(out);
  }

  private static void collectKeys(Type t, java.util.Set<Value> out) {
    if (t instanceof Type.Obj o) {
      o.statics().forEach(p -> out.add(p.key()));
    } else if (t instanceof Type.Any any) {
      any.of().forEach(m -> collectKeys(m, out));
    }
  }
}
