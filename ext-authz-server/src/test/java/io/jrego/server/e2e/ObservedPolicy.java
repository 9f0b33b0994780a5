package io.jrego.server.e2e;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A served policy with a hook run on each evaluation's input before the real policy evaluates it:
 * an end-to-end test activates it ({@code real.withPolicy(ObservedPolicy.of(real.policy(), ...))})
 * to see what reached the policy, or to hold a request while it looks at the server.
 */
final class ObservedPolicy implements PreparedPolicy {

  private final PreparedPolicy real;
  private final Consumer<Value> beforeEvaluate;

  private ObservedPolicy(PreparedPolicy real, Consumer<Value> beforeEvaluate) {
    this.real = real;
    this.beforeEvaluate = beforeEvaluate;
  }

  /** {@code real}, running {@code beforeEvaluate} on the input of every evaluation first. */
  static PreparedPolicy of(PreparedPolicy real, Consumer<Value> beforeEvaluate) {
    return new ObservedPolicy(real, beforeEvaluate);
  }

  @Override
  public Optional<Value> evaluate(String path, Value input) throws RegoException {
    beforeEvaluate.accept(input);
    return real.evaluate(path, input);
  }

  @Override
  public Optional<Value> evaluate(String path, Value input, QueryOptions options)
      throws RegoException {
    beforeEvaluate.accept(input);
    return real.evaluate(path, input, options);
  }

  @Override
  public List<QueryResult> query(String query, Optional<Value> input) throws RegoException {
    return real.query(query, input);
  }

  @Override
  public List<RuleInfo> rules() {
    return real.rules();
  }

  @Override
  public Map<String, Duration> compileMetrics() {
    return real.compileMetrics();
  }
}
