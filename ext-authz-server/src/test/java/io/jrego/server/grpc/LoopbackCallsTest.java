package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The warm-up's own HTTP/2 client against the real (Netty) server. */
class LoopbackCallsTest {

  private static final String METHOD = "/" + AuthorizationGrpc.getCheckMethod().getFullMethodName();

  private final PolicyHolder policies = new PolicyHolder();
  private final ConcurrentLinkedQueue<Value> inputs = new ConcurrentLinkedQueue<>();

  private CheckServer start(FakePolicy.Decide decide) throws Exception {
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy(
                (path, input) -> {
                  inputs.add(input);
                  return decide.decide(path, input);
                }),
            "r",
            "test",
            Instant.now()));
    return CheckServer.start(
        CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
            .threads(2)
            .queueCapacity(16)
            .shutdownGrace(Duration.ofSeconds(1))
            .build(),
        new AuthorizationService(
                policies,
                new ServerMetrics(),
                AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)))
            .forWarmUp(), // no log line per failed check
        policies);
  }

  private static CheckRequest request(String path, String body) {
    return TestRequests.post(path).header("content-type", "text/plain").body(body).build();
  }

  /** Stops after {@code n} calls. */
  private static java.util.function.BooleanSupplier after(int n) {
    AtomicInteger asked = new AtomicInteger();
    return () -> asked.getAndIncrement() >= n;
  }

  @Test
  void run_sendsEveryCallWholeAndCountsTheAnswers() throws Exception {
    String big = "x".repeat(40_000); // more than two DATA frames
    List<byte[]> messages =
        List.of(
            LoopbackCalls.framed(List.of(request("/a", "").toByteArray())),
            LoopbackCalls.framed(List.of(request("/b", big).toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.of(Json.parse("true")));
        LoopbackCalls calls = new LoopbackCalls(server.port())) {
      assertThat(calls.run(METHOD, messages, 4, after(50))).isEqualTo(50);
    }
    assertThat(inputs).hasSize(50);
    assertThat(inputs.stream().map(Value::toString))
        .filteredOn(s -> s.contains("\"b\"") && s.contains(big))
        .hasSize(25);
  }

  @Test
  void run_countsErrorAnswersAsAnswers() throws Exception {
    List<byte[]> messages = List.of(LoopbackCalls.framed(List.of(request("/a", "").toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.empty()); // undefined: UNKNOWN
        LoopbackCalls calls = new LoopbackCalls(server.port())) {
      assertThat(calls.run(METHOD, messages, 8, after(30))).isEqualTo(30);
    }
    assertThat(inputs).hasSize(30);
  }
}
