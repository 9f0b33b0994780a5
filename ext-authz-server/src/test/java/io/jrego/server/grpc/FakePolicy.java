package io.jrego.server.grpc;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Value;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A policy written in Java, for testing the server without the Rego engine: each evaluation is
 * answered by a function of the path and input. Shared by the tests of every package.
 */
public final class FakePolicy implements PreparedPolicy {

  /** How the policy answers an evaluation. */
  public interface Decide {
    Optional<Value> decide(String path, Value input) throws RegoException;
  }

  private final Decide decide;

  public FakePolicy(Decide decide) {
    this.decide = decide;
  }

  /** A compiled policy with nothing in it: every evaluation is undefined. */
  public static FakePolicy empty() {
    return new FakePolicy((path, input) -> Optional.empty());
  }

  /** A policy that allows every request and runs {@code onEvaluation} for each evaluation. */
  public static FakePolicy allowing(Runnable onEvaluation) {
    return new FakePolicy(
        (path, input) -> {
          onEvaluation.run();
          return Optional.of(BooleanValue.TRUE);
        });
  }

  /** This policy as the one bundle of an active policy (revision "r", bundle "test"). */
  public ActivePolicy asBundle() {
    return ActivePolicy.oneBundle(this, "r", "test", Instant.now());
  }

  /** A holder with one active bundle whose policy allows every request. */
  static PolicyHolder holderAllowingEverything() {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(allowing(() -> {}).asBundle());
    return policies;
  }

  @Override
  public Optional<Value> evaluate(String path, Value input) throws RegoException {
    return decide.decide(path, input);
  }

  @Override
  public List<QueryResult> query(String query, Optional<Value> input) {
    return List.of();
  }

  @Override
  public List<io.jrego.engine.RuleInfo> rules() {
    return List.of();
  }

  @Override
  public java.util.Map<String, java.time.Duration> compileMetrics() {
    return java.util.Map.of();
  }
}
