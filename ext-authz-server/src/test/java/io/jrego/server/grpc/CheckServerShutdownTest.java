package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a server whose check threads were stuck in an evaluation did not exit on SIGTERM. After
 * the grace period, {@link CheckServer#shutdown()} now cancels what is left: the calls are closed
 * and the check threads interrupted, which ends a Rego evaluation at its next checkpoint; and it
 * returns within a bound even when a check ignores the interrupt.
 */
class CheckServerShutdownTest {

  private static final Duration GRACE = Duration.ofMillis(500);

  /**
   * Deadlines no evaluation here reaches, so that only the shutdown can end one (on a loaded
   * machine a short deadline could end it first).
   */
  private static final Duration NEVER_IN_A_TEST = Duration.ofMinutes(5);

  /**
   * How long the tests wait for {@link CheckServer#shutdown()} to return: far above what it takes
   * (the grace and {@link CheckServer#CANCEL_WAIT}s, a few seconds), far below a check that is
   * never cancelled (minutes), so it tells the two apart on a loaded machine.
   */
  private static final Duration RETURNS_WITHIN = Duration.ofSeconds(60);

  /** Runs {@code server.shutdown()} and waits for it to return, at most {@link #RETURNS_WITHIN}. */
  private static void shutdownReturns(CheckServer server) throws Exception {
    CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::shutdown);
    try {
      stopping.get(RETURNS_WITHIN.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("shutdown() did not return within " + RETURNS_WITHIN, e);
    }
  }

  private static CheckServer start(FakePolicy.Decide decide) throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(ActivePolicy.oneBundle(new FakePolicy(decide), "r", "test", Instant.now()));
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(2)
                .queueCapacity(16)
                .shutdownGrace(GRACE)
                .build(),
            new AuthorizationService(
                policies,
                new ServerMetrics(),
                AuthorizationService.Config.defaults().withEvalTimeout(NEVER_IN_A_TEST)),
            policies);
    server.serve();
    return server;
  }

  /** Sends a check without waiting for it, and waits until its evaluation has begun. */
  private static void checkInFlight(ManagedChannel ch, CountDownLatch started) throws Exception {
    AuthorizationGrpc.newStub(ch)
        .check(
            CheckRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(CheckResponse r) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).as("the evaluation began").isTrue();
  }

  @Test
  void issue14_shutdownCancelsAStuckEvaluationAfterTheGracePeriod() throws Exception {
    // a billion iterations, minutes of work: only the shutdown's cancellation ends it in time
    PreparedPolicy loop =
        Rego.builder()
            .options(EngineOptions.defaults().withTimeout(NEVER_IN_A_TEST))
            .module(
                "p.rego",
                """
                package envoy.authz

                xs := numbers.range(1, 1000)
                allow if { some a in xs; some b in xs; some c in xs; a + b + c < 0 }
                """)
            .compile();
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<String> ended = new AtomicReference<>("still running");
    CountDownLatch done = new CountDownLatch(1);
    CheckServer server =
        start(
            (p, i) -> {
              started.countDown();
              try {
                return loop.evaluate(p, i);
              } catch (RegoException e) {
                ended.set(e.errors().get(0).code() + ": " + e.errors().get(0).message());
                throw e;
              } finally {
                done.countDown();
              }
            });
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      checkInFlight(ch, started);
      shutdownReturns(server);
      assertThat(done.await(30, TimeUnit.SECONDS)).as("the evaluation ended").isTrue();
      // ended by the shutdown's cancellation: no deadline could have ended it yet
      assertThat(ended.get()).isEqualTo("eval_cancel_error: evaluation cancelled");
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void issue14_shutdownReturnsEvenWhenACheckIgnoresTheInterrupt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean letGo = new AtomicBoolean();
    AtomicBoolean spinning = new AtomicBoolean(true);
    CheckServer server =
        start(
            (p, i) -> {
              started.countDown();
              // one long builtin call that never looks at interrupts: it ends when the test
              // lets it go (or, should the test fail first, after a while)
              long until = System.nanoTime() + NEVER_IN_A_TEST.toNanos();
              while (!letGo.get() && System.nanoTime() < until) {
                Thread.onSpinWait();
              }
              spinning.set(false);
              throw new IllegalStateException("should have been left behind");
            });
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      checkInFlight(ch, started);
      shutdownReturns(server);
      assertThat(spinning.get()).as("the check is still running: it was left behind").isTrue();
    } finally {
      letGo.set(true);
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
