package io.jrego.engine.compiler;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.ast.Term.Ref;
import io.jrego.engine.ast.Term.Scalar;
import io.jrego.engine.ast.Term.Var;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Compiles parsed modules into a {@link CompiledPolicy}, as an ordered table of named stages like
 * OPA's compiler; each stage is timed under its name. Errors of every stage are collected;
 * compilation stops after the first stage that found any.
 */
public final class Compiler {

  /**
   * What {@code some x in xs} and {@code some k, v in xs} become: calls that bind their pattern to
   * each element in turn. A plain {@code x in xs} stays {@code internal.member_2}, a boolean check
   * of operands that must already be bound, as in OPA.
   */
  public static final String SOME_MEMBER_2 = "internal.some_member_2";

  /** See {@link #SOME_MEMBER_2}. */
  public static final String SOME_MEMBER_3 = "internal.some_member_3";

  private interface Stage {
    void run();
  }

  private final List<Module> modules;
  private final Function<String, Builtin> builtins;
  private final List<RegoError> errors = new ArrayList<>();
  private final List<RegoError> unused = new ArrayList<>();
  private final List<Location> moduleSites = new ArrayList<>();

  /**
   * Where type errors place references to a package's rules by name: OPA's resolved references of
   * one module share their {@code data} term, so all of them report the place of the module's last.
   */
  private final Map<Location, Location> globalSites = new HashMap<>();

  private final List<RegoError> unsafe = new ArrayList<>(); // reported when all rules resolved
  private final Map<String, Duration> metrics = new LinkedHashMap<>();
  private final Map<List<String>, Set<String>> globals = new HashMap<>();
  private final List<CompiledRule> rules = new ArrayList<>();
  private final Map<String, List<CompiledRule>> functions = new LinkedHashMap<>();
  private final List<RuleNode> nodes = new ArrayList<>();
  private final Map<String, Integer> fnArity = new HashMap<>();
  private RuleNode root;
  private Map<List<Value>, io.jrego.engine.types.Type> ruleTypes = Map.of();

  private Compiler(List<Module> modules, Function<String, Builtin> builtins) {
    this.modules = modules;
    this.builtins = builtins;
  }

  /**
   * Compiles modules.
   *
   * @param builtins the builtin table by name (null when unknown)
   * @throws RegoException with every error of the first failing stage
   */
  public static CompiledPolicy compile(List<Module> modules, Function<String, Builtin> builtins)
      throws RegoException {
    Compiler c = new Compiler(modules, builtins);
    c.stage("CheckDuplicateImports", c::checkImports);
    c.stage("CollectGlobals", c::collectGlobals);
    c.stage("ResolveRefs", c::resolve);
    c.stage("CheckRuleConflicts", c::checkConflicts);
    c.stage("BuildRuleTree", c::buildTree);
    c.stage("CheckRuleTreeConflicts", c::checkPrefixConflicts);
    c.stage("CheckUndefinedFunctions", c::checkFunctions);
    c.stage("CheckRecursion", c::checkRecursion);
    c.stage("CheckTypes", c::checkTypes);
    if (!c.errors.isEmpty() || !c.unused.isEmpty()) {
      List<RegoError> all = new ArrayList<>(c.unused);
      all.addAll(c.errors);
      throw new RegoException(limited(all));
    }
    c.nodes.forEach(RuleNode::sortChildren);
    return new CompiledPolicy(
        c.root,
        Map.copyOf(c.functions),
        List.copyOf(c.rules),
        List.copyOf(c.nodes),
        builtins,
        Map.copyOf(c.metrics),
        List.copyOf(modules),
        Map.copyOf(c.ruleTypes));
  }

  /**
   * Compiles a query against a compiled policy.
   *
   * @throws RegoException when the query has unsafe variables or undefined functions
   */
  public static CompiledQuery compileQuery(List<Expr> body, CompiledPolicy policy)
      throws RegoException {
    List<RegoError> errors = new ArrayList<>();
    NegationOperands neg = new NegationOperands();
    List<Expr> rewritten = neg.body(body);
    Resolver res = new Resolver(List.of(), Set.of(), Map.of(), errors);
    Object queryScope = res.newRoot(rewritten);
    List<Expr> resolved = res.body(rewritten, queryScope);
    res.reportUnused(queryScope);
    // which written expression each resolved one is (-1: generated; some-declarations vanish)
    List<Integer> writtenIndex = new ArrayList<>();
    int count = 0;
    for (Expr e : rewritten) {
      boolean extra = neg.isGenerated(e);
      if (!(e.stmt() instanceof Expr.SomeVars)) {
        writtenIndex.add(extra ? -1 : count);
      }
      if (!extra) {
        count++;
      }
    }
    Safety safety = new Safety(name -> arity(name, policy.functions(), policy.builtins()), errors);
    List<Expr> ordered = safety.body(resolved, new BitSet(), new BitSet());
    List<Integer> order = safety.lastOrder();
    List<Expr> written = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // placeholders (never evaluated) keep positions of declarations; their value is true
      written.add(
          new Expr(
              new Expr.TermStmt(new Scalar(io.jrego.engine.value.BooleanValue.TRUE, null)),
              false,
              List.of(),
              null));
    }
    for (int i = 0; i < order.size(); i++) {
      int w = writtenIndex.get(order.get(i));
      if (w >= 0) {
        written.set(w, ordered.get(i));
      }
    }
    checkCalls(ordered, policy.functions(), Set.of(), policy.builtins(), true, errors);
    if (errors.isEmpty()) {
      errors.addAll(
          new TypeChecker(policy.builtins(), policy.functions(), Map.of())
              .checkQuery(ordered, res.slots(), policy.ruleTypes()));
    }
    if (!errors.isEmpty()) {
      throw new RegoException(limited(errors));
    }
    return new CompiledQuery(ordered, res.slots(), Map.copyOf(res.queryBindings()), written);
  }

  /** OPA's default error limit: the first ten errors, then "error limit reached". */
  static final int MAX_ERRORS = 10;

  /**
   * The errors OPA reports: the first ten found, sorted by place and message, then "error limit
   * reached" when there were more.
   */
  static List<RegoError> limited(List<RegoError> errors) {
    List<RegoError> out = new ArrayList<>(errors.subList(0, Math.min(errors.size(), MAX_ERRORS)));
    out.sort(TypeChecker::compare);
    if (errors.size() > MAX_ERRORS) {
      out.add(RegoError.of(RegoError.COMPILE, "error limit reached"));
    }
    return out;
  }

  private void stage(String name, Stage s) {
    if (!errors.isEmpty()) {
      return;
    }
    long t0 = System.nanoTime();
    s.run();
    metrics.put("compile_stage_" + name, Duration.ofNanos(System.nanoTime() - t0));
  }

  // ---------------------------------------------------------------------------------------

  private void checkImports() {
    for (Module m : modules) {
      Map<String, Module.Import> seen = new HashMap<>();
      for (Module.Import i : m.imports()) {
        String root = ((Var) i.path().head()).name();
        if (root.equals("future") || root.equals("rego")) {
          continue;
        }
        Module.Import prev = seen.putIfAbsent(i.name(), i);
        if (prev != null) {
          errors.add(
              RegoError.at(
                  RegoError.COMPILE,
                  "import must not shadow import " + refText(prev.path()),
                  i.location()));
        }
      }
    }
  }

  private static String refText(Ref r) {
    StringBuilder sb = new StringBuilder(((Var) r.head()).name());
    for (Term t : r.path()) {
      if (t instanceof Scalar s && s.value() instanceof StringValue sv) {
        sb.append('.').append(sv.value());
      } else {
        sb.append('[').append(t).append(']');
      }
    }
    return sb.toString();
  }

  private void collectGlobals() {
    for (Module m : modules) {
      Set<String> g = globals.computeIfAbsent(m.packagePath(), k -> new HashSet<>());
      for (Rule r : m.rules()) {
        g.add(r.name());
        if (r.kind() == Rule.Kind.FUNCTION) {
          StringBuilder sb = new StringBuilder("data");
          for (String p : m.packagePath()) {
            sb.append('.').append(p);
          }
          for (Term h : r.head()) {
            sb.append('.').append(((StringValue) ((Scalar) h).value()).value());
          }
          fnArity.put(sb.toString(), r.args().size());
        }
      }
    }
  }

  private void resolve() {
    for (Module m : modules) {
      Set<String> g = globals.get(m.packagePath());
      Map<String, Ref> imports = Resolver.importMap(m);
      for (Rule r : m.rules()) {
        CompiledRule cr = compileRule(r, m, g, imports);
        if (cr != null) {
          rules.add(cr);
        }
      }
      if (!moduleSites.isEmpty()) {
        Location last = moduleSites.get(moduleSites.size() - 1);
        moduleSites.forEach(l -> globalSites.put(l, last));
        moduleSites.clear();
      }
    }
    if (errors.isEmpty()) {
      errors.addAll(unsafe); // OPA's safety stage runs once every rule's variables are resolved
    }
  }

  private CompiledRule compileRule(Rule r0, Module m, Set<String> g, Map<String, Ref> imports) {
    Rule r = patternArgs(r0);
    NegationOperands neg = new NegationOperands();
    r =
        new Rule(
            r.kind(),
            r.isDefault(),
            r.head().stream().map(neg::term).toList(),
            r.args(),
            neg.term(r.value()),
            r.assign(),
            neg.body(r.body()),
            r.elseRule(),
            r.location(),
            r.annotations());
    int errorsBefore = errors.size();
    Resolver res = new Resolver(m.packagePath(), g, imports, errors).unusedTo(unused);
    Object scope = res.newRoot(r.body());
    List<Term> args = res.args(r.args(), scope);
    int headSites = res.globalSites.size();
    List<Expr> body = res.body(r.body(), scope);
    int bodySites = res.globalSites.size();
    List<Value> path = new ArrayList<>();
    for (String p : m.packagePath()) {
      path.add(StringValue.of(p));
    }
    List<Term> extra = new ArrayList<>();
    boolean ground = true;
    for (Term h : r.head()) {
      if (ground && h instanceof Scalar s) {
        path.add(s.value());
      } else {
        ground = false;
        extra.add(res.headTerm(h, scope));
      }
    }
    Term value = res.headTerm(r.value(), scope);
    res.reportUnused(scope);
    // OPA resolves a rule's head before its body: the body's last name is the rule's last
    List<Location> sites = new ArrayList<>(res.globalSites.subList(0, headSites));
    sites.addAll(res.globalSites.subList(bodySites, res.globalSites.size()));
    sites.addAll(res.globalSites.subList(headSites, bodySites));
    moduleSites.addAll(sites);
    // a rule that failed to resolve is not checked for safety (OPA stops at the failing stage)
    List<RegoError> safetyErrors = errors.size() > errorsBefore ? new ArrayList<>() : unsafe;
    Safety safety =
        new Safety(
            name -> fnArity.containsKey(name) ? fnArity.get(name) : arity(name, null, builtins),
            safetyErrors);
    BitSet safe = new BitSet();
    for (Term a : args) {
      markVars(a, safe);
    }
    List<Expr> ordered = safety.body(body, safe, new BitSet());
    for (Term t : extra) {
      safety.checkHead(t, safe, r.location());
    }
    safety.checkHead(value, safe, r.location());
    value = safety.nestedTerm(value, safe, new BitSet());
    CompiledRule elseRule = null;
    if (r.elseRule().isPresent()) {
      Rule e = r.elseRule().get();
      Rule withHead =
          new Rule(
              e.kind(),
              false,
              r.head(),
              r.args(),
              e.value(),
              e.assign(),
              e.body(),
              e.elseRule(),
              e.location(),
              List.of());
      elseRule = compileRule(withHead, m, g, imports);
    }
    return new CompiledRule(
        r.kind(),
        r.isDefault(),
        List.copyOf(path),
        List.copyOf(extra),
        List.copyOf(args),
        value,
        List.copyOf(ordered),
        elseRule,
        res.slots(),
        r.location(),
        m,
        r.annotations());
  }

  /**
   * Function arguments that are not patterns (template strings, calls, refs) become fresh variables
   * compared at the end of the body, as OPA rewrites them.
   */
  private static Rule patternArgs(Rule r) {
    if (r.args().isEmpty() || r.args().stream().allMatch(Compiler::isPattern)) {
      return r;
    }
    List<Term> args = new ArrayList<>();
    List<Expr> body = new ArrayList<>(r.body());
    for (int i = 0; i < r.args().size(); i++) {
      Term a = r.args().get(i);
      if (isPattern(a)) {
        args.add(a);
      } else {
        Var v = new Var("__arg" + i + "__", a.location());
        args.add(v);
        body.add(
            new Expr(
                new Expr.TermStmt(new Term.Call("eq", List.of(v, a), a.location())),
                false,
                List.of(),
                a.location()));
      }
    }
    return new Rule(
        r.kind(),
        r.isDefault(),
        r.head(),
        args,
        r.value(),
        r.assign(),
        body,
        r.elseRule(),
        r.location(),
        r.annotations());
  }

  private static boolean isPattern(Term t) {
    return switch (t) {
      case Var v -> true;
      case Scalar s -> true;
      case Term.ArrayTerm a -> a.items().stream().allMatch(Compiler::isPattern);
      case Term.ObjectTerm o ->
          o.keys().stream().allMatch(k -> k instanceof Scalar)
              && o.values().stream().allMatch(Compiler::isPattern);
      default -> false;
    };
  }

  private static void markVars(Term t, BitSet into) {
    switch (t) {
      case Var v -> {
        if (v.slot() >= 0) {
          into.set(v.slot());
        }
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> markVars(x, into));
      case Term.ObjectTerm o -> o.values().forEach(x -> markVars(x, into));
      case Term.SetTerm s -> s.items().forEach(x -> markVars(x, into));
      case Term.Template tp -> {}
      default -> {}
    }
  }

  static int arity(
      String name, Map<String, List<CompiledRule>> fns, Function<String, Builtin> builtins) {
    if (fns != null) {
      List<CompiledRule> f = fns.get(name);
      if (f != null) {
        return f.get(0).args().size();
      }
    }
    Builtin b = builtins == null ? null : builtins.apply(name);
    return b == null ? -1 : b.arity();
  }

  // ---------------------------------------------------------------------------------------

  private void checkConflicts() {
    Map<List<Value>, List<CompiledRule>> byPath = new LinkedHashMap<>();
    for (CompiledRule r : rules) {
      byPath.computeIfAbsent(r.path(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<List<Value>, List<CompiledRule>> e : byPath.entrySet()) {
      List<CompiledRule> rs = e.getValue();
      String path = RuleNode.pathString(e.getKey());
      long fns = rs.stream().filter(r -> r.kind() == Rule.Kind.FUNCTION).count();
      long defaults = rs.stream().filter(CompiledRule::isDefault).count();
      boolean multi =
          rs.stream().anyMatch(r -> r.kind() == Rule.Kind.MULTI && r.extraHead().isEmpty());
      boolean complete =
          rs.stream().anyMatch(r -> r.kind() == Rule.Kind.COMPLETE && r.extraHead().isEmpty());
      boolean refHead = rs.stream().anyMatch(r -> !r.extraHead().isEmpty());
      boolean plainComplete =
          rs.stream()
              .anyMatch(
                  r -> r.kind() == Rule.Kind.COMPLETE && r.extraHead().isEmpty() && !r.isDefault());
      if ((fns > 0 && fns < rs.size())
          || (multi && complete)
          || (multi && refHead)
          || (complete && refHead && plainComplete)) {
        errors.add(
            RegoError.at(
                RegoError.TYPE, "conflicting rules " + path + " found", rs.get(0).location()));
      } else if (fns > 0 && rs.stream().map(r -> r.args().size()).distinct().count() > 1) {
        errors.add(
            RegoError.at(
                RegoError.TYPE, "conflicting rules " + path + " found", rs.get(0).location()));
      }
      if (defaults > 1) {
        List<String> where = new ArrayList<>();
        for (CompiledRule r : rs) {
          if (r.isDefault()) {
            where.add(r.location().file() + ":" + r.location().row());
          }
        }
        errors.add(
            RegoError.at(
                RegoError.TYPE,
                "multiple default rules " + path + " found at " + String.join(", ", where),
                rs.get(0).module().packageLocation()));
      }
    }
  }

  /** A complete rule or set must not have rules defined below its path. */
  private void checkPrefixConflicts() {
    for (RuleNode n : nodes) {
      if (n.rules().stream().noneMatch(r -> r.extraHead().isEmpty())) {
        continue;
      }
      List<RuleNode> below = new ArrayList<>();
      for (RuleNode c : n.children().values()) {
        collectRuleNodes(c, below, 0);
      }
      if (!below.isEmpty()) {
        StringBuilder sb = new StringBuilder("rule " + n + " conflicts with:");
        for (RuleNode b : below) {
          CompiledRule r = b.rules().get(0);
          sb.append("\n  rule ")
              .append(b)
              .append(" at ")
              .append(r.location().file())
              .append(':')
              .append(r.location().row());
        }
        errors.add(RegoError.at(RegoError.TYPE, sb.toString(), n.rules().get(0).location()));
      }
    }
  }

  private void buildTree() {
    root = newNode(List.of());
    for (Module m : modules) {
      List<Value> path = new ArrayList<>();
      for (String p : m.packagePath()) {
        path.add(StringValue.of(p));
      }
      node(path).markPackage();
    }
    for (CompiledRule r : rules) {
      RuleNode n = node(r.path());
      if (r.kind() == Rule.Kind.FUNCTION) {
        n.markFunctions();
        functions.computeIfAbsent(RuleNode.pathString(r.path()), k -> new ArrayList<>()).add(r);
      } else {
        n.rules().add(r);
      }
    }
  }

  private RuleNode node(List<Value> path) {
    RuleNode n = root;
    List<Value> prefix = new ArrayList<>();
    for (Value k : path) {
      prefix.add(k);
      RuleNode child = n.children().get(k);
      if (child == null) {
        child = newNode(prefix);
        n.children().put(k, child);
      }
      n = child;
    }
    return n;
  }

  private RuleNode newNode(List<Value> path) {
    RuleNode n = new RuleNode(path, nodes.size());
    nodes.add(n);
    return n;
  }

  private void checkFunctions() {
    Set<String> paths = new HashSet<>();
    for (CompiledRule r : rules) {
      if (r.kind() != Rule.Kind.FUNCTION) {
        paths.add(r.pathString());
      }
    }
    for (CompiledRule r : rules) {
      for (CompiledRule x = r; x != null; x = x.elseRule()) {
        boolean v1 = x.module().version() == io.jrego.engine.base.RegoVersion.V1;
        checkCalls(x.body(), functions, paths, builtins, v1, errors);
        checkCallsInTerm(x.value(), functions, paths, builtins, v1, errors);
      }
    }
  }

  private static void checkCalls(
      List<Expr> body,
      Map<String, List<CompiledRule>> fns,
      Set<String> rulePaths,
      Function<String, Builtin> builtins,
      boolean v1,
      List<RegoError> errors) {
    for (Expr e : body) {
      switch (e.stmt()) {
        case Expr.TermStmt ts ->
            checkCallsInTerm(ts.term(), fns, rulePaths, builtins, v1, errors, true);
        case Expr.Every ev -> {
          checkCallsInTerm(ev.domain(), fns, rulePaths, builtins, v1, errors);
          checkCalls(ev.body(), fns, rulePaths, builtins, v1, errors);
        }
        default -> {}
      }
      for (Expr.With w : e.withs()) {
        if (w.target() instanceof Scalar t
            && t.value() instanceof StringValue name
            && !fns.containsKey(name.value())
            && !rulePaths.contains(name.value())
            && (builtins == null || builtins.apply(name.value()) == null)
            && !(name.value().startsWith("data.") && rulePaths.isEmpty())) {
          errors.add(
              RegoError.at(
                  RegoError.TYPE,
                  "with keyword target must reference existing input, data, or a function",
                  w.location()));
        }
        if (belowRule(w.target(), rulePaths)) {
          errors.add(
              RegoError.at(
                  RegoError.COMPILE,
                  "with keyword cannot partially replace virtual document(s)",
                  w.target().location()));
        }
        checkCallsInTerm(w.value(), fns, rulePaths, builtins, v1, errors);
      }
    }
  }

  /** Whether a {@code with} target is a path strictly below a rule's document, as OPA refuses. */
  private static boolean belowRule(Term target, Set<String> rulePaths) {
    if (!(target instanceof Ref r && r.head() instanceof Term.Var v && v.name().equals("data"))) {
      return false;
    }
    List<Value> path = new ArrayList<>();
    for (Term t : r.path()) {
      if (rulePaths.contains(RuleNode.pathString(path)) && !path.isEmpty()) {
        return true;
      }
      if (!(t instanceof Scalar s)) {
        return false;
      }
      path.add(s.value());
    }
    return false;
  }

  private static void checkCallsInTerm(
      Term t,
      Map<String, List<CompiledRule>> fns,
      Set<String> rulePaths,
      Function<String, Builtin> builtins,
      boolean v1,
      List<RegoError> errors) {
    checkCallsInTerm(t, fns, rulePaths, builtins, v1, errors, false);
  }

  /**
   * @param statement whether {@code t} is an expression of its own (a call has no output)
   */
  private static void checkCallsInTerm(
      Term t,
      Map<String, List<CompiledRule>> fns,
      Set<String> rulePaths,
      Function<String, Builtin> builtins,
      boolean v1,
      List<RegoError> errors,
      boolean statement) {
    switch (t) {
      case Term.Call c -> {
        int ar = arity(c.name(), fns, builtins);
        Builtin builtin = builtins == null ? null : builtins.apply(c.name());
        boolean known = fns.containsKey(c.name()) || builtin != null;
        if (v1 && builtin != null && builtin.declaration().isDeprecated()) {
          errors.add(
              RegoError.at(
                  RegoError.TYPE,
                  "deprecated built-in function calls in expression: " + c.name(),
                  c.location()));
        } else if (!known
            && !(c.args().isEmpty()
                && c.name().startsWith("data.")
                && rulePaths.contains(c.name()))) {
          // f() of a rule that is no function evaluates the rule, as OPA does at run time
          String msg = "undefined function " + c.name();
          int n = c.args().size();
          if (c.name().startsWith("data.") && rulePaths.contains(c.name()) && n > 0) {
            msg =
                "function "
                    + c.name()
                    + " has arity 0, got "
                    + n
                    + (n == 1 ? " argument" : " arguments");
          }
          errors.add(RegoError.at(RegoError.TYPE, msg, c.location()));
        } else if (ar >= 0 && c.args().size() != ar && c.args().size() != ar + 1) {
          int n = c.args().size();
          if (builtin == null) {
            errors.add(
                RegoError.at(
                    RegoError.TYPE,
                    "function "
                        + c.name()
                        + " has arity "
                        + ar
                        + ", got "
                        + n
                        + (n == 1 ? " argument" : " arguments"),
                    c.location()));
          } else {
            // what OPA shows: the operands' types as far as known before type checking, with
            // the output variable a nested call gets
            List<io.jrego.engine.types.Type> have = new ArrayList<>();
            c.args().forEach(a -> have.add(TypeEnv.known(a)));
            if (!statement) {
              have.add(null);
            }
            io.jrego.engine.types.Type.Fn fn = builtin.declaration().type();
            errors.add(
                TypeErrors.argError(
                    c.location(),
                    c.name(),
                    "arity mismatch",
                    new TypeErrors.ArgErr(have, fn.args(), fn.variadic())));
          }
        }
        c.args().forEach(a -> checkCallsInTerm(a, fns, rulePaths, builtins, v1, errors));
      }
      case Ref r -> {
        checkCallsInTerm(r.head(), fns, rulePaths, builtins, v1, errors);
        r.path().forEach(a -> checkCallsInTerm(a, fns, rulePaths, builtins, v1, errors));
      }
      case Term.ArrayTerm a ->
          a.items().forEach(x -> checkCallsInTerm(x, fns, rulePaths, builtins, v1, errors));
      case Term.SetTerm a ->
          a.items().forEach(x -> checkCallsInTerm(x, fns, rulePaths, builtins, v1, errors));
      case Term.ObjectTerm o -> {
        o.keys().forEach(x -> checkCallsInTerm(x, fns, rulePaths, builtins, v1, errors));
        o.values().forEach(x -> checkCallsInTerm(x, fns, rulePaths, builtins, v1, errors));
      }
      case Term.ArrayCompr c -> {
        checkCallsInTerm(c.head(), fns, rulePaths, builtins, v1, errors);
        checkCalls(c.body(), fns, rulePaths, builtins, v1, errors);
      }
      case Term.SetCompr c -> {
        checkCallsInTerm(c.head(), fns, rulePaths, builtins, v1, errors);
        checkCalls(c.body(), fns, rulePaths, builtins, v1, errors);
      }
      case Term.ObjectCompr c -> {
        checkCallsInTerm(c.key(), fns, rulePaths, builtins, v1, errors);
        checkCallsInTerm(c.value(), fns, rulePaths, builtins, v1, errors);
        checkCalls(c.body(), fns, rulePaths, builtins, v1, errors);
      }
      case Term.Template tp -> checkCalls(tp.parts(), fns, rulePaths, builtins, v1, errors);
      default -> {}
    }
  }

  // ---------------------------------------------------------------------------------------

  private void checkTypes() {
    TypeChecker checker = new TypeChecker(builtins, functions, globalSites);
    errors.addAll(checker.checkRules(dependencyOrder()));
    ruleTypes = checker.ruleTypes;
  }

  /**
   * Rules with the rules they use before them (OPA's dependency graph sort): depth first from each
   * rule in source order.
   */
  private List<CompiledRule> dependencyOrder() {
    Map<String, List<CompiledRule>> byPath = new LinkedHashMap<>();
    for (CompiledRule r : rules) {
      byPath.computeIfAbsent(RuleNode.pathString(r.path()), k -> new ArrayList<>()).add(r);
    }
    List<CompiledRule> out = new ArrayList<>(rules.size());
    Set<CompiledRule> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (CompiledRule r : rules) {
      visit(r, byPath, seen, out);
    }
    return out;
  }

  private void visit(
      CompiledRule r,
      Map<String, List<CompiledRule>> byPath,
      Set<CompiledRule> seen,
      List<CompiledRule> out) {
    if (!seen.add(r)) {
      return;
    }
    Set<String> deps = new java.util.LinkedHashSet<>();
    for (CompiledRule x = r; x != null; x = x.elseRule()) {
      x.body().forEach(e -> depsOfExpr(e, deps));
      depsOfTerm(x.value(), deps);
      x.extraHead().forEach(t -> depsOfTerm(t, deps));
    }
    for (String d : deps) {
      for (CompiledRule dep : byPath.getOrDefault(d, List.of())) {
        visit(dep, byPath, seen, out);
      }
    }
    out.add(r);
  }

  private void checkRecursion() {
    Map<String, Set<String>> graph = new LinkedHashMap<>();
    Map<String, CompiledRule> first = new HashMap<>();
    for (CompiledRule r : rules) {
      String from = RuleNode.pathString(r.path());
      first.putIfAbsent(from, r);
      Set<String> deps = graph.computeIfAbsent(from, k -> new java.util.LinkedHashSet<>());
      for (CompiledRule x = r; x != null; x = x.elseRule()) {
        for (Expr e : x.body()) {
          depsOfExpr(e, deps);
        }
        depsOfTerm(x.value(), deps);
        for (Term t : x.extraHead()) {
          depsOfTerm(t, deps);
        }
      }
    }
    Set<String> reported = new HashSet<>();
    for (String start : graph.keySet()) {
      List<String> cycle = findCycle(start, graph);
      if (cycle != null && reported.add(cycle.get(0))) {
        errors.add(
            RegoError.at(
                RegoError.RECURSION,
                "rule " + start + " is recursive: " + String.join(" -> ", cycle),
                recursiveRule(start, cycle.get(1), first.get(start)).location()));
      }
    }
  }

  /** OPA places a recursion at the first rule of the path that uses the next one of the cycle. */
  private CompiledRule recursiveRule(String path, String next, CompiledRule fallback) {
    for (CompiledRule r : rules) {
      if (!RuleNode.pathString(r.path()).equals(path)) {
        continue;
      }
      Set<String> deps = new java.util.LinkedHashSet<>();
      for (CompiledRule x = r; x != null; x = x.elseRule()) {
        x.body().forEach(e -> depsOfExpr(e, deps));
        depsOfTerm(x.value(), deps);
        x.extraHead().forEach(t -> depsOfTerm(t, deps));
      }
      if (deps.contains(next)) {
        return r;
      }
    }
    return fallback;
  }

  private static List<String> findCycle(String start, Map<String, Set<String>> graph) {
    List<String> path = new ArrayList<>();
    path.add(start);
    return dfs(start, start, graph, path, new HashSet<>());
  }

  private static List<String> dfs(
      String start,
      String cur,
      Map<String, Set<String>> graph,
      List<String> path,
      Set<String> seen) {
    for (String next : graph.getOrDefault(cur, Set.of())) {
      if (next.equals(start)) {
        List<String> out = new ArrayList<>(path);
        out.add(next);
        return out;
      }
      if (seen.add(next) && graph.containsKey(next)) {
        path.add(next);
        List<String> r = dfs(start, next, graph, path, seen);
        if (r != null) {
          return r;
        }
        path.remove(path.size() - 1);
      }
    }
    return null;
  }

  private void depsOfExpr(Expr e, Set<String> deps) {
    switch (e.stmt()) {
      case Expr.TermStmt ts -> depsOfTerm(ts.term(), deps);
      case Expr.Every ev -> {
        depsOfTerm(ev.domain(), deps);
        ev.body().forEach(x -> depsOfExpr(x, deps));
      }
      default -> {}
    }
    for (Expr.With w : e.withs()) {
      depsOfTerm(w.value(), deps);
    }
  }

  private void depsOfTerm(Term t, Set<String> deps) {
    switch (t) {
      case Term.Call c -> {
        if (c.name().startsWith("data.")) {
          deps.add(c.name());
        }
        c.args().forEach(a -> depsOfTerm(a, deps));
      }
      case Ref r -> {
        if (r.head() instanceof Var v && v.slot() < 0 && v.name().equals("data")) {
          RuleNode n = root;
          List<RuleNode> hit = new ArrayList<>();
          boolean dynamic = false;
          for (Term p : r.path()) {
            if (n == null) {
              break;
            }
            if (!(p instanceof Scalar s)) {
              dynamic = true;
              break;
            }
            n = n.children().get(s.value());
            if (n != null && !n.rules().isEmpty()) {
              hit.add(n);
              break;
            }
          }
          if (hit.isEmpty() && n != null && !dynamic) {
            collectRuleNodes(n, hit, 0);
          }
          for (RuleNode h : hit) {
            deps.add(h.toString());
          }
        } else {
          depsOfTerm(r.head(), deps);
        }
        r.path().forEach(a -> depsOfTerm(a, deps));
      }
      case Term.ArrayTerm a -> a.items().forEach(x -> depsOfTerm(x, deps));
      case Term.SetTerm a -> a.items().forEach(x -> depsOfTerm(x, deps));
      case Term.ObjectTerm o -> {
        o.keys().forEach(x -> depsOfTerm(x, deps));
        o.values().forEach(x -> depsOfTerm(x, deps));
      }
      case Term.ArrayCompr c -> {
        depsOfTerm(c.head(), deps);
        c.body().forEach(x -> depsOfExpr(x, deps));
      }
      case Term.SetCompr c -> {
        depsOfTerm(c.head(), deps);
        c.body().forEach(x -> depsOfExpr(x, deps));
      }
      case Term.ObjectCompr c -> {
        depsOfTerm(c.key(), deps);
        depsOfTerm(c.value(), deps);
        c.body().forEach(x -> depsOfExpr(x, deps));
      }
      case Term.Template tp -> tp.parts().forEach(x -> depsOfExpr(x, deps));
      default -> {}
    }
  }

  private static void collectRuleNodes(RuleNode n, List<RuleNode> out, int depth) {
    if (depth > 64) {
      return;
    }
    if (!n.rules().isEmpty()) {
      out.add(n);
    }
    for (RuleNode c : n.children().values()) {
      collectRuleNodes(c, out, depth + 1);
    }
  }
}
