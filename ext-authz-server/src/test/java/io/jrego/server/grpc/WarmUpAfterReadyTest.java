package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.Rego;
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
 * The rounds after ready: the warm-up's rare requests (the oversized one just over the real
 * server's limit) and the failing checks, over a new connection to a new copy of the server (in
 * process when the copy cannot listen), through the policy each time, as many rounds as asked and
 * no more, ending early once the server drains.
 */
class WarmUpAfterReadyTest {

  private static final CheckServer.Config CONFIG = WarmUpTest.CONFIG;

  private final AtomicInteger evaluations = new AtomicInteger();

  private final PolicyHolder policies = new PolicyHolder();

  private AuthorizationService quiet() {
    policies.activate(FakePolicy.allowing(evaluations::incrementAndGet).asBundle());
    return new AuthorizationService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)))
        .forWarmUp();
  }

  @Test
  void aRoundIsTheRareRequestsWithTheLongGzipStreamAndTheFailingChecks() {
    AuthorizationService quiet = quiet();
    int maxMessage = WarmUp.maxMessage(CONFIG);
    List<CheckRequest> requests = WarmUpAfterReady.requests(quiet, maxMessage);
    List<CheckRequest> rare =
        WarmUpRefusals.samples(
            WarmUpSamples.checks().getFirst(),
            maxMessage + WarmUp.OVER_LIMIT,
            new WarmUpSwitches(true, false, true));
    assertThat(requests.subList(0, requests.size() - 2)).isEqualTo(rare);
    assertThat(requests.subList(requests.size() - 2, requests.size()))
        .isEqualTo(
            WarmUpRefusals.failing(
                WarmUpSamples.checks().getFirst(), quiet.warmUpFailure().orElseThrow()));
    assertThat(rare)
        .anySatisfy(
            r ->
                assertThat(r.getAttributes().getRequest().getHttp().getRawBody().toByteArray())
                    .isEqualTo(WarmUpRefusals.LONG_GZIP));
    // the last rare one is over the server's limit (sent when within WarmUp.MAX_SENT, for gRPC's
    // deframer to refuse; this test JVM's heap allows 4 MiB, so here it is not)
    assertThat(rare.getLast().getSerializedSize()).isGreaterThan(maxMessage);
  }

  @Test
  void eachRoundAddsNamesOfItsOwnBeforeItsLastRequest() {
    List<CheckRequest> requests = WarmUpAfterReady.requests(quiet(), WarmUp.maxMessage(CONFIG));
    List<CheckRequest> round3 = WarmUpAfterReady.withNewNames(requests, 3);
    assertThat(round3).hasSize(requests.size() + 1);
    assertThat(round3.get(requests.size() - 1))
        .isEqualTo(WarmUpRefusals.newNames(WarmUpSamples.checks().getFirst(), 3));
    assertThat(round3.getLast()).isEqualTo(requests.getLast());
  }

  @Test
  void aRoundGoesOverANewConnectionToACopyThroughThePolicy() {
    AuthorizationService quiet = quiet();
    int maxMessage = WarmUp.maxMessage(CONFIG);
    List<CheckRequest> requests = WarmUpAfterReady.requests(quiet, maxMessage);
    CheckServer.Config copy = WarmUp.copyOf(CONFIG, maxMessage);

    assertThat(
            WarmUpAfterReady.round(copy, quiet, policies, requests, maxMessage, Optional.empty()))
        .isEqualTo("over loopback gRPC");
    assertThat(evaluations.get()).isPositive();
  }

  @Test
  void aCopyThatCannotListenLeavesTheRoundInProcess() {
    AuthorizationService quiet = quiet();
    int maxMessage = WarmUp.maxMessage(CONFIG);
    List<CheckRequest> requests = WarmUpAfterReady.requests(quiet, maxMessage);
    // an address this machine does not have: the copy cannot bind it
    CheckServer.Config nowhere =
        CheckServer.Config.builder(new ListenAddress.Tcp("192.0.2.1", 0))
            .maxRecvBytes(maxMessage)
            .threads(1)
            .shutdownGrace(Duration.ofSeconds(1))
            .build();

    assertThat(
            WarmUpAfterReady.round(
                nowhere, quiet, policies, requests, maxMessage, Optional.empty()))
        .isEqualTo("in-process");
    // the chats, the many keys and digits, the byte that is not UTF-8, path parameters, bodies cut
    // short; not the oversized chat, which only the deframer would refuse
    assertThat(evaluations.get()).isGreaterThanOrEqualTo(8);
    int inProcess = evaluations.getAndSet(0);
    WarmUpAfterReady.inProcess(quiet, requests);
    assertThat(evaluations.get()).isEqualTo(inProcess + 1);
  }

  @Test
  void runsTheRoundsAskedAndNoMore() {
    AtomicInteger rounds = new AtomicInteger();
    int done = WarmUpAfterReady.run(3, Duration.ofMillis(1), () -> false, rounds::incrementAndGet);
    assertThat(done).isEqualTo(3);
    assertThat(rounds.get()).isEqualTo(3);
  }

  @Test
  void stopsWhenTheServerDrainsOrTheThreadIsInterrupted() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    AtomicInteger rounds = new AtomicInteger();
    int done =
        WarmUpAfterReady.run(
            5, Duration.ofMillis(1), () -> asked.incrementAndGet() > 2, rounds::incrementAndGet);
    assertThat(done).isEqualTo(2);
    assertThat(rounds.get()).isEqualTo(2);

    AuthorizationService quiet = quiet();
    Thread t =
        WarmUpAfterReady.start(
            CONFIG, quiet, Optional.empty(), policies, 5, Duration.ofHours(1), () -> false);
    t.interrupt();
    t.join(Duration.ofSeconds(10));
    assertThat(t.isAlive()).isFalse();
    assertThat(evaluations.get()).isZero();
  }

  @Test
  void aRoundWithoutRequestsLeavesThePolicyAlone() {
    AuthorizationService quiet = quiet();
    int maxMessage = WarmUp.maxMessage(CONFIG);
    WarmUpAfterReady.round(
        WarmUp.copyOf(CONFIG, maxMessage),
        quiet,
        policies,
        List.of(),
        maxMessage,
        Optional.empty());
    assertThat(evaluations.get()).isZero();
  }

  /**
   * A round's made-up streams take the ways the first streams after a swap take: one reads an entry
   * of Check's decision made under another policy and evaluates the request rule again ({@code
   * policy_changed}), one finds ext_authz's namespace without an entry; on the warm-up copy, whose
   * counts are its own.
   */
  @Test
  void aRoundsStreamsReadAStaleCheckDecisionAndNone() throws Exception {
    PolicyHolder holder = new PolicyHolder();
    holder.activate(
        ActivePolicy.oneBundle(
            Rego.builder()
                .module(
                    "p.rego",
                    """
                    package envoy.process

                    request := {"allowed": true, "headers": {"x-seen": "request"}}
                    """)
                .compile(),
            "r",
            "test",
            Instant.now()));
    ServerMetrics real = new ServerMetrics();
    ExternalProcessorService process =
        new ExternalProcessorService(
            holder,
            real,
            AuthorizationService.Config.defaults(),
            ExternalProcessorService.Config.defaults());
    ExternalProcessorService copy = process.forWarmUp();

    WarmUpAfterReady.staleCarries(copy);

    assertThat(checked(copy.metrics(), "policy_changed")).isEqualTo(1);
    assertThat(checked(copy.metrics(), "absent")).isEqualTo(1);
    assertThat(checked(real, "policy_changed")).isZero();
    assertThat(checked(real, "absent")).isZero();
  }

  private static double checked(ServerMetrics metrics, String result) {
    var c = metrics.registry().find("jrego.ext_proc.checked").tag("result", result).counter();
    return c == null ? 0 : c.count();
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
}
