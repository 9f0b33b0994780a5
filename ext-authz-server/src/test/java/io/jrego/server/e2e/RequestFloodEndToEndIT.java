package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jrego.server.envoy.TestRequests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: the memory held by requests queued for a check thread was bounded by nothing but the
 * queue's length (4,096 slots of up to 4 MiB each). A flood of near-maximum messages sent at once
 * to a {@code jrego serve} with its 128 MiB heap (160 of 0.9 MB) now meets the heap-derived limits:
 * the requests waiting for a thread never hold more than a quarter of the heap, the excess is
 * refused with RESOURCE_EXHAUSTED and counted, and the server answers an ordinary check afterwards.
 */
class RequestFloodEndToEndIT {

  /** Calls in the flood, all sent at once over a few connections. */
  private static final int FLOOD = 160;

  /**
   * Under the 0.97 MiB message limit a 128 MiB heap and four check threads give (RequestLimits):
   * {@code --threads 2}, and one each for the long-evaluation slot and its waiting place.
   */
  private static final int BODY_CHARS = 900_000;

  @TempDir Path dir;

  @Test
  void issue14_aFloodOfLargeMessagesIsRefusedWithinTheHeapAndTheServerAnswersAfter()
      throws Exception {
    Path bundle = dir.resolve("bundle");
    Files.createDirectories(bundle);
    // the flood arrives far faster than four threads parse and map 0.9 MB each
    Files.writeString(
        bundle.resolve("policy.rego"),
        """
        package envoy.authz

        default allow := false
        allow if input.attributes.request.http.method == "POST"
        """);
    ServeProcess jrego = start(bundle);
    Process p = jrego.process();
    try {
      jrego.awaitServing(Duration.ofSeconds(60));
      int grpc = jrego.grpcPort();
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        channels.add(NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build());
      }
      try {
        Map<Status.Code, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        List<String> refusals = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(FLOOD);
        CheckRequest big = request("a".repeat(BODY_CHARS));
        for (int i = 0; i < FLOOD; i++) {
          AuthorizationGrpc.newStub(channels.get(i % channels.size()))
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .check(big, observer(outcomes, refusals, done));
        }
        assertThat(done.await(90, TimeUnit.SECONDS)).as("every call of the flood ended").isTrue();
        assertThat(p.isAlive()).as("jrego still running").isTrue();

        int ok = count(outcomes, Status.Code.OK);
        int refused = count(outcomes, Status.Code.RESOURCE_EXHAUSTED);
        assertThat(ok + refused)
            .as(
                "answered or refused, nothing else: %s %s%n%s",
                outcomes, failures(refusals), Files.readString(dir.resolve("err.txt")))
            .isEqualTo(FLOOD);
        assertThat(refused).as("the excess is refused").isPositive();
        assertThat(ok).as("and some were served").isPositive();
        synchronized (refusals) {
          assertThat(refusals)
              .allMatch(d -> d.startsWith("RESOURCE_EXHAUSTED overloaded: "), "says why");
        }

        String metrics = jrego.admin("/metrics").body();
        assertThat(metric(metrics, "jrego_requests_refused_total{limit=\"bytes\"}"))
            .as("refusals counted")
            .isEqualTo(refused);
        assertThat(metric(metrics, "jrego_requests_waiting_bytes")).isZero();
        assertThat(metric(metrics, "jrego_requests_open")).isZero();
        assertThat(
                metric(
                    metrics,
                    "jrego_checks_total{phase=\"check\",reason=\"overloaded\",result=\"error\","
                        + "service=\"ext_authz\"}"))
            .isEqualTo(refused);

        CheckResponse after =
            AuthorizationGrpc.newBlockingStub(channels.get(0))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(request("hello"));
        assertThat(after.getStatus().getCode()).as("an ordinary check after the flood").isZero();
      } finally {
        for (ManagedChannel ch : channels) {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
      assertThat(Files.readString(dir.resolve("err.txt")))
          .doesNotContain("OutOfMemoryError")
          .doesNotContain("OutOfDirectMemoryError");
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static List<String> failures(List<String> outcomes) {
    synchronized (outcomes) {
      return outcomes.stream().filter(d -> !d.startsWith("RESOURCE_EXHAUSTED")).limit(3).toList();
    }
  }

  private static int count(Map<Status.Code, AtomicInteger> outcomes, Status.Code code) {
    AtomicInteger n = outcomes.get(code);
    return n == null ? 0 : n.get();
  }

  private static StreamObserver<CheckResponse> observer(
      Map<Status.Code, AtomicInteger> outcomes, List<String> refusals, CountDownLatch done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(CheckResponse r) {}

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        outcomes.computeIfAbsent(s.getCode(), c -> new AtomicInteger()).incrementAndGet();
        synchronized (refusals) {
          refusals.add(s.getCode() + " " + s.getDescription());
        }
        done.countDown();
      }

      @Override
      public void onCompleted() {
        outcomes.computeIfAbsent(Status.Code.OK, c -> new AtomicInteger()).incrementAndGet();
        done.countDown();
      }
    };
  }

  private static CheckRequest request(String body) {
    return TestRequests.post("/upload").header("content-type", "text/plain").body(body).build();
  }

  /** A sample's value in Prometheus text, 0 when absent. */
  private static double metric(String scrape, String sample) {
    for (String line : scrape.lines().toList()) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return 0;
  }

  /**
   * {@code jrego serve} in its own JVM with serve's 128 MiB heap and two check threads (and two
   * more for long evaluations).
   */
  private ServeProcess start(Path bundle) throws IOException {
    return ServeProcess.start(
        dir,
        List.of("-Xms128m", "-Xmx128m", "-XX:+UseSerialGC"),
        List.of(
            "serve",
            "--bundle",
            bundle.toString(),
            "--threads",
            "2",
            "--eval-timeout",
            "5s",
            "--warm-up",
            "0s",
            "--addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0"));
  }
}
