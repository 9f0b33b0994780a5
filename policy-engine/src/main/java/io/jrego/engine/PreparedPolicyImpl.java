package io.jrego.engine;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.compiler.BuiltinCalls;
import io.jrego.engine.compiler.CompiledPolicy;
import io.jrego.engine.compiler.CompiledQuery;
import io.jrego.engine.compiler.CompiledRule;
import io.jrego.engine.compiler.Compiler;
import io.jrego.engine.compiler.StableNodes;
import io.jrego.engine.eval.CallTargets;
import io.jrego.engine.eval.CoverableLines;
import io.jrego.engine.eval.DocumentStart;
import io.jrego.engine.eval.Evaluator;
import io.jrego.engine.parser.Parser;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The engine's {@link PreparedPolicy}: a compiled policy plus base data; immutable. */
final class PreparedPolicyImpl implements PreparedPolicy {

  private static final int QUERY_CACHE_LIMIT = 256;

  private final CompiledPolicy policy;
  private final Value data;
  private final EngineOptions options;
  private final Consumer<String> printSink;
  private final Clock clock;
  private final List<RuleInfo> rules;
  private final Map<String, CompiledQuery> queries = new ConcurrentHashMap<>();
  // the nodes a Carry may hand on, by the input keys it lets change
  private final Map<Set<String>, BitSet> stable = new ConcurrentHashMap<>();
  private final Map<String, DocumentStart> paths = new ConcurrentHashMap<>();
  private final CallTargets targets;
  private volatile Map<String, Set<Integer>> coverable;
  private final ContentDigest digest;

  PreparedPolicyImpl(
      CompiledPolicy policy,
      Value data,
      EngineOptions options,
      Consumer<String> printSink,
      Clock clock,
      ContentDigest digest) {
    this.digest = digest;
    this.policy = policy;
    this.data = data;
    this.options = options;
    this.printSink = printSink;
    this.clock = clock;
    this.targets = new CallTargets(policy);
    List<RuleInfo> infos = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (CompiledRule r : policy.rules()) {
      String path = r.pathString();
      boolean parametrized =
          !r.extraHead().isEmpty() && r.kind() == io.jrego.engine.ast.Rule.Kind.COMPLETE;
      if ((r.extraHead().isEmpty() || parametrized) && seen.add(path)) {
        Value last = r.path().get(r.path().size() - 1);
        String name = last instanceof StringValue s ? s.value() : last.toString();
        infos.add(
            new RuleInfo(
                path,
                name,
                r.kind() == io.jrego.engine.ast.Rule.Kind.FUNCTION,
                r.location(),
                parametrized));
      }
    }
    this.rules = List.copyOf(infos);
  }

  private Evaluator evaluator(Value input) {
    return evaluator(input, printSink);
  }

  private Evaluator evaluator(Value input, Consumer<String> print) {
    return new Evaluator(
        policy,
        targets,
        data,
        input,
        new BuiltinContext(
            clock, print, options.strictBuiltinErrors(), options.maxAllocationBytes()),
        options);
  }

  @Override
  public Optional<Value> evaluate(String path, Value input) throws RegoException {
    return evaluate(path, input, QueryOptions.none());
  }

  @Override
  public Optional<Value> evaluate(String path, Value input, QueryOptions options)
      throws RegoException {
    DocumentStart start = paths.get(path);
    if (start == null) {
      start = DocumentStart.of(policy, data, parsePath(path));
      if (paths.size() < QUERY_CACHE_LIMIT) {
        paths.put(path, start);
      }
    }
    return evaluate(start, input, options);
  }

  private Optional<Value> evaluate(DocumentStart start, Value input, QueryOptions options)
      throws RegoException {
    return evaluate(start, input, options, null);
  }

  private Optional<Value> evaluate(
      DocumentStart start, Value input, QueryOptions options, Carry carry) throws RegoException {
    try {
      Evaluator ev = evaluator(input);
      options.deadline().ifPresent(ev::endBy);
      options.pacer().ifPresent(ev::pace);
      withData(ev, options);
      if (carry == null || options.coverage().isPresent()) {
        return Optional.ofNullable(ev.document(start));
      }
      BitSet nodes = stable.computeIfAbsent(carry.changing(), k -> StableNodes.of(policy, k));
      if (carry.valuesFor(this, input, options.with()) instanceof Value[] earlier) {
        ev.seed(earlier);
      }
      Value result = ev.document(start);
      carry.keep(this, input, options.with(), ev.computed(nodes));
      return Optional.ofNullable(result);
    } catch (Evaluator.EvalException e) {
      throw new RegoException(e.error());
    } catch (RuntimeException e) {
      throw internal(e);
    }
  }

  /** Puts the options' {@link QueryOptions.With} replacements in force, in order. */
  private static void withData(Evaluator ev, QueryOptions options) {
    for (QueryOptions.With w : options.with()) {
      List<Value> keys = new ArrayList<>(w.path().size());
      for (String k : w.path()) {
        keys.add(StringValue.of(k));
      }
      ev.withData(keys, w.value());
    }
  }

  @Override
  public PreparedQuery prepare(String path) throws RegoException {
    List<Value> keys = parsePath(path);
    String shown = dataPath(keys, keys.size());
    DocumentStart start = DocumentStart.of(policy, data, keys);
    if (!start.reachable()) {
      throw undefined(shown, keys, start);
    }
    return new PreparedQuery() {
      @Override
      public String path() {
        return shown;
      }

      @Override
      public Optional<Value> evaluate(Value input, QueryOptions options) throws RegoException {
        return PreparedPolicyImpl.this.evaluate(start, input, options);
      }

      @Override
      public Optional<Value> evaluate(Value input, QueryOptions options, Carry carry)
          throws RegoException {
        return PreparedPolicyImpl.this.evaluate(start, input, options, carry);
      }

      @Override
      public String toString() {
        return shown;
      }
    };
  }

  private static RegoException undefined(String shown, List<Value> keys, DocumentStart start) {
    String at = dataPath(keys, start.depth());
    Set<String> there = start.keysAtDeadEnd();
    return new RegoException(
        RegoError.of(
            RegoError.COMPILE,
            "undefined document "
                + shown
                + ": no rule, package or base data named "
                + name(keys.get(start.depth()))
                + " in "
                + at
                + (there.isEmpty() ? "" : " (it has: " + String.join(", ", there) + ")")));
  }

  private static String dataPath(List<Value> keys, int n) {
    StringBuilder sb = new StringBuilder("data");
    for (Value k : keys.subList(0, n)) {
      sb.append('.').append(name(k));
    }
    return sb.toString();
  }

  private static String name(Value key) {
    return key instanceof StringValue s ? s.value() : key.toString();
  }

  @Override
  public List<QueryResult> query(String query, Optional<Value> input) throws RegoException {
    return query(query, input, QueryOptions.none());
  }

  @Override
  public List<QueryResult> query(String query, Optional<Value> input, QueryOptions options)
      throws RegoException {
    CompiledQuery q = queries.get(query);
    if (q == null) {
      List<Expr> body = Parser.parseQuery(query);
      q = Compiler.compileQuery(body, policy);
      if (queries.size() < QUERY_CACHE_LIMIT) {
        queries.put(query, q);
      }
    }
    try {
      List<QueryResult> out = new ArrayList<>();
      Evaluator ev = evaluator(input.orElse(null), options.print().orElse(printSink));
      options.coverage().ifPresent(ev::recordCoverage);
      options.testCases().ifPresent(ev::recordTestCases);
      options.deadline().ifPresent(ev::endBy);
      options.pacer().ifPresent(ev::pace);
      withData(ev, options);
      for (Evaluator.Result r : ev.query(q)) {
        out.add(new QueryResult(r.expressions(), r.bindings()));
      }
      return out;
    } catch (Evaluator.EvalException e) {
      throw new RegoException(e.error());
    } catch (RuntimeException e) {
      throw internal(e);
    }
  }

  /** {@code a/b/c}, {@code a.b.c} or {@code data.a.b.c} as keys under data. */
  private static List<Value> parsePath(String path) {
    List<Value> keys = new ArrayList<>();
    String p = path.strip();
    if (p.equals("data")) {
      p = "";
    } else if (p.startsWith("data.") || p.startsWith("data/")) {
      p = p.substring(5);
    }
    int start = 0;
    for (int i = 0; i <= p.length(); i++) {
      if (i == p.length() || p.charAt(i) == '.' || p.charAt(i) == '/') {
        if (i > start) {
          keys.add(StringValue.of(p.substring(start, i)));
        }
        start = i + 1;
      }
    }
    return List.copyOf(keys);
  }

  /** A bug in the engine surfaces as OPA's internal error, not as an unchecked exception. */
  private static RegoException internal(RuntimeException e) {
    return new RegoException(RegoError.of("eval_internal_error", e.toString()));
  }

  @Override
  public Map<String, Set<Integer>> coverableLines() {
    Map<String, Set<Integer>> c = coverable;
    if (c == null) {
      c = CoverableLines.of(policy.modules());
      coverable = c; // racy but idempotent: every thread computes the same immutable map
    }
    return c;
  }

  @Override
  public Set<String> nondeterministicCalls() {
    Set<String> out = new TreeSet<>();
    for (String name : BuiltinCalls.names(policy.modules())) {
      Builtin b = policy.builtins() == null ? null : policy.builtins().apply(name);
      if (b != null && !b.deterministic()) {
        out.add(name);
      }
    }
    return Collections.unmodifiableSet(out);
  }

  @Override
  public List<RuleInfo> rules() {
    return rules;
  }

  @Override
  public Optional<String> contentDigest() {
    return Optional.of(digest.hex());
  }

  @Override
  public Map<String, Duration> compileMetrics() {
    return policy.metrics();
  }
}
