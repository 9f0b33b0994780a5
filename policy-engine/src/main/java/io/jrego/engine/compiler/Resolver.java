package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.value.StringValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ResolveRefs and RewriteLocalVars stages for one rule or query: every variable becomes a frame
 * slot or a reference ({@code data}, {@code input}, a rule of the package, an import); calls get
 * their full names; {@code some x in xs} becomes {@code internal.some_member_2}; {@code :=} is
 * checked for redeclaration.
 */
final class Resolver {

  /** A lexical scope: names to slots. */
  private static final class Scope {
    final Scope parent;
    final Map<String, Integer> names = new HashMap<>();
    final Set<String> declared = new HashSet<>();
    final Set<String> assigned = new HashSet<>();

    /** Variables declared with some or every and not used yet, with where to report them. */
    final Map<String, Location> unused = new java.util.LinkedHashMap<>();

    final Set<String> prescan;

    Scope(Scope parent, Set<String> prescan) {
      this.parent = parent;
      this.prescan = prescan;
    }

    Integer lookup(String name) {
      for (Scope s = this; s != null; s = s.parent) {
        Integer slot = s.names.get(name);
        if (slot != null) {
          return slot;
        }
      }
      return null;
    }
  }

  private final List<String> pkg;
  private final Set<String> globals;
  private final Map<String, Ref> imports;
  private final List<RegoError> errors;
  private int nextSlot;
  private final Map<String, Integer> queryBindings = new java.util.LinkedHashMap<>();

  /**
   * @param pkg the package path (empty for a query)
   * @param globals the names of the package's rules
   * @param imports import names to their refs
   */
  Resolver(
      List<String> pkg, Set<String> globals, Map<String, Ref> imports, List<RegoError> errors) {
    this.pkg = pkg;
    this.globals = globals;
    this.imports = imports;
    this.errors = errors;
    this.unusedErrors = errors;
  }

  private List<RegoError> unusedErrors;

  /** Where the rule's names were resolved to its package's rules, in order. */
  final List<Location> globalSites = new ArrayList<>();

  /**
   * Where "declared var x unused" goes: OPA reports it without stopping later stages, so its type
   * and safety errors come with it.
   */
  Resolver unusedTo(List<RegoError> sink) {
    this.unusedErrors = sink;
    return this;
  }

  static Map<String, Ref> importMap(Module m) {
    Map<String, Ref> out = new HashMap<>();
    for (Module.Import i : m.imports()) {
      String root = ((Var) i.path().head()).name();
      if (root.equals("data") || root.equals("input")) {
        out.put(i.name(), i.path());
      }
    }
    return out;
  }

  int slots() {
    return nextSlot;
  }

  Map<String, Integer> queryBindings() {
    return queryBindings;
  }

  /** A scope for a new rule or query with this body. */
  Object newRoot(List<Expr> body) {
    return new Scope(null, prescan(body));
  }

  // ---------------------------------------------------------------------------------------

  /** Declares the variables of function argument patterns and resolves them. */
  List<Term> args(List<Term> args, Object scope) {
    Scope s = (Scope) scope;
    List<Term> out = new ArrayList<>();
    for (Term a : args) {
      declarePattern(a, s, false);
      out.add(term(a, s));
    }
    return out;
  }

  List<Expr> body(List<Expr> body, Object scope) {
    return bodyIn(body, (Scope) scope);
  }

  private List<Expr> bodyIn(List<Expr> body, Scope s) {
    List<Expr> out = new ArrayList<>();
    for (Expr e : body) {
      Expr r = expr(e, s);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** Reports {@code declared var x unused} for some/every variables nothing used. */
  void reportUnused(Object scope) {
    Scope s = (Scope) scope;
    for (Map.Entry<String, Location> e : s.unused.entrySet()) {
      unusedErrors.add(
          RegoError.at(RegoError.COMPILE, "declared var " + e.getKey() + " unused", e.getValue()));
    }
    s.unused.clear();
  }

  /** Resolves a head term (value, key) in the body's scope. */
  Term headTerm(Term t, Object scope) {
    return term(t, (Scope) scope);
  }

  private Expr expr(Expr e, Scope s) {
    Expr.Stmt stmt = e.stmt();
    Expr.Stmt out;
    switch (stmt) {
      case Expr.SomeVars sv -> {
        for (Var v : sv.vars()) {
          if (s.names.containsKey(v.name())) {
            String how = s.declared.contains(v.name()) ? "declared" : "referenced";
            errors.add(
                RegoError.at(
                    RegoError.COMPILE, "var " + v.name() + " " + how + " above", v.location()));
          }
          declare(v.name(), s);
          s.unused.put(v.name(), e.location()); // OPA places it at the some
        }
        return null;
      }
      case Expr.SomeIn si -> {
        Term domain = term(si.domain(), s);
        if (si.key() != null) {
          checkRedeclared(si.key(), s);
        }
        checkRedeclared(si.value(), s);
        if (si.key() != null) {
          declarePattern(si.key(), s, true);
        }
        declarePattern(si.value(), s, true);
        Term value = term(si.value(), s);
        Term call =
            si.key() == null
                ? new Term.Call(Compiler.SOME_MEMBER_2, List.of(value, domain), e.location())
                : new Term.Call(
                    Compiler.SOME_MEMBER_3,
                    List.of(term(si.key(), s), value, domain),
                    e.location());
        out = new Expr.TermStmt(call);
      }
      case Expr.Every ev -> {
        Term domain = term(ev.domain(), s);
        Scope inner = new Scope(s, prescan(ev.body()));
        Term key = null;
        if (ev.key() != null) {
          declarePattern(ev.key(), inner, true);
          key = term(ev.key(), inner);
        }
        declarePattern(ev.value(), inner, true);
        Term value = term(ev.value(), inner);
        Location bodyLoc = ev.body().isEmpty() ? e.location() : ev.body().get(0).location();
        if (ev.key() != null) {
          for (Var v : vars(ev.key())) {
            if (!v.isWildcard()) {
              inner.unused.put(v.name(), bodyLoc);
            }
          }
        }
        for (Var v : vars(ev.value())) {
          if (!v.isWildcard()) {
            inner.unused.put(v.name(), bodyLoc);
          }
        }
        List<Expr> body = bodyIn(ev.body(), inner);
        reportUnused(inner);
        out = new Expr.Every(key, value, domain, body);
      }
      case Expr.TermStmt ts -> {
        if (ts.term() instanceof Term.Call c && c.name().equals("assign") && c.args().size() == 2) {
          Term rhs = term(c.args().get(1), s);
          Term lhs = c.args().get(0);
          checkAssignable(lhs, s);
          declarePattern(lhs, s, true);
          for (Var v : vars(lhs)) {
            s.assigned.add(v.name());
          }
          out =
              new Expr.TermStmt(new Term.Call("assign", List.of(term(lhs, s), rhs), c.location()));
        } else {
          out = new Expr.TermStmt(term(ts.term(), s));
        }
      }
    }
    List<Expr.With> withs = new ArrayList<>();
    for (Expr.With w : e.withs()) {
      Term target = withTarget(w.target());
      Term value;
      if (target instanceof Scalar
          && w.value() instanceof Var v
          && s.lookup(v.name()) == null
          && !globals.contains(v.name())
          && !imports.containsKey(v.name())) {
        value = functionRef(v.name(), v.location());
      } else if (target instanceof Scalar
          && w.value() instanceof Ref r
          && r.head() instanceof Var v
          && s.lookup(v.name()) == null
          && !globals.contains(v.name())
          && !imports.containsKey(v.name())
          && !v.name().equals("data")
          && !v.name().equals("input")
          && dotted(r) != null) {
        value = functionRef(dotted(r), v.location());
      } else {
        value = term(w.value(), s);
      }
      withs.add(new Expr.With(target, value, w.location()));
    }
    return new Expr(out, e.negated(), withs, e.location());
  }

  private void checkAssignable(Term lhs, Scope s) {
    checkRedeclared(lhs, s);
    if (!(lhs instanceof Var || lhs instanceof Term.ArrayTerm || lhs instanceof Term.ObjectTerm)) {
      errors.add(
          RegoError.at(RegoError.PARSE, "cannot assign to " + kindName(lhs), lhs.location()));
    }
  }

  private void checkRedeclared(Term lhs, Scope s) {
    for (Var v : vars(lhs)) {
      if (v.isWildcard()) {
        continue;
      }
      if (v.name().equals("input") || v.name().equals("data")) {
        errors.add(
            RegoError.at(
                RegoError.COMPILE,
                "variables must not shadow " + v.name() + " (use a different variable name)",
                v.location()));
        continue;
      }
      if (s.names.containsKey(v.name())) {
        String how =
            s.assigned.contains(v.name())
                ? "assigned"
                : s.declared.contains(v.name()) ? "declared" : "referenced";
        errors.add(
            RegoError.at(
                RegoError.COMPILE, "var " + v.name() + " " + how + " above", v.location()));
      }
    }
  }

  private static String kindName(Term t) {
    return switch (t) {
      case Ref r -> "ref";
      case Term.Call c -> "call";
      case Scalar s -> s.value().typeName();
      default -> "term";
    };
  }

  private Term withTarget(Term t) {
    if (t instanceof Var v) {
      if (v.name().equals("input") || v.name().equals("data")) {
        return new Ref(new Var(v.name(), v.location()), List.of(), v.location());
      }
      return new Scalar(StringValue.of(functionName(v.name())), v.location());
    }
    if (t instanceof Ref r && r.head() instanceof Var v) {
      String dotted = dotted(r);
      if (v.name().equals("input") || v.name().equals("data")) {
        // a function mocked by its full path is a call target, not data
        return new Ref(new Var(v.name(), v.location()), r.path(), r.location());
      }
      if (dotted != null) {
        String fn = functionName(dotted);
        if (fn.startsWith("data.")) {
          return new Scalar(StringValue.of(fn), r.location());
        }
        return new Scalar(StringValue.of(dotted), r.location());
      }
    }
    errors.add(
        RegoError.at(
            RegoError.TYPE,
            "with keyword target must reference existing input, data, or a function",
            t.location()));
    return t;
  }

  private static Term functionRef(String name, Location l) {
    return new Term.Call("internal.function_ref", List.of(new Scalar(StringValue.of(name), l)), l);
  }

  private static String dotted(Ref r) {
    StringBuilder sb = new StringBuilder(((Var) r.head()).name());
    for (Term e : r.path()) {
      if (e instanceof Scalar sc && sc.value() instanceof StringValue s) {
        sb.append('.').append(s.value());
      } else {
        return null;
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------
  // Terms

  private Term term(Term t, Scope s) {
    return switch (t) {
      case Scalar sc -> sc;
      case Var v -> var(v, s);
      case Ref r -> ref(r, s);
      case Term.ArrayTerm a -> fold(new Term.ArrayTerm(terms(a.items(), s), a.location()));
      case Term.SetTerm st -> fold(new Term.SetTerm(terms(st.items(), s), st.location()));
      case Term.ObjectTerm o ->
          fold(new Term.ObjectTerm(terms(o.keys(), s), terms(o.values(), s), o.location()));
      case Term.Call c -> call(c, s);
      case Term.ArrayCompr c -> {
        Scope inner = new Scope(s, prescan(c.body()));
        List<Expr> body = bodyIn(c.body(), inner);
        Term head = term(c.head(), inner);
        reportUnused(inner);
        yield new Term.ArrayCompr(head, body, c.location());
      }
      case Term.SetCompr c -> {
        Scope inner = new Scope(s, prescan(c.body()));
        List<Expr> body = bodyIn(c.body(), inner);
        Term head = term(c.head(), inner);
        reportUnused(inner);
        yield new Term.SetCompr(head, body, c.location());
      }
      case Term.ObjectCompr c -> {
        Scope inner = new Scope(s, prescan(c.body()));
        List<Expr> body = bodyIn(c.body(), inner);
        Term key = term(c.key(), inner);
        Term value = term(c.value(), inner);
        reportUnused(inner);
        yield new Term.ObjectCompr(key, value, body, c.location());
      }
      case Term.Template tp -> {
        List<Expr> parts = new ArrayList<>();
        for (Expr e : tp.parts()) {
          parts.add(expr(e, s));
        }
        yield new Term.Template(parts, tp.location());
      }
    };
  }

  /** A composite of constants becomes one constant, built once at compile time. */
  private static Term fold(Term t) {
    switch (t) {
      case Term.ArrayTerm a -> {
        if (a.items().stream().allMatch(Scalar.class::isInstance)) {
          io.jrego.engine.value.Value[] vs = new io.jrego.engine.value.Value[a.items().size()];
          for (int i = 0; i < vs.length; i++) {
            vs[i] = ((Scalar) a.items().get(i)).value();
          }
          return new Scalar(io.jrego.engine.value.ArrayValue.wrap(vs), a.location());
        }
      }
      case Term.SetTerm st -> {
        if (st.items().stream().allMatch(Scalar.class::isInstance)) {
          return new Scalar(
              io.jrego.engine.value.SetValue.of(
                  st.items().stream().map(x -> ((Scalar) x).value()).toList()),
              st.location());
        }
      }
      case Term.ObjectTerm o -> {
        if (o.keys().stream().allMatch(Scalar.class::isInstance)
            && o.values().stream().allMatch(Scalar.class::isInstance)) {
          Map<io.jrego.engine.value.Value, io.jrego.engine.value.Value> m = new HashMap<>();
          for (int i = 0; i < o.keys().size(); i++) {
            m.put(((Scalar) o.keys().get(i)).value(), ((Scalar) o.values().get(i)).value());
          }
          if (m.size() == o.keys().size()) {
            return new Scalar(io.jrego.engine.value.ObjectValue.of(m), o.location());
          }
        }
      }
      default -> {}
    }
    return t;
  }

  private List<Term> terms(List<Term> ts, Scope s) {
    List<Term> out = new ArrayList<>(ts.size());
    for (Term t : ts) {
      out.add(term(t, s));
    }
    return out;
  }

  private Term var(Var v, Scope s) {
    if (v.isWildcard()) {
      int slot = nextSlot++;
      return new Var("_", slot, v.location());
    }
    Integer slot = s.lookup(v.name());
    if (slot != null) {
      for (Scope x = s; x != null; x = x.parent) {
        if (x.names.containsKey(v.name())) {
          x.unused.remove(v.name());
          break;
        }
      }
      return new Var(v.name(), slot, v.location());
    }
    if (v.name().equals("data") || v.name().equals("input")) {
      return new Ref(new Var(v.name(), v.location()), List.of(), v.location());
    }
    if (globals.contains(v.name())) {
      globalSites.add(v.location());
      return new Ref(new Var("data", v.location()), pkgPath(v.name(), v.location()), v.location());
    }
    Ref imp = imports.get(v.name());
    if (imp != null) {
      Var root = (Var) imp.head();
      return new Ref(new Var(root.name(), v.location()), imp.path(), v.location());
    }
    // a new local: in the outermost scope whose body mentions it, so comprehensions close over
    // variables the enclosing body binds later
    Scope target = s;
    for (Scope x = s.parent; x != null; x = x.parent) {
      if (x.prescan.contains(v.name())) {
        target = x;
      }
    }
    int n = declareIn(v.name(), target);
    return new Var(v.name(), n, v.location());
  }

  private List<Term> pkgPath(String name, Location l) {
    List<Term> path = new ArrayList<>();
    for (String p : pkg) {
      path.add(new Scalar(StringValue.of(p), l));
    }
    path.add(new Scalar(StringValue.of(name), l));
    return path;
  }

  private Term ref(Ref r, Scope s) {
    Term head = term(r.head(), s);
    List<Term> path = terms(r.path(), s);
    if (head instanceof Ref hr) {
      List<Term> all = new ArrayList<>(hr.path());
      all.addAll(path);
      return new Ref(hr.head(), all, r.location());
    }
    return new Ref(head, path, r.location());
  }

  private Term call(Term.Call c, Scope s) {
    int dot = c.name().indexOf('.');
    if (globals.contains(dot < 0 ? c.name() : c.name().substring(0, dot))) {
      globalSites.add(c.location());
    }
    return new Term.Call(functionName(c.name()), terms(c.args(), s), c.location());
  }

  /** The full name of a called function: {@code data.pkg.f} for user functions. */
  String functionName(String name) {
    if (name.startsWith("data.")) {
      return name;
    }
    int dot = name.indexOf('.');
    String first = dot < 0 ? name : name.substring(0, dot);
    String rest = dot < 0 ? "" : name.substring(dot);
    if (globals.contains(first)) {
      return "data." + (pkg.isEmpty() ? "" : String.join(".", pkg) + ".") + name;
    }
    Ref imp = imports.get(first);
    if (imp != null && ((Var) imp.head()).name().equals("data")) {
      StringBuilder sb = new StringBuilder("data");
      for (Term e : imp.path()) {
        if (e instanceof Scalar sc && sc.value() instanceof StringValue sv) {
          sb.append('.').append(sv.value());
        }
      }
      return sb + rest;
    }
    return name;
  }

  // ---------------------------------------------------------------------------------------
  // Declarations

  private void declarePattern(Term t, Scope s, boolean fresh) {
    for (Var v : vars(t)) {
      if (v.isWildcard()) {
        continue;
      }
      if (fresh || !s.names.containsKey(v.name())) {
        declare(v.name(), s);
      }
    }
  }

  private void declare(String name, Scope s) {
    int slot = nextSlot++;
    s.names.put(name, slot);
    s.declared.add(name);
    if (s.parent == null && !name.startsWith("__")) {
      queryBindings.putIfAbsent(name, slot);
    }
  }

  private int declareIn(String name, Scope s) {
    int slot = nextSlot++;
    s.names.put(name, slot);
    if (s.parent == null && !name.startsWith("__")) {
      queryBindings.putIfAbsent(name, slot);
    }
    return slot;
  }

  /** Variables of a pattern (not inside refs' keys or calls). */
  static List<Var> vars(Term t) {
    List<Var> out = new ArrayList<>();
    collectPatternVars(t, out);
    return out;
  }

  private static void collectPatternVars(Term t, List<Var> out) {
    switch (t) {
      case Var v -> out.add(v);
      case Term.ArrayTerm a -> a.items().forEach(x -> collectPatternVars(x, out));
      case Term.ObjectTerm o -> o.values().forEach(x -> collectPatternVars(x, out));
      default -> {}
    }
  }

  /** Names a body mentions outside nested comprehensions, {@code every} and declarations. */
  private static Set<String> prescan(List<Expr> body) {
    Set<String> out = new HashSet<>();
    for (Expr e : body) {
      switch (e.stmt()) {
        case Expr.TermStmt ts -> {
          if (ts.term() instanceof Term.Call c && c.name().equals("assign")) {
            continue;
          }
          scanNames(ts.term(), out);
        }
        default -> {}
      }
    }
    return out;
  }

  private static void scanNames(Term t, Set<String> out) {
    switch (t) {
      case Var v -> out.add(v.name());
      case Ref r -> {
        scanNames(r.head(), out);
        r.path().forEach(x -> scanNames(x, out));
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> scanNames(x, out));
      case Term.SetTerm a -> a.items().forEach(x -> scanNames(x, out));
      case Term.ObjectTerm o -> {
        o.keys().forEach(x -> scanNames(x, out));
        o.values().forEach(x -> scanNames(x, out));
      }
      case Term.Call c -> c.args().forEach(x -> scanNames(x, out));
      default -> {}
    }
  }
}
