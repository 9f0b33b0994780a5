package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.Rego;
import io.jrego.engine.value.BooleanValue;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rounds after ready: the warm-up's rare requests without the oversized one, plus the failing
 * check, as many rounds as asked and no more, through the policy each time, ending early once the
 * server drains.
 */
class WarmUpAfterReadyTest {

  private final AtomicInteger evaluations = new AtomicInteger();

  private AuthorizationService quiet() {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy(
                (path, input) -> {
                  evaluations.incrementAndGet();
                  return Optional.of(BooleanValue.TRUE);
                }),
            "r",
            "test",
            Instant.now()));
    return new AuthorizationService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)))
        .forWarmUp();
  }

  @Test
  void aRoundIsTheRareRequestsButTheOversizedOneAndTheFailingCheck() {
    AuthorizationService quiet = quiet();
    List<CheckRequest> requests = WarmUpAfterReady.requests(quiet);
    List<CheckRequest> rare = WarmUpRefusals.samples(WarmUpSamples.checks().getFirst(), 1024);
    assertThat(requests).hasSize(rare.size());
    assertThat(requests.subList(0, rare.size() - 1)).isEqualTo(rare.subList(0, rare.size() - 1));
    assertThat(requests.getLast().getAttributes().getRequest().getHttp().getHeadersMap())
        .containsEntry(AuthorizationService.WARM_UP_FAILURE, quiet.warmUpFailure().orElseThrow());
    assertThat(requests).allSatisfy(r -> assertThat(r.getSerializedSize()).isLessThan(256 * 1024));
  }

  @Test
  void runsTheRoundsAskedThroughThePolicyAndNoMore() {
    AuthorizationService quiet = quiet();
    List<CheckRequest> requests = WarmUpAfterReady.requests(quiet);
    WarmUpAfterReady.round(quiet, requests);
    int perRound = evaluations.getAndSet(0);
    // the chats, the many keys, the byte that is not UTF-8, path parameters, bodies cut short
    assertThat(perRound).isGreaterThanOrEqualTo(7);

    int done =
        WarmUpAfterReady.run(quiet, requests, 3, Duration.ofMillis(1), () -> false, () -> true);
    assertThat(done).isEqualTo(3);
    assertThat(evaluations.get()).isEqualTo(3 * perRound);
  }

  @Test
  void stopsWhenTheServerDrainsOrTheThreadIsInterrupted() throws Exception {
    AuthorizationService quiet = quiet();
    AtomicInteger asked = new AtomicInteger();
    int done =
        WarmUpAfterReady.run(
            quiet,
            WarmUpAfterReady.requests(quiet),
            5,
            Duration.ofMillis(1),
            () -> asked.incrementAndGet() > 2,
            () -> true);
    assertThat(done).isEqualTo(2);

    Thread t =
        WarmUpAfterReady.start(quiet, new PolicyHolder(), 5, Duration.ofHours(1), () -> false);
    t.interrupt();
    t.join(Duration.ofSeconds(10));
    assertThat(t.isAlive()).isFalse();
    assertThat(evaluations.get()).isEqualTo(2 * evaluationsPerRound(quiet));
  }

  @Test
  void aRoundLeavesAPolicyThatIsNotRepeatableAlone() {
    AuthorizationService quiet = quiet();
    int done =
        WarmUpAfterReady.run(
            quiet,
            WarmUpAfterReady.requests(quiet),
            2,
            Duration.ofMillis(1),
            () -> false,
            () -> false);
    assertThat(done).isEqualTo(2);
    assertThat(evaluations.get()).isZero();
  }

  /**
   * A policy that calls {@code http.send} (or any non-deterministic builtin, anywhere in its
   * modules) is not repeatable: the rounds would make an HTTP call per made-up request.
   */
  @Test
  void aPolicyCallingANonDeterministicBuiltinIsNotRepeatable() throws Exception {
    assertThat(WarmUpAfterReady.repeatable(holding("allow if input.attributes.source"))).isTrue();
    assertThat(
            WarmUpAfterReady.repeatable(
                holding(
                    """
                    allow if input.attributes.source
                    else := r.status_code == 200 if {
                    	r := http.send({"method": "GET", "url": "http://127.0.0.1:1/allow"})
                    }
                    """)))
        .isFalse();
    assertThat(WarmUpAfterReady.repeatable(holding("allow if time.now_ns() > 0"))).isFalse();
    assertThat(WarmUpAfterReady.repeatable(new PolicyHolder())).isFalse();
  }

  private static PolicyHolder holding(String rules) throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder().module("p.rego", "package envoy.authz\n\n" + rules + "\n").compile(),
            "r",
            "test",
            Instant.now()));
    return policies;
  }

  private int evaluationsPerRound(AuthorizationService quiet) {
    int before = evaluations.get();
    WarmUpAfterReady.round(quiet, WarmUpAfterReady.requests(quiet));
    int n = evaluations.get() - before;
    evaluations.addAndGet(-n);
    return n;
  }
}
