package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.decide.LongEvaluations;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a check whose caller gives up (Envoy's ext_authz timeout resets the stream; a client
 * cancels or its deadline passes) stops evaluating at its next pacing point, is counted as {@code
 * jrego_checks_total{result="error",reason="cancelled"}} and frees its check thread, instead of
 * burning CPU until {@code --eval-timeout}. A real server on a loopback port and a real grpc-java
 * client over Netty; the check's deadline (2 minutes) is far beyond anything the test waits for, so
 * a following check answered on the server's only check thread shows the evaluation ended by the
 * cancellation, not by its deadline.
 */
class CheckCancelledTest {

  /** Cheap when {@code input.attributes.request.http.path} is short; cubic in its length. */
  private static final String POLICY =
      """
      package envoy.authz
      default allow := false
      allow if not expensive
      expensive if {
        n := count(input.attributes.request.http.path)
        n > 100
        some i in numbers.range(1, n)
        some j in numbers.range(1, n)
        some k in numbers.range(1, n)
        i + j + k < 0
      }
      """;

  private static final String EXPENSIVE = "/" + "x".repeat(3_000);

  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private LongEvaluations pacing;
  private CheckServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close(); // interrupts whatever still evaluates
    }
  }

  /** A server with {@code threads} check threads, pacing as {@code settings} say. */
  private void start(LongEvaluations.Settings settings, int threads) throws Exception {
    PreparedPolicy policy =
        Rego.builder()
            .module("p.rego", POLICY)
            .options(EngineOptions.defaults().withTimeout(Duration.ofMinutes(5)))
            .compile();
    pacing = new LongEvaluations(settings);
    policies.activate(ActivePolicy.oneBundle(policy, "rev-1", "test", Instant.now()));
    server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(threads)
                .queueCapacity(16)
                .shutdownGrace(Duration.ofSeconds(1))
                .build(),
            new AuthorizationService(
                policies,
                metrics,
                AuthorizationService.Config.defaults()
                    .withEvalTimeout(Duration.ofMinutes(2))
                    .withOnError(OnError.DENY, 403)
                    .withPacing(pacing)),
            policies);
    server.serve();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  private AuthorizationGrpc.AuthorizationFutureStub stub() {
    return AuthorizationGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static CheckRequest request(String path) {
    return TestRequests.get(path).build();
  }

  /** Waits up to 30 s for {@code cond}; whether it came. */
  private static boolean await(BooleanSupplier cond) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - until > 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private String cancelledSeries() {
    return "jrego_checks_total{phase=\"check\",reason=\"cancelled\",result=\"error\","
        + "service=\"ext_authz\"}";
  }

  private static final LongEvaluations.Settings ONE_SLOT_NO_WAITING =
      new LongEvaluations.Settings(Duration.ofMillis(5), 1, 25, 0);

  @Test
  void issue14_aCheckTheClientCancelsStopsAndItsThreadAnswersTheNextCheck() throws Exception {
    start(ONE_SLOT_NO_WAITING, 1); // one check thread: the next check needs the same one
    assertThat(metrics.scrape()).contains(cancelledSeries() + " 0.0");

    ListenableFuture<CheckResponse> expensive = stub().check(request(EXPENSIVE));
    assertThat(await(() -> pacing.running() == 1))
        .as("the expensive check became long and holds the slot")
        .isTrue();
    expensive.cancel(true); // the client gives up: RST_STREAM CANCEL, as Envoy's timeout sends

    // answered on the only check thread, so only once the cancelled evaluation has let go of it
    CheckResponse cheap = stub().check(request("/v1/models")).get(30, TimeUnit.SECONDS);
    assertThat(cheap.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(pacing.cancelledTotal()).isEqualTo(1);
    assertThat(pacing.running()).isZero();
    assertThat(metrics.scrape())
        .contains(cancelledSeries() + " 1.0")
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"timeout\",result=\"error\","
                + "service=\"ext_authz\"} 0.0");
  }

  @Test
  void issue14_aCheckWhoseClientDeadlinePassesStopsLikeOneCancelled() throws Exception {
    start(ONE_SLOT_NO_WAITING, 1);
    // the client's deadline, sent as grpc-timeout as Envoy sends its ext_authz timeout
    var shortLived =
        AuthorizationGrpc.newFutureStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);
    ListenableFuture<CheckResponse> expensive = shortLived.check(request(EXPENSIVE));
    assertThatThrownBy(() -> expensive.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);

    CheckResponse cheap = stub().check(request("/v1/models")).get(30, TimeUnit.SECONDS);
    assertThat(cheap.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(pacing.cancelledTotal()).isEqualTo(1);
    assertThat(metrics.scrape()).contains(cancelledSeries() + " 1.0");
  }

  @Test
  void issue14_aLongCheckWaitingForTheSlotLeavesItsPlaceWhenCancelled() throws Exception {
    // serve's defaults: one slot and one waiting place, with threads for both on top of one
    LongEvaluations.Settings settings = LongEvaluations.Settings.defaults();
    start(settings, 1 + settings.threadsHeld());
    ListenableFuture<CheckResponse> holding = stub().check(request(EXPENSIVE));
    assertThat(await(() -> pacing.running() == 1)).isTrue();
    ListenableFuture<CheckResponse> waiting = stub().check(request(EXPENSIVE));
    assertThat(await(() -> pacing.waiting() == 1)).as("the second waits for the slot").isTrue();

    waiting.cancel(true);
    assertThat(await(() -> pacing.waiting() == 0 && pacing.cancelledTotal() == 1))
        .as("the cancelled one left its waiting place")
        .isTrue();
    assertThat(pacing.running()).as("the first still holds the slot").isEqualTo(1);
    assertThat(holding.isDone()).isFalse();

    holding.cancel(true);
    assertThat(await(() -> pacing.running() == 0 && pacing.cancelledTotal() == 2)).isTrue();
    assertThat(await(() -> metrics.scrape().contains(cancelledSeries() + " 2.0"))).isTrue();
  }
}
