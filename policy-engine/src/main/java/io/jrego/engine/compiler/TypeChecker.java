package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.types.Type;
import io.jrego.engine.types.Types;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * OPA's type checker: checks rules in dependency order, each body expression by expression as OPA
 * rewrites it ({@link Flattener}), and records each rule's inferred type at its path so that rules
 * using it are checked against it. Reports {@code rego_type_error}s: builtin and function operands
 * of the wrong type or number, {@code =} of values that can never be equal, references that cannot
 * exist in the type of what they refer to. Unknown documents ({@code input}, base {@code data}) are
 * {@code any}.
 */
final class TypeChecker {

  private final Function<String, Builtin> builtins;
  private final Map<String, List<CompiledRule>> functions;
  private TermText text = new TermText(v -> null);
  private Flattener flattener;

  /** Every error of the rules checked, in the order found. */
  final List<RegoError> errors = new ArrayList<>();

  private final Map<RegoError.Location, RegoError.Location> globalSites;

  /**
   * @param globalSites where OPA reports a reference to a package's rule by name written at a place
   *     (see {@link RefChecker})
   */
  TypeChecker(
      Function<String, Builtin> builtins,
      Map<String, List<CompiledRule>> functions,
      Map<RegoError.Location, RegoError.Location> globalSites) {
    this.builtins = builtins;
    this.functions = functions;
    this.globalSites = globalSites;
  }

  private TypeChecker copy() {
    TypeChecker c = new TypeChecker(builtins, functions, globalSites);
    c.text = text;
    c.flattener = flattener;
    return c;
  }

  /**
   * Checks rules, dependencies before the rules that use them.
   *
   * @return the errors, sorted by location and message as OPA sorts them
   */
  List<RegoError> checkRules(List<CompiledRule> sorted) {
    TypeEnv root = TypeEnv.root(this);
    for (CompiledRule r : sorted) {
      for (CompiledRule x = r; x != null; x = x.elseRule()) {
        checkRule(root, x);
      }
    }
    ruleTypes = root.tree.leafs();
    List<RegoError> out = new ArrayList<>(errors);
    out.sort(TypeChecker::compare);
    return out;
  }

  /** After {@link #checkRules}: the type of each rule's document by path from the root. */
  Map<List<Value>, Type> ruleTypes = Map.of();

  /**
   * Checks a query against the types of a policy's rules. A call written as an expression of its
   * own, not negated and without an output, gets one, as OPA's query compiler captures its value.
   *
   * @param slots the first frame slot the query's variables do not use
   * @param ruleTypes what {@link #ruleTypes} was after the policy's rules were checked
   */
  List<RegoError> checkQuery(List<Expr> body, int slots, Map<List<Value>, Type> ruleTypes) {
    TypeEnv root = TypeEnv.root(this);
    ruleTypes.forEach(root.tree::put);
    flattener = new Flattener(slots);
    text = new TermText(flattener::subject);
    List<Expr> captured = new ArrayList<>(body.size());
    for (Expr e : body) {
      captured.add(capture(root, e));
    }
    List<RegoError> errs = new ArrayList<>();
    checkBody(root.wrap(), flattener.body(captured), errs);
    errs.sort(TypeChecker::compare);
    return errs;
  }

  private Expr capture(TypeEnv env, Expr e) {
    if (e.negated()
        || !(e.stmt() instanceof Expr.TermStmt ts)
        || !(ts.term() instanceof Term.Call c)
        || c.name().equals("eq")
        || c.name().equals("assign")
        || c.name().equals(Compiler.SOME_MEMBER_2)
        || c.name().equals(Compiler.SOME_MEMBER_3)
        || !(callee(env, c.name()) instanceof Type.Fn fn)
        || fn.result() == null
        || fn.variadic() != null
        || c.args().size() != fn.args().size()) {
      return e;
    }
    List<Term> args = new ArrayList<>(c.args());
    args.add(flattener.fresh(c.location()));
    return e.withStmt(new Expr.TermStmt(new Term.Call(c.name(), args, c.location())));
  }

  /** OPA's order of errors: by file, row, column (located ones after those without), message. */
  static int compare(RegoError a, RegoError b) {
    if (a.location().isEmpty() || b.location().isEmpty()) {
      int c = Boolean.compare(a.location().isPresent(), b.location().isPresent());
      if (c != 0) {
        return c;
      }
    } else {
      RegoError.Location x = a.location().get();
      RegoError.Location y = b.location().get();
      int c = x.file().compareTo(y.file());
      if (c == 0) {
        c = Integer.compare(x.row(), y.row());
      }
      if (c == 0) {
        c = Integer.compare(x.col(), y.col());
      }
      if (c != 0) {
        return c;
      }
    }
    return a.toString().compareTo(b.toString());
  }

  private void checkRule(TypeEnv root, CompiledRule r) {
    flattener = new Flattener(r.slots());
    text = new TermText(flattener::subject);
    List<Term> head = new ArrayList<>(r.args());
    head.addAll(r.extraHead());
    head.add(r.value());
    List<Expr> body = flattener.rule(r.body(), head);
    int nArgs = r.args().size();
    List<Term> extra = head.subList(nArgs, nArgs + r.extraHead().size());
    Term value = head.get(head.size() - 1);

    TypeEnv env = root.wrap();
    List<RegoError> errs = new ArrayList<>();
    TypeEnv cpy = checkBody(env, body, errs);
    List<Value> path = new ArrayList<>();
    path.add(TypeEnv.DATA);
    path.addAll(r.path());
    if (!errs.isEmpty()) {
      // a rule with errors is any, so its users do not report errors of their own about it
      root.tree.put(path, Types.ANY);
      return;
    }
    Type tpe;
    if (r.kind() == Rule.Kind.FUNCTION) {
      List<Type> args = new ArrayList<>();
      for (int i = 0; i < nArgs; i++) {
        Term a = head.get(i);
        typeUnusedVars(cpy, a);
        args.add(cpy.get(a));
      }
      tpe = new Type.Fn(args, cpy.get(value), null);
    } else if (r.kind() == Rule.Kind.MULTI) {
      Type k = cpy.get(value);
      tpe = k == null ? null : new Type.SetOf(k);
      if (tpe != null && !extra.isEmpty()) {
        tpe = nestedObject(cpy, extra, tpe);
      }
    } else {
      Type v = cpy.get(value);
      tpe = extra.isEmpty() || v == null ? v : nestedObject(cpy, extra, v);
    }
    if (tpe != null) {
      root.tree.insert(path, tpe, root);
    }
  }

  /** Variables of a function's argument the body never typed are {@code any}. */
  private static void typeUnusedVars(TypeEnv env, Term t) {
    switch (t) {
      case Var v -> {
        if (v.slot() >= 0) {
          if (env.var(v.slot()) == null) {
            env.putVar(v, Types.ANY);
          }
        }
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> typeUnusedVars(env, x));
      case Term.ObjectTerm o -> o.values().forEach(x -> typeUnusedVars(env, x));
      default -> {}
    }
  }

  /** {@code data.p[x][y] := v}: an object keyed by x's type of objects keyed by y's type of v's. */
  private static Type nestedObject(TypeEnv env, List<Term> path, Type t) {
    Type out = t;
    for (int i = path.size() - 1; i >= 0; i--) {
      Type k = env.get(path.get(i));
      if (k == null) {
        return null;
      }
      out = Types.objectOf(k, out);
    }
    return out;
  }

  /** A comprehension's body checked on its own: its environment, or null when it has errors. */
  TypeEnv checkClosure(TypeEnv env, List<Expr> body) {
    List<RegoError> errs = new ArrayList<>();
    TypeEnv out = copy().checkBody(env, body, errs);
    return errs.isEmpty() ? out : null;
  }

  /** Checks a body expression by expression; its errors go to {@code errs} and this checker. */
  private TypeEnv checkBody(TypeEnv outer, List<Expr> body, List<RegoError> errs) {
    TypeEnv env = outer.wrap(this);
    RefChecker refs = new RefChecker(env, text, globalSites);
    for (Expr e : body) {
      List<RegoError> closureErrs = checkClosures(env, e);
      errs.addAll(closureErrs);
      refs.errors.clear();
      refs.expr(e);
      errs.addAll(refs.errors);
      RegoError err = checkExpr(env, e);
      if (err != null) {
        boolean skip =
            (!closureErrs.isEmpty() || !refs.errors.isEmpty()) && TypeErrors.causedByNilType(err);
        if (!skip) {
          errs.add(err);
        }
      }
    }
    errors.addAll(errs);
    return env;
  }

  /**
   * The comprehensions of an expression (outside other comprehensions that have errors), each
   * checked on its own; the errors of the last that has any, as OPA reports them.
   */
  private List<RegoError> checkClosures(TypeEnv env, Expr e) {
    List<RegoError> result = new ArrayList<>();
    switch (e.stmt()) {
      case Expr.TermStmt ts -> closures(env, ts.term(), result);
      case Expr.Every ev -> {
        closures(env, ev.domain(), result);
        for (Expr x : ev.body()) {
          List<RegoError> inner = checkClosures(env, x);
          if (!inner.isEmpty()) {
            result.clear();
            result.addAll(inner);
          }
        }
      }
      default -> {}
    }
    for (Expr.With w : e.withs()) {
      closures(env, w.value(), result);
    }
    return result;
  }

  private void closures(TypeEnv env, Term t, List<RegoError> result) {
    List<Expr> body =
        switch (t) {
          case Term.ArrayCompr c -> c.body();
          case Term.SetCompr c -> c.body();
          case Term.ObjectCompr c -> c.body();
          default -> null;
        };
    if (body != null) {
      List<RegoError> errs = new ArrayList<>();
      copy().checkBody(env, body, errs);
      if (!errs.isEmpty()) {
        result.clear();
        result.addAll(errs);
        return;
      }
      switch (t) {
        case Term.ArrayCompr c -> closures(env, c.head(), result);
        case Term.SetCompr c -> closures(env, c.head(), result);
        case Term.ObjectCompr c -> {
          closures(env, c.key(), result);
          closures(env, c.value(), result);
        }
        default -> {}
      }
      for (Expr e : body) {
        List<RegoError> inner = checkClosures(env, e);
        if (!inner.isEmpty()) {
          result.clear();
          result.addAll(inner);
        }
      }
      return;
    }
    switch (t) {
      case Term.Call c -> c.args().forEach(a -> closures(env, a, result));
      case Term.Ref r -> {
        closures(env, r.head(), result);
        r.path().forEach(a -> closures(env, a, result));
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> closures(env, x, result));
      case Term.SetTerm s -> s.items().forEach(x -> closures(env, x, result));
      case Term.ObjectTerm o -> {
        o.keys().forEach(x -> closures(env, x, result));
        o.values().forEach(x -> closures(env, x, result));
      }
      default -> {}
    }
  }

  private RegoError checkExpr(TypeEnv env, Expr e) {
    RegoError err = checkWith(env, e);
    if (err != null) {
      return err;
    }
    if (!(e.stmt() instanceof Expr.TermStmt ts && ts.term() instanceof Term.Call c)) {
      return null;
    }
    return switch (c.name()) {
      case "eq" -> checkEq(env, e, c);
      case Compiler.SOME_MEMBER_2, Compiler.SOME_MEMBER_3 -> checkSomeIn(env, c);
      case "internal.member_2", "internal.member_3" -> {
        RegoError member = checkMember(env, e, c);
        yield member != null ? member : checkCall(env, e, c);
      }
      default -> checkCall(env, e, c);
    };
  }

  /**
   * {@code some x in xs} and {@code some k, v in xs}, which OPA checks as {@code x = xs[_]} and
   * {@code v = xs[k]}: the pattern takes the type of the collection's members (and keys).
   */
  private RegoError checkSomeIn(TypeEnv env, Term.Call c) {
    Term domain = c.args().get(c.args().size() - 1);
    Type t = env.get(domain);
    if (t == null) {
      t = Types.ANY;
    }
    Type values = TypeEnv.isEmptyCollection(t) ? Types.ANY : Types.values(t);
    Type keys = TypeEnv.isEmptyCollection(t) ? Types.ANY : Types.keys(t);
    Unifier.unify1(
        env, c.args().get(c.args().size() - 2), values == null ? Types.ANY : values, false);
    if (c.args().size() == 3) {
      Unifier.unify1(env, c.args().get(0), keys == null ? Types.ANY : keys, false);
    }
    return null;
  }

  /**
   * {@code x in xs} and {@code k, v in xs}, as OPA 1.22 checks them: a match error when the
   * element's type cannot be the type of the collection's members (or the key's of its keys).
   */
  private RegoError checkMember(TypeEnv env, Expr e, Term.Call c) {
    int n = c.name().equals("internal.member_2") ? 2 : 3;
    if (c.args().size() < n) {
      return null;
    }
    Type coll = env.get(c.args().get(n - 1));
    if (coll == null || TypeEnv.isEmptyCollection(coll)) {
      return null;
    }
    if (n == 3) {
      Type key = env.get(c.args().get(0));
      Type keys = Types.keys(coll);
      if (key != null && keys != null && !Types.unifies(key, keys)) {
        return TypeErrors.matchError(e.location(), key, keys);
      }
    }
    Type elem = env.get(c.args().get(n - 2));
    Type values = Types.values(coll);
    if (elem != null && values != null && !Types.unifies(elem, values)) {
      return TypeErrors.matchError(e.location(), elem, values);
    }
    return null;
  }

  private RegoError checkEq(TypeEnv env, Expr e, Term.Call c) {
    List<Term> args = c.args();
    if (args.size() != 2) {
      return TypeErrors.argError(
          e.location(),
          "eq",
          args.size() < 2 ? "too few arguments" : "too many arguments",
          new TypeErrors.ArgErr(env.types(args), List.of(Types.ANY, Types.ANY), null));
    }
    Term a = args.get(0);
    Term b = args.get(1);
    Type typeA = env.get(a);
    Type typeB = env.get(b);
    if (!Unifier.unify2(env, a, typeA, b, typeB)) {
      return TypeErrors.matchError(e.location(), typeA, typeB);
    }
    return null;
  }

  /** The declared or inferred type of what a call calls, or null when it is not a function. */
  private Type callee(TypeEnv env, String name) {
    List<CompiledRule> fn = functions.get(name);
    if (fn != null) {
      return env.ref(pathRef(fn.get(0)));
    }
    Builtin b = builtins == null ? null : builtins.apply(name);
    return b == null ? null : b.declaration().type();
  }

  private static Term.Ref pathRef(CompiledRule r) {
    List<Term> path = new ArrayList<>();
    for (Value v : r.path()) {
      path.add(new Scalar(v, r.location()));
    }
    return new Term.Ref(new Var("data", r.location()), path, r.location());
  }

  private RegoError checkCall(TypeEnv env, Expr e, Term.Call c) {
    Type t = callee(env, c.name());
    if (t == null) {
      return callOfRule(env, c);
    }
    if (!(t instanceof Type.Fn fn)) {
      return null; // unknown functions were reported before; a rule with errors is any
    }
    List<Type> want = new ArrayList<>(fn.args());
    if (fn.result() != null) {
      want.add(fn.result());
    }
    List<Term> args = c.args();
    String name = c.name();
    if (args.size() > want.size() && fn.variadic() == null) {
      return TypeErrors.argError(
          e.location(),
          name,
          "too many arguments",
          new TypeErrors.ArgErr(env.types(args), want, fn.variadic()));
    }
    if (args.size() < fn.args().size()) {
      return TypeErrors.argError(
          e.location(),
          name,
          "too few arguments",
          new TypeErrors.ArgErr(env.types(args), want, fn.variadic()));
    }
    for (int i = 0; i < args.size(); i++) {
      Type w = Types.unwrap(i < want.size() ? want.get(i) : fn.variadic());
      if (!Unifier.unify1(env, args.get(i), w, false)) {
        return TypeErrors.argError(
            e.location(),
            name,
            "invalid argument(s)",
            new TypeErrors.ArgErr(env.types(args), want, fn.variadic()));
      }
    }
    return null;
  }

  /**
   * {@code r()} of a rule that is no function ({@code r := 1}, {@code f() := v}, a partial set):
   * the evaluator would evaluate the rule, but OPA's checker names it an undefined function unless
   * the rule's type is plain {@code any}, which it cannot rule out (unknown functions and calls of
   * rules with arguments were reported before type checking; the one operand left after flattening
   * is the call's output).
   */
  private static RegoError callOfRule(TypeEnv env, Term.Call c) {
    if (c.args().size() > 1 || !c.name().startsWith("data.")) { // one: the output of r()
      return null;
    }
    List<Term> path = new ArrayList<>();
    for (String key : c.name().substring("data.".length()).split("\\.", -1)) {
      path.add(new Scalar(StringValue.of(key), c.location()));
    }
    Term.Ref ref = new Term.Ref(new Var("data", c.location()), path, c.location());
    Type rule = Types.unwrap(env.ref(ref));
    if (rule == null || (rule instanceof Type.Any any && any.of().isEmpty())) {
      return null;
    }
    return RegoError.at(RegoError.TYPE, "undefined function " + c.name(), c.location());
  }

  /** A builtin or function replaced by a function of another arity. */
  private RegoError checkWith(TypeEnv env, Expr e) {
    for (Expr.With w : e.withs()) {
      if (!(w.target() instanceof Scalar s && s.value() instanceof StringValue target)) {
        continue;
      }
      if (!(callee(env, target.value()) instanceof Type.Fn want)) {
        continue;
      }
      if (w.value() instanceof Term.Call fr
          && fr.name().equals("internal.function_ref")
          && fr.args().get(0) instanceof Scalar n
          && n.value() instanceof StringValue replacement
          && callee(env, replacement.value()) instanceof Type.Fn have
          && !Types.unifies(want, have)) {
        return TypeErrors.argError(
            w.location(),
            target.value(),
            "arity mismatch",
            new TypeErrors.ArgErr(
                have.args().stream().map(Types::unwrap).toList(), want.args(), want.variadic()));
      }
    }
    return null;
  }
}
