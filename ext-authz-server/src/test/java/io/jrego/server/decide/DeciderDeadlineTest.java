package io.jrego.server.decide;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.Rego;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.Reason;
import io.jrego.server.policy.ActivePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The caller's deadline in the decide core: a check nobody waits for any more is not run. */
class DeciderDeadlineTest {

  private final ServerMetrics metrics = new ServerMetrics();
  private final Decider decider = new Decider(metrics, Duration.ofSeconds(5), true);
  private final AtomicInteger mapped = new AtomicInteger();

  private final Decider.Call<String> call =
      new Decider.Call<>() {
        @Override
        public ObjectValue input(long deadline) {
          mapped.incrementAndGet();
          return ObjectValue.EMPTY;
        }

        @Override
        public String answer(Value decision, String decisionId) {
          return String.valueOf(decision);
        }

        @Override
        public Decider.Verdict verdict(Value decision, String answer) {
          return new Decider.Verdict("allow", "policy");
        }
      };

  private static Optional<ActivePolicy> policy() throws Exception {
    return Optional.of(
        new ActivePolicy(
            Rego.builder().module("p.rego", "package envoy.authz\nallow := true").compile(),
            "rev-1",
            "test",
            Instant.now()));
  }

  @Test
  void aCallWhoseCallerHasGivenUpFailsWithTimeoutWithoutMappingTheRequest() throws Exception {
    long now = System.nanoTime();
    Outcome<String> o = decider.decide(policy(), "envoy/authz/allow", Kind.CHECK, call, now, now);
    assertThat(o).isInstanceOf(Outcome.Failed.class);
    var failed = (Outcome.Failed<String>) o;
    assertThat(failed.error().reason()).isEqualTo(Reason.TIMEOUT);
    assertThat(failed.error().getMessage())
        .contains("the caller's deadline passed before a check thread took the check up");
    assertThat(mapped).hasValue(0);
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"timeout\",result=\"error\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void aCallerWithTimeLeftOrNoDeadlineGetsItsAnswer() throws Exception {
    long now = System.nanoTime();
    assertThat(
            decider.decide(
                policy(), "envoy/authz/allow", Kind.CHECK, call, now, now + 1_000_000_000L))
        .isInstanceOf(Outcome.Answered.class);
    assertThat(decider.decide(policy(), "envoy/authz/allow", Kind.CHECK, call, now))
        .isInstanceOf(Outcome.Answered.class);
    assertThat(mapped).hasValue(2);
  }
}
