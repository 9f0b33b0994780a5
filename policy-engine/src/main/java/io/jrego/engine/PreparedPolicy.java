package io.jrego.engine;

import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A compiled set of modules and base data, ready to evaluate. Immutable and thread-safe: one
 * instance serves every request concurrently, and nothing is parsed or resolved per evaluation that
 * could have been done at compile time.
 */
public interface PreparedPolicy {

  /**
   * Evaluates the document at a path under {@code data}.
   *
   * @param path the document, as {@code envoy/authz/allow}, {@code envoy.authz.allow} or {@code
   *     data.envoy.authz.allow}
   * @param input the {@code input} document
   * @return the document's value, or empty when it is undefined
   * @throws RegoException when evaluation fails (conflicting rule outputs, a builtin error in
   *     strict mode, a limit passed)
   */
  Optional<Value> evaluate(String path, Value input) throws RegoException;

  /**
   * Evaluates the document at a path under {@code data} as {@link #evaluate(String, Value)} does,
   * with per-query options such as a {@link QueryOptions#deadline()}. Implementations that take no
   * options evaluate without them.
   *
   * @throws RegoException as {@link #evaluate(String, Value)}, and with {@code eval_cancel_error}
   *     when the deadline passes first
   */
  default Optional<Value> evaluate(String path, Value input, QueryOptions options)
      throws RegoException {
    return evaluate(path, input);
  }

  /**
   * Prepares the document at a path for repeated evaluation: what {@link #evaluate(String, Value)}
   * does on every call (reading the path, following it through the rules and data) is done here
   * once. A server prepares its decision when a policy is loaded and evaluates the handle per
   * request.
   *
   * <p>The default implementation checks nothing and evaluates through {@link #evaluate(String,
   * Value, QueryOptions)}.
   *
   * @param path the document, written as for {@link #evaluate(String, Value)}
   * @throws RegoException ({@code rego_compile_error}) when no rule, package or base document can
   *     ever be at the path, whatever the input: a misspelt decision fails here, not as an
   *     undefined decision on every request. The message names the path and what exists where it
   *     ends.
   */
  default PreparedQuery prepare(String path) throws RegoException {
    String shown = path.startsWith("data") ? path : "data." + path.replace('/', '.');
    return new PreparedQuery() {
      @Override
      public String path() {
        return shown;
      }

      @Override
      public Optional<Value> evaluate(Value input, QueryOptions options) throws RegoException {
        return PreparedPolicy.this.evaluate(path, input, options);
      }
    };
  }

  /**
   * Evaluates a query, as {@code opa eval} does.
   *
   * @param query Rego query text, such as {@code data.x.p = v; v > 1}
   * @param input the {@code input} document, or empty for none
   * @return one entry per result: the value of each expression, and the bindings of the query's
   *     variables
   * @throws RegoException when the query does not parse or compile, or evaluation fails
   */
  List<QueryResult> query(String query, Optional<Value> input) throws RegoException;

  /**
   * Evaluates a query as {@link #query(String, Optional)} does, with per-query options such as
   * coverage recording. Implementations that cannot record coverage evaluate without it.
   *
   * @param options what to record while evaluating
   */
  default List<QueryResult> query(String query, Optional<Value> input, QueryOptions options)
      throws RegoException {
    return query(query, input);
  }

  /**
   * The lines coverage is measured on, by file: the rows of every rule head (else branches
   * included) and of every body expression (comprehension and {@code every} bodies included), but
   * not {@code some} declarations. Empty for an implementation that cannot record coverage.
   */
  default Map<String, Set<Integer>> coverableLines() {
    return Map.of();
  }

  /**
   * The non-deterministic builtins ({@code http.send}, {@code time.now_ns}, {@code rand.intn},
   * custom builtins marked so, ...) called anywhere in the policy's modules, whether or not a rule
   * reaches them, sorted. A caller that evaluates the policy on made-up input, such as a server's
   * warm-up, can tell from it whether that could reach outside the input (an HTTP call per
   * evaluation). Empty for an implementation that cannot tell.
   */
  default Set<String> nondeterministicCalls() {
    return Set.of();
  }

  /**
   * Every rule, once per path (rules sharing a path, such as the bodies of one partial set, are
   * listed once), in module order. The test runner finds {@code test_} rules here.
   */
  List<RuleInfo> rules();

  /**
   * A SHA-256 of what decides this policy's answers, in hex: its modules (name, Rego version and
   * source), its base data, whether builtin errors are strict, its custom builtins' names and the
   * engine's version. Two policies compiled from the same bundles by the same engine, in this
   * process or another, have the same digest; any change to a module or to data changes it. Limits
   * (timeout, depth, sizes) are left out: they decide whether an evaluation ends, not the value it
   * ends with. Empty for an implementation that cannot tell (then no two policies are known to be
   * the same).
   */
  default Optional<String> contentDigest() {
    return Optional.empty();
  }

  /** How long each compiler stage took, by stage name ({@code compile_stage_ResolveRefs}, ...). */
  Map<String, Duration> compileMetrics();

  /**
   * One result of a query.
   *
   * @param expressions the value of each top-level expression, in order
   * @param bindings the query's own variables (not generated ones) and their values
   */
  record QueryResult(List<Value> expressions, Map<String, Value> bindings) {}
}
