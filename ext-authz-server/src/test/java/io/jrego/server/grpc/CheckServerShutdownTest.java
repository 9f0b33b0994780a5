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
import io.jrego.engine.base.RegoException;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
  private static final Duration BOUND = GRACE.plus(CheckServer.CANCEL_WAIT.multipliedBy(2));

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
                policies, new ServerMetrics(), AuthorizationService.Config.defaults()),
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
    // a billion iterations: the 5 s evaluation deadline would end it, long after the grace period
    PreparedPolicy loop =
        Rego.builder()
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
      long t0 = System.nanoTime();
      server.shutdown();
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(took).isLessThan(BOUND);
      assertThat(done.await(1, TimeUnit.SECONDS)).isTrue();
      assertThat(ended.get()).isEqualTo("eval_cancel_error: evaluation cancelled");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void issue14_shutdownReturnsEvenWhenACheckIgnoresTheInterrupt() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CheckServer server =
        start(
            (p, i) -> {
              started.countDown();
              long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
              while (System.nanoTime() < until) {
                Thread.onSpinWait(); // one long builtin call that never looks at interrupts
              }
              throw new IllegalStateException("should have been left behind");
            });
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      checkInFlight(ch, started);
      long t0 = System.nanoTime();
      server.shutdown();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BOUND.plusSeconds(1));
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
