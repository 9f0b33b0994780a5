package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real (Netty) server on TCP and on a Unix domain socket. */
class CheckServerTest {

  @TempDir Path dir;

  private static CheckServer start(ListenAddress address) throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy((p, i) -> Optional.of(Json.parse("true"))), "r", "test", Instant.now()));
    return CheckServer.start(
        CheckServer.Config.builder(address)
            .queueCapacity(16)
            .reflection(true)
            .shutdownGrace(Duration.ofSeconds(1))
            .build(),
        new AuthorizationService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30))),
        policies);
  }

  private static int check(ManagedChannel ch) {
    return AuthorizationGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(CheckRequest.getDefaultInstance())
        .getStatus()
        .getCode();
  }

  @Test
  void servesOnAnEphemeralTcpPort() throws Exception {
    try (CheckServer server = start(new ListenAddress.Tcp("127.0.0.1", 0))) {
      assertThat(server.port()).isPositive();
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        assertThat(check(ch)).isEqualTo(Code.OK_VALUE);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A server on an ephemeral TCP port with a 1 s warm-up budget, whose policy counts its
   * evaluations in {@code evaluations} and answers {@code decision} (empty: undefined).
   */
  private static CheckServer startWithWarmUp(
      AtomicLong evaluations, Optional<String> decision, ServerMetrics metrics) throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy(
                (p, i) -> {
                  evaluations.incrementAndGet();
                  return decision.map(Json::parse);
                }),
            "r",
            "test",
            Instant.now()));
    return CheckServer.start(
        CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
            .threads(2)
            .queueCapacity(16)
            .shutdownGrace(Duration.ofSeconds(1))
            .warmUp(Duration.ofSeconds(1))
            .build(),
        new AuthorizationService(
            policies,
            metrics,
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30))),
        policies);
  }

  @Test
  void serve_warmsUpOnACopyThenReportsServing_withoutCountingTheWarmUpChecks() throws Exception {
    AtomicLong evaluations = new AtomicLong();
    ServerMetrics metrics = new ServerMetrics();
    try (CheckServer server = startWithWarmUp(evaluations, Optional.of("true"), metrics)) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health =
            HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        HealthCheckRequest all = HealthCheckRequest.getDefaultInstance();
        assertThat(health.check(all).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(server.serving()).isFalse();

        server.serve();

        assertThat(evaluations.get()).isPositive();
        assertThat(server.serving()).isTrue();
        assertThat(health.check(all).getStatus()).isEqualTo(ServingStatus.SERVING);
        // the series exist from the start (at 0); the warm-up's checks are not counted in them
        assertThat(metrics.scrape())
            .contains(
                "jrego_checks_total{phase=\"check\",reason=\"policy\",result=\"allow\",service=\"ext_authz\"} 0.0")
            .doesNotContainPattern("jrego_checks_total\\{[^}]*} [1-9]");
        assertThat(check(ch)).isEqualTo(Code.OK_VALUE);
        assertThat(metrics.scrape())
            .contains(
                "jrego_checks_total{phase=\"check\",reason=\"policy\",result=\"allow\",service=\"ext_authz\"} 1.0");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void serve_finishesTheWarmUpWhenEveryMadeUpCheckFails() throws Exception {
    AtomicLong evaluations = new AtomicLong();
    // undefined: every check is an error
    try (CheckServer server = startWithWarmUp(evaluations, Optional.empty(), new ServerMetrics())) {
      server.serve();
      assertThat(evaluations.get()).isPositive();
      assertThat(server.serving()).isTrue();
    }
  }

  /**
   * The fault matrix's cpu-policy phase: a cheap check must not wait for expensive ones that hold
   * twice as many check threads as there are processors (each up to --eval-timeout), so the default
   * leaves threads to spare.
   */
  @Test
  void defaultThreads_answerACheapCheckWhileTwiceAsManyChecksAsProcessorsAreBusy()
      throws Exception {
    int slowChecks = 2 * Runtime.getRuntime().availableProcessors();
    assertThat(CheckServer.threadCount(0)).isGreaterThan(slowChecks).isGreaterThanOrEqualTo(8);
    assertThat(CheckServer.threadCount(3)).isEqualTo(3);
    // the warm-up's made-up checks only compute: no more threads than processors
    assertThat(WarmUp.threads(0)).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(WarmUp.threads(1)).isEqualTo(1);

    CountDownLatch busy = new CountDownLatch(slowChecks);
    CountDownLatch release = new CountDownLatch(1);
    Value slow = Json.parse("[\"slow\"]");
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy(
                (p, i) -> {
                  if (((ObjectValue) i).get("parsed_path").orElseThrow().equals(slow)) {
                    busy.countDown();
                    try {
                      release.await(90, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return Optional.of(Json.parse("true"));
                }),
            "r",
            "test",
            Instant.now()));
    try (CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .queueCapacity(1024)
                .shutdownGrace(Duration.ofSeconds(1))
                .build(),
            new AuthorizationService(
                policies,
                new ServerMetrics(),
                AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30))),
            policies)) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        AuthorizationGrpc.AuthorizationStub async =
            AuthorizationGrpc.newStub(ch).withDeadlineAfter(120, TimeUnit.SECONDS);
        List<CompletableFuture<CheckResponse>> held = new ArrayList<>();
        for (int n = 0; n < slowChecks; n++) {
          RecordingObserver<CheckResponse> answer = new RecordingObserver<>();
          async.check(withPath("/slow"), answer);
          held.add(answer.firstResponse());
        }
        assertThat(busy.await(30, TimeUnit.SECONDS)).as("every slow check holds a thread").isTrue();

        CheckResponse cheap =
            AuthorizationGrpc.newBlockingStub(ch)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(withPath("/cheap"));

        assertThat(cheap.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(held).noneMatch(CompletableFuture::isDone);
        release.countDown();
        for (CompletableFuture<CheckResponse> f : held) {
          assertThat(f.get(30, TimeUnit.SECONDS).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        }
      } finally {
        release.countDown();
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static CheckRequest withPath(String path) {
    return TestRequests.get(path).build();
  }

  @Test
  void servesOnAUnixDomainSocket() throws Exception {
    Path socket = dir.resolve("jrego.sock");
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try (CheckServer server = start(new ListenAddress.Unix(socket))) {
      assertThat(server.port()).isEqualTo(-1);
      ManagedChannel ch =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .channelType(EpollDomainSocketChannel.class)
              .eventLoopGroup(group)
              .usePlaintext()
              .build();
      try {
        assertThat(check(ch)).isEqualTo(Code.OK_VALUE);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
