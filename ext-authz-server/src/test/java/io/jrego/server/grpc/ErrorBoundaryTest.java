package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.engine.value.Json;
import io.jrego.server.ProcessGuardAccess;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 5 and "requests that die by an Error are not counted": an {@link Error} thrown
 * while a check is evaluated used to escape the service, kill the worker thread and go uncounted.
 * {@link ErrorBoundary} counts it, logs it once, answers as configured (failing closed) and keeps
 * the thread; an error that leaves the JVM unusable goes to the process guard, which exits.
 */
class ErrorBoundaryTest {

  @AfterEach
  void uninstallGuard() {
    ProcessGuardAccess.uninstall();
  }

  private static CheckServer start(FakePolicy.Decide decide, OnError onError, ServerMetrics metrics)
      throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(ActivePolicy.oneBundle(new FakePolicy(decide), "r", "test", Instant.now()));
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(1)
                .queueCapacity(16)
                .shutdownGrace(Duration.ofSeconds(1))
                .build(),
            new AuthorizationService(
                policies,
                metrics,
                AuthorizationService.Config.builder()
                    .onError(onError, 403)
                    .evalTimeout(Duration.ofSeconds(30))
                    .build()), // not about the deadline: room for a cold check
            policies);
    server.serve();
    return server;
  }

  private static CheckResponse check(ManagedChannel ch) {
    return AuthorizationGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(CheckRequest.getDefaultInstance());
  }

  private static double sample(ServerMetrics m, String prefix) {
    for (String line : m.scrape().lines().toList()) {
      if (line.startsWith(prefix + " ")) {
        return Double.parseDouble(line.substring(prefix.length() + 1));
      }
    }
    return 0;
  }

  @Test
  void issue14_aCheckThatDiesByAnErrorIsCountedAndFailsAndTheThreadLivesOn() throws Exception {
    ServerMetrics metrics = new ServerMetrics();
    AtomicInteger calls = new AtomicInteger();
    List<String> threads = new CopyOnWriteArrayList<>();
    FakePolicy.Decide decide =
        (p, i) -> {
          threads.add(Thread.currentThread().getName());
          if (calls.incrementAndGet() == 1) {
            throw new AssertionError("a bug in a library");
          }
          return Optional.of(Json.parse("true"));
        };
    try (CheckServer server = start(decide, OnError.GRPC_ERROR, metrics)) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        assertThatThrownBy(() -> check(ch))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                  assertThat(e.getStatus().getDescription()).isEqualTo("internal: AssertionError");
                });
        assertThat(check(ch).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(threads).hasSize(2);
    assertThat(threads.get(1)).as("one check thread, not replaced").isEqualTo(threads.get(0));
    assertThat(
            sample(
                metrics,
                "jrego_checks_total{phase=\"check\",reason=\"internal\",result=\"error\",service=\"ext_authz\"}"))
        .isEqualTo(1.0);
    assertThat(sample(metrics, "jrego_errors_total{error=\"AssertionError\",where=\"check\"}"))
        .isEqualTo(1.0);
  }

  @Test
  void issue14_withOnErrorDeny_anErrorIsADenialNotAPass() throws Exception {
    ServerMetrics metrics = new ServerMetrics();
    FakePolicy.Decide decide =
        (p, i) -> {
          throw new StackOverflowError();
        };
    try (CheckServer server = start(decide, OnError.DENY, metrics)) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        CheckResponse r = check(ch);
        assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
        assertThat(r.getDeniedResponse().getHeaders(0).getHeader().getValue())
            .isEqualTo("internal");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(sample(metrics, "jrego_errors_total{error=\"StackOverflowError\",where=\"check\"}"))
        .isEqualTo(1.0);
  }

  @Test
  void issue14_anOutOfMemoryErrorInACheckEndsTheProcess() throws Exception {
    ServerMetrics metrics = new ServerMetrics();
    List<Integer> halts = new CopyOnWriteArrayList<>();
    ProcessGuardAccess.install(metrics, halts::add);
    FakePolicy.Decide decide =
        (p, i) -> {
          throw new OutOfMemoryError("Java heap space");
        };
    try (CheckServer server = start(decide, OnError.GRPC_ERROR, metrics)) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        assertThatThrownBy(() -> check(ch)).isInstanceOf(StatusRuntimeException.class);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(halts).containsExactly(3);
  }
}
