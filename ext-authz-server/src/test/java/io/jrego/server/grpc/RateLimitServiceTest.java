package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.Rego;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetMetrics;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RateLimits;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RateLimitService} without a socket: what a call that cannot be answered gets. */
class RateLimitServiceTest {

  private final PolicyHolder policies = new PolicyHolder();
  private final RateLimitService service =
      new RateLimitService(
          policies,
          new RateLimits(
              new BudgetGate(
                  new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 100),
                  new BudgetMetrics(new SimpleMeterRegistry())),
              "envoy/ratelimit/limits"));

  private static final RateLimitRequest CALL =
      RateLimitRequest.newBuilder()
          .setDomain("ai")
          .addDescriptors(
              RateLimitDescriptor.newBuilder()
                  .addEntries(
                      RateLimitDescriptor.Entry.newBuilder().setKey("tenant").setValue("acme")))
          .build();

  private void activate(String rego) throws Exception {
    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder().module("ratelimit.rego", rego).compile(), "r", "test", Instant.now()));
  }

  private Recorder call() {
    Recorder r = new Recorder();
    service.shouldRateLimit(CALL, r);
    return r;
  }

  @Test
  void aBudgetWithoutAKey_isUnavailable_namingTheRuleTheDescriptorAndTheField() throws Exception {
    activate(
        """
        package envoy.ratelimit
        limits := [{"window": "hour", "limit_tokens": 5}]
        """);

    Recorder r = call();

    assertThat(r.responses).isEmpty();
    Status s = Status.fromThrowable(r.errors.getFirst());
    assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(s.getDescription())
        .startsWith("invalid_decision: envoy/ratelimit/limits for descriptor 0: ")
        .contains("key");
  }

  @Test
  void aRuleThatFails_isUnavailable_asAPolicyError() throws Exception {
    activate(
        """
        package envoy.ratelimit
        limits := 1 if input.domain
        limits := 2 if input.domain
        """);

    Status s = Status.fromThrowable(call().errors.getFirst());

    assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(s.getDescription()).startsWith("policy_error: envoy/ratelimit/limits: ");
  }

  @Test
  void noActivePolicy_isUnavailable() {
    Status s = Status.fromThrowable(call().errors.getFirst());

    assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(s.getDescription()).isEqualTo("no_policy: no policy is active");
  }

  @Test
  void aBudgetThatFits_isAnsweredOk() throws Exception {
    activate(
        """
        package envoy.ratelimit
        limits := [{"key": "t", "window": "hour", "limit_tokens": 5}]
        """);

    Recorder r = call();

    assertThat(r.errors).isEmpty();
    assertThat(r.completed).isTrue();
    assertThat(r.responses.getFirst().getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
  }

  /** What the service sent back on the call. */
  private static final class Recorder implements StreamObserver<RateLimitResponse> {
    final List<RateLimitResponse> responses = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    boolean completed;

    @Override
    public void onNext(RateLimitResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }
}
