package io.jrego.engine;

import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
   * Every rule, once per path (rules sharing a path, such as the bodies of one partial set, are
   * listed once), in module order. The test runner finds {@code test_} rules here.
   */
  List<RuleInfo> rules();

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
