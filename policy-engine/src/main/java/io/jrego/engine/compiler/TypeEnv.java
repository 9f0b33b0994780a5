package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the type checker knows at one point: types of documents by path (a tree rooted at {@code
 * data} and {@code input}) and of local variables (by frame slot), layered: each layer falls back
 * to the one it wraps. OPA's {@code TypeEnv}, with the same lookups.
 */
final class TypeEnv {

  static final StringValue DATA = StringValue.of("data");
  static final StringValue INPUT = StringValue.of("input");

  final TypeEnv next;
  TypeTree tree = new TypeTree();

  /** Where variables inferred in this layer go: its own map, or (for with layers) the outer's. */
  Map<Integer, Type> vars;

  /** Checks comprehension bodies when a comprehension's type is asked for. */
  final TypeChecker checker;

  private TypeEnv(TypeEnv next, TypeChecker checker) {
    this.next = next;
    this.vars = new HashMap<>();
    this.checker = checker;
  }

  static TypeEnv root(TypeChecker checker) {
    return new TypeEnv(null, checker);
  }

  /** A new layer over this one, checking comprehensions with {@code checker}. */
  TypeEnv wrap(TypeChecker checker) {
    return new TypeEnv(this, checker);
  }

  TypeEnv wrap() {
    return wrap(checker);
  }

  /** A layer for one expression's with modifiers: variables it infers outlive it. */
  TypeEnv wrapWith() {
    TypeEnv e = wrap();
    e.vars = this.vars;
    return e;
  }

  /** The type inferred for a local variable, searching outward. */
  Type var(int slot) {
    for (TypeEnv e = this; e != null; e = e.next) {
      Type t = e.vars.get(slot);
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  void putVar(Var v, Type t) {
    vars.put(v.slot(), t);
  }

  // ---------------------------------------------------------------------------------------

  /** The type of a term, or null when unknown. */
  Type get(Term t) {
    return switch (t) {
      case Scalar s -> constant(s.value());
      case Term.Template tp -> Types.STRING;
      case Term.ArrayTerm a -> {
        List<Type> statics = new ArrayList<>();
        for (Term x : a.items()) {
          statics.add(get(x));
        }
        yield new Type.Arr(statics, null);
      }
      case Term.ObjectTerm o -> {
        List<Type.Prop> statics = new ArrayList<>();
        Type.DynProp dynamic = null;
        for (int i = 0; i < o.keys().size(); i++) {
          Term k = o.keys().get(i);
          if (k instanceof Scalar s) {
            statics.add(new Type.Prop(s.value(), get(o.values().get(i))));
          } else {
            dynamic = new Type.DynProp(get(k), get(o.values().get(i)));
          }
        }
        yield Types.object(statics, dynamic);
      }
      case Term.SetTerm st -> {
        Type of = null;
        for (Term x : st.items()) {
          of = Types.or(of, get(x));
        }
        yield new Type.SetOf(of);
      }
      case Term.ArrayCompr c -> {
        TypeEnv body = checker.checkClosure(this, c.body());
        yield body == null ? null : new Type.Arr(List.of(), body.get(c.head()));
      }
      case Term.SetCompr c -> {
        TypeEnv body = checker.checkClosure(this, c.body());
        yield body == null ? null : new Type.SetOf(body.get(c.head()));
      }
      case Term.ObjectCompr c -> {
        TypeEnv body = checker.checkClosure(this, c.body());
        yield body == null ? null : Types.objectOf(body.get(c.key()), body.get(c.value()));
      }
      case Ref r -> ref(r);
      case Var v -> v.slot() >= 0 ? var(v.slot()) : rootRef(v);
      case Term.Call c -> null;
    };
  }

  private Type rootRef(Var v) {
    return ref(new Ref(v, List.of(), v.location()));
  }

  /**
   * A term's type as far as it is known before checking: constants and composites of them; {@code
   * any} for references into {@code input} and {@code data}; null for anything else.
   */
  static Type known(Term t) {
    return switch (t) {
      case Scalar s -> constant(s.value());
      case Term.ArrayTerm a -> new Type.Arr(a.items().stream().map(TypeEnv::known).toList(), null);
      case Term.SetTerm st -> {
        Type of = null;
        for (Term x : st.items()) {
          of = Types.or(of, known(x));
        }
        yield new Type.SetOf(of);
      }
      case Ref r -> r.head() instanceof Var v && v.slot() < 0 ? Types.ANY : null;
      default -> null;
    };
  }

  /** The type of a constant, as OPA types a ground term: sets stay sets. */
  static Type constant(Value v) {
    return switch (v) {
      case NullValue n -> Types.NULL;
      case BooleanValue b -> Types.BOOLEAN;
      case NumberValue n -> Types.NUMBER;
      case StringValue s -> Types.STRING;
      case ArrayValue a -> new Type.Arr(a.asList().stream().map(TypeEnv::constant).toList(), null);
      case ObjectValue o -> {
        List<Type.Prop> props = new ArrayList<>();
        o.forEach((k, x) -> props.add(new Type.Prop(k, constant(x))));
        yield Types.object(props, null);
      }
      case SetValue s -> {
        Type of = null;
        for (Value x : s.elements()) {
          of = Types.or(of, constant(x));
        }
        yield new Type.SetOf(of);
      }
    };
  }

  /** The type of the document a reference names. */
  Type ref(Ref r) {
    if (r.head() instanceof Var v && v.slot() >= 0) {
      Type t = var(v.slot());
      return t == null ? null : selectRef(t, r.path());
    }
    if (!(r.head() instanceof Var root)) {
      return selectRef(get(r.head()), r.path());
    }
    StringValue rootKey = StringValue.of(root.name());
    TypeTree node = tree.child(rootKey);
    if (node == null) {
      return fallback(r);
    }
    return refRec(node, r, r.path(), 0);
  }

  private Type fallback(Ref r) {
    if (next != null) {
      return next.ref(r);
    }
    return Types.ANY; // data and input: a document nothing is known about
  }

  private Type refRec(TypeTree node, Ref r, List<Term> path, int i) {
    if (i == path.size()) {
      return extent(node);
    }
    Term key = path.get(i);
    if (node.leaf()) {
      if (!node.children.isEmpty() && key instanceof Scalar s && node.child(s.value()) != null) {
        return refRec(node.child(s.value()), r, path, i + 1);
      }
      return selectRef(node.value, path.subList(i, path.size()));
    }
    if (!(key instanceof Scalar s)) {
      return selectRef(extent(node), path.subList(i, path.size()));
    }
    TypeTree child = node.child(s.value());
    if (child == null) {
      return fallback(r);
    }
    return refRec(child, r, path, i + 1);
  }

  /** The type of a whole subtree: a leaf's type, else an object of its children's. */
  static Type extent(TypeTree node) {
    if (node.leaf()) {
      return node.value;
    }
    List<Type.Prop> props = new ArrayList<>();
    node.children.forEach(
        (k, c) -> {
          if (k instanceof StringValue || k instanceof NumberValue || k instanceof BooleanValue) {
            props.add(new Type.Prop(k, extent(c)));
          }
        });
    return Types.object(props, new Type.DynProp(Types.STRING, Types.ANY));
  }

  /**
   * The type of the member a path selects below a value of type {@code t}: constant keys select,
   * anything else iterates (an empty collection's members are unconstrained).
   */
  static Type selectRef(Type t, List<Term> path) {
    for (Term key : path) {
      if (t == null) {
        return null;
      }
      if (key instanceof Scalar s && isScalar(s.value())) {
        t = Types.select(t, s.value());
      } else {
        if (isEmptyCollection(t)) {
          return Types.ANY;
        }
        t = Types.values(t);
      }
    }
    return t;
  }

  static boolean isScalar(Value v) {
    return v instanceof NullValue
        || v instanceof BooleanValue
        || v instanceof NumberValue
        || v instanceof StringValue;
  }

  /** Whether no value of the type has members: {@code object}, {@code array} or {@code set}. */
  static boolean isEmptyCollection(Type t0) {
    Type t = Types.unwrap(t0);
    return switch (t) {
      case Type.Obj o -> o.statics().isEmpty() && o.dynamic() == null;
      case Type.Arr a -> a.statics().isEmpty() && a.dynamic() == null;
      case Type.SetOf s -> s.of() == null;
      case null -> false;
      default -> false;
    };
  }

  /** The types of call operands, in order. */
  List<Type> types(List<Term> ts) {
    List<Type> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(get(t));
    }
    return out;
  }

  static boolean isCall(Expr e) {
    return e.stmt() instanceof Expr.TermStmt ts && ts.term() instanceof Term.Call;
  }
}
