package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The warm-up on the shipped ai-gateway bundle: its made-up chat is decided on the path real chat
 * takes (allowed), and a budget of {@link WarmUp#STREAMS_FROM} or more also runs whole ext_proc
 * streams over loopback, a shorter one only checks.
 */
class WarmUpTest {

  private static final Path BUNDLE = Path.of("..", "rego-policies", "ai-gateway");

  /**
   * A small server's settings on a free loopback port; {@link WarmUpAfterReadyTest} uses them too.
   */
  static final CheckServer.Config CONFIG =
      CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
          .threads(2)
          .queueCapacity(16)
          .shutdownGrace(Duration.ofSeconds(1))
          .build();

  private static PolicyHolder policies() throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(JregoServer.load(BUNDLE));
    return policies;
  }

  @Test
  void theMadeUpChatIsAllowedByTheShippedBundle() throws Exception {
    // a generous deadline: the first evaluation in a cold test JVM runs interpreted
    AuthorizationService service =
        new AuthorizationService(
            policies(),
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)));
    RecordingObserver<CheckResponse> out = new RecordingObserver<>();
    service.check(WarmUpSamples.checks().get(0), out);
    assertThat(out.errors()).isEmpty();
    assertThat(out.responses())
        .singleElement()
        .satisfies(r -> assertThat(r.getStatus().getCode()).isZero());
  }

  @Test
  void aLongBudgetAlsoRunsExtProcStreams_aShortOneOnlyChecks() throws Exception {
    PolicyHolder policies = policies();
    AuthorizationService service =
        new AuthorizationService(
            policies, new ServerMetrics(), AuthorizationService.Config.defaults());
    ExternalProcessorService process =
        new ExternalProcessorService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults(),
            ExternalProcessorService.Config.defaults());

    WarmUp.Result longer =
        WarmUp.run(
            CONFIG, service, Optional.of(process), policies, WarmUp.STREAMS_FROM.plusSeconds(1));
    assertThat(longer.how()).isEqualTo("over loopback gRPC");
    assertThat(longer.checks()).isPositive();
    assertThat(longer.streams()).isPositive();

    // just under STREAMS_FROM, the longest budget without streams, so that a busy machine still
    // completes a check (300 ms completed none once while two builds shared the two cores)
    WarmUp.Result shorter =
        WarmUp.run(
            CONFIG, service, Optional.of(process), policies, WarmUp.STREAMS_FROM.minusMillis(1));
    assertThat(shorter.checks()).isPositive();
    assertThat(shorter.streams()).isZero();
  }

  @Test
  void aBudgetOverBeforeTheFirstCallStillSendsEachOrdinaryCheckOnce() throws Exception {
    // a replica restarting on cores another replica's traffic keeps busy spent serve's 500 ms
    // starting the copy and its connection, and reported SERVING after no check at all
    PolicyHolder policies = policies();
    AuthorizationService service =
        new AuthorizationService(
            policies, new ServerMetrics(), AuthorizationService.Config.defaults());

    WarmUp.Result r = WarmUp.run(CONFIG, service, Optional.empty(), policies, Duration.ofNanos(1));

    // over loopback, answers still due 2 s after the last call are not counted; in-process (if
    // the copy failed) each check is answered before the next
    assertThat(r.checks()).isPositive();
    assertThat(r.took()).isGreaterThan(Duration.ofNanos(1));
  }

  @Test
  void theStopSendsOnePassPastTheDeadlineThenStops() {
    BooleanSupplier stop =
        new WarmUp.Stop(System.nanoTime() - 1, new WarmUp.Settling(), 5_000, WarmUp.ONE_PASS);
    for (int i = 0; i < WarmUp.ONE_PASS; i++) {
      assertThat(stop.getAsBoolean()).as("call %d of the pass", i + 1).isFalse();
    }
    assertThat(stop.getAsBoolean()).isTrue();
    assertThat(WarmUp.ONE_PASS).isEqualTo(WarmUpSamples.checks().size()).isGreaterThan(1);
  }
}
