package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.value.BooleanValue;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: calls waiting for a check thread were bounded by a queue whose overflow gRPC answered
 * with a reset stream and a logged stack trace, and the memory they held by nothing but the queue's
 * length. The limits now follow the heap ({@link RequestLimits}) and the calls over them are
 * refused cleanly, RESOURCE_EXHAUSTED, and counted. The bytes limit is shown by a flood against a
 * real {@code jrego serve} ({@code RequestFloodEndToEndIT}).
 */
class RequestLimitsTest {

  @Test
  void limitsFollowTheHeap() {
    // serve's heap: 2 MiB messages, a quarter of the heap may wait
    RequestLimits serve = RequestLimits.forHeap(128L << 20, 2, 4 << 20, 4096);
    assertThat(serve.maxMessageBytes()).isEqualTo(2 << 20);
    assertThat(serve.maxHeldBytes()).isEqualTo(32L << 20);
    assertThat(serve.maxCalls()).isEqualTo(2 + 2048);
    // more threads share the same quarter: each one's message gets smaller
    assertThat(RequestLimits.forHeap(128L << 20, 16, 4 << 20, 4096).maxMessageBytes())
        .isEqualTo(256 << 10);
    // a big heap keeps what was configured
    RequestLimits big = RequestLimits.forHeap(8L << 30, 4, 4 << 20, 4096);
    assertThat(big.maxMessageBytes()).isEqualTo(4 << 20);
    assertThat(big.maxCalls()).isEqualTo(4 + 4096);
    // a tiny heap still reads ordinary checks
    assertThat(RequestLimits.forHeap(2L << 20, 2, 4 << 20, 4096).maxMessageBytes())
        .isEqualTo(RequestLimits.MIN_MESSAGE_BYTES);
  }

  @Test
  void everyRefusedSeriesIsThereAtZero_beforeTheFirstRefusal() {
    ServerMetrics metrics = new ServerMetrics();
    RequestGate unused =
        new RequestGate(
            RequestLimits.forHeap(128L << 20, 2, 4 << 20, 4096),
            Runnable::run,
            metrics,
            reason -> Optional.empty());
    assertThat(metrics.scrape())
        .contains("jrego_requests_refused_total{limit=\"calls\"} 0.0")
        .contains("jrego_requests_refused_total{limit=\"bytes\"} 0.0")
        .contains("jrego_requests_refused_total{limit=\"message\"} 0.0");
  }

  @Test
  void callsOverTheLimitAreRefusedResourceExhaustedAndCounted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy(
                (path, input) -> {
                  started.incrementAndGet();
                  try {
                    release.await(60, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return Optional.of(BooleanValue.TRUE);
                }),
            "r",
            "test",
            Instant.now()));
    ServerMetrics metrics = new ServerMetrics();
    // one thread, one waiting: two calls open at most
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(1)
                .queueCapacity(1)
                .shutdownGrace(Duration.ofSeconds(1))
                .build(),
            new AuthorizationService(
                policies,
                metrics,
                // the held check must not end at its own deadline while the test looks
                AuthorizationService.Config.builder().evalTimeout(Duration.ofSeconds(30)).build()),
            policies);
    server.serve();
    assertThat(server.limits().maxCalls()).isEqualTo(2);
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      CountDownLatch both = new CountDownLatch(2);
      for (int i = 0; i < 2; i++) {
        AuthorizationGrpc.newStub(ch)
            .check(
                CheckRequest.getDefaultInstance(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(CheckResponse r) {}

                  @Override
                  public void onError(Throwable t) {
                    both.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    both.countDown();
                  }
                });
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while ((started.get() < 1 || server.openCalls() < 2) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(server.openCalls()).as("one running, one waiting").isEqualTo(2);

      // each on a connection of its own: on the first, HTTP/2's concurrent-stream limit (the same
      // two) keeps a third call waiting in the client. Refused at once, not queued: a queued call
      // would wait for a check thread, and the two held keep theirs until release, after these
      // calls' 10 s deadline (DEADLINE_EXCEEDED, not RESOURCE_EXHAUSTED)
      for (int i = 0; i < 5; i++) {
        ManagedChannel other =
            NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
          AuthorizationGrpc.newBlockingStub(other)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(CheckRequest.getDefaultInstance());
          throw new AssertionError("a third call was let in");
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription())
              .startsWith("overloaded: 2 calls are open (running or waiting for a check thread)");
        } finally {
          other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      String scrape = metrics.scrape();
      assertThat(scrape).contains("jrego_requests_refused_total{limit=\"calls\"} 5.0");
      assertThat(scrape)
          .contains(
              "jrego_checks_total{phase=\"check\",reason=\"overloaded\",result=\"error\","
                  + "service=\"ext_authz\"} 5.0");

      release.countDown();
      assertThat(both.await(30, TimeUnit.SECONDS)).as("the two let in are answered").isTrue();
      // released when the server sees the calls complete, just after the client has its answers
      long released = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (server.openCalls() > 0 && System.nanoTime() < released) {
        Thread.sleep(10);
      }
      // the permits are back: a new call is served
      assertThat(
              AuthorizationGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(CheckRequest.getDefaultInstance())
                  .getStatus()
                  .getCode())
          .isZero();
      // released when the server sees the call complete, just after the client has its answer
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (server.openCalls() > 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(server.openCalls()).isZero();
    } finally {
      release.countDown();
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdown();
    }
  }

  /**
   * Issue 9: a message over the limit was refused by gRPC without a word from jrego, so a streamed
   * answer Envoy cut looked like a network fault. It is now counted and logged, with the limit.
   */
  @Test
  void aMessageOverTheLimitIsRefusedCountedAndLogged() throws Exception {
    PolicyHolder policies = FakePolicy.holderAllowingEverything();
    ServerMetrics metrics = new ServerMetrics();
    LogCapture log = new LogCapture("io.jrego.server.grpc").attach();
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(1)
                .maxRecvBytes(100_000)
                .shutdownGrace(Duration.ofSeconds(1))
                .build(),
            new AuthorizationService(
                policies, metrics, AuthorizationService.Config.builder().build()),
            policies);
    server.serve();
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      var stub = AuthorizationGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      for (int i = 0; i < 2; i++) {
        try {
          stub.check(TestRequests.post("/big").body("x".repeat(200_000)).build());
          throw new AssertionError("a 200 KB message was read under a 100,000-byte limit");
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
      }
      // a message under the limit still passes
      assertThat(
              stub.check(TestRequests.post("/small").body("x".repeat(50_000)).build())
                  .getStatus()
                  .getCode())
          .isZero();
      String want = "jrego_requests_refused_total{limit=\"message\"} 2.0";
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!metrics.scrape().contains(want) && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(metrics.scrape()).contains(want);
      List<String> warnings =
          log.records.stream()
              .filter(r -> r.getLevel().equals(java.util.logging.Level.WARNING))
              .map(r -> new java.text.MessageFormat(r.getMessage()).format(r.getParameters()))
              .toList();
      assertThat(warnings).as("one warning per interval, every refusal counted").hasSize(1);
      assertThat(warnings.get(0))
          .contains("refused a Check message over this server's limit of 100,000 bytes")
          .contains("gRPC message exceeds maximum size 100000")
          .contains("--max-recv-msg-size")
          .contains("per_connection_buffer_limit_bytes");
    } finally {
      log.close();
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdown();
    }
  }
}
