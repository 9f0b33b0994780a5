package io.jrego.server.grpc;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Gets the Check path compiled before a server reports SERVING, so Envoy's first checks (deadline
 * often 0.5 s or less) do not meet an interpreter, and the JIT compiler does not compete with
 * traffic for the CPU for the first minute.
 *
 * <p>The made-up checks run through a throwaway copy of the server (same executor settings, on
 * 127.0.0.1 with a port of its own, a service with discarded metrics and no logging) over a real
 * HTTP/2 connection ({@link LoopbackCalls}): Netty, gRPC, protobuf, input mapping, the policy,
 * decision mapping. Running only the mapping and the policy in-process is not enough: the classes
 * the transport loads later invalidate what the JIT compiled under the assumption that they did not
 * exist (class-hierarchy deoptimisation), and the transport is half of what gets compiled.
 *
 * <p>It stops at the budget, or earlier once the JIT has settled: two windows of 500 ms in a row in
 * which the compiler worked less than 5% of the time ({@link JitActivity}). If the copy cannot
 * listen, the checks run in-process instead.
 */
final class WarmUp {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");

  /** Checks in flight at once: enough to keep every executor thread busy. */
  private static final int OUTSTANDING = 8;

  /** A window is quiet when the compiler worked less than this share of it. */
  private static final double SETTLED_SHARE = 0.05;

  private static final Duration WINDOW = Duration.ofMillis(500);

  private static final int QUIET_WINDOWS = 2;

  /** At least this many checks, whatever the JIT says: it compiles nothing until code is hot. */
  private static final int MIN_CHECKS = 5_000;

  private WarmUp() {}

  /** What a warm-up did, for the log. */
  record Result(long checks, Duration took, boolean settled, String how) {}

  /**
   * Runs made-up checks on a throwaway copy of a server for up to {@code budget}.
   *
   * @param config the real server's settings (threads, queue, message size)
   * @param service the real server's service; the copy shares its policy and configuration
   * @param policies the active policy
   */
  static Result run(
      CheckServer.Config config,
      AuthorizationService service,
      PolicyHolder policies,
      Duration budget) {
    long start = System.nanoTime();
    long deadline = start + budget.toNanos();
    Settling jit = new Settling();
    AuthorizationService quiet = service.forWarmUp();
    CheckServer.Config copy =
        new CheckServer.Config(
            new ListenAddress.Tcp("127.0.0.1", 0),
            config.maxRecvBytes(),
            threads(config.threads()),
            config.queueCapacity(),
            false,
            Duration.ofSeconds(1),
            Duration.ZERO);
    long checks;
    String how;
    try (CheckServer server = CheckServer.startCopy(copy, quiet, policies)) {
      checks = overTheWire(server.port(), deadline, jit);
      how = "over loopback gRPC";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      checks = 0;
      how = "interrupted";
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, "warm-up server unavailable, warming up in-process: {0}", e.toString());
      checks = inProcess(quiet, deadline, jit);
      how = "in-process";
    }
    return new Result(checks, Duration.ofNanos(System.nanoTime() - start), jit.settled, how);
  }

  /**
   * The copy's check threads: the real server's, but no more than the processors. Made-up checks
   * only compute, so more threads would not warm up faster; they would take a larger share of the
   * cores from whatever shares them (another replica on the same machine taking the traffic while
   * this one restarts).
   */
  static int threads(int configured) {
    return Math.min(
        CheckServer.threadCount(configured),
        Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  private static long overTheWire(int port, long deadline, Settling jit)
      throws IOException, InterruptedException {
    List<byte[]> messages =
        WarmUpRefusals.mixedInto(samples()).stream().map(CheckRequest::toByteArray).toList();
    try (LoopbackCalls calls = new LoopbackCalls(port)) {
      return calls.run(
          "/" + AuthorizationGrpc.getCheckMethod().getFullMethodName(),
          messages,
          OUTSTANDING,
          new Stop(deadline, jit));
    }
  }

  /** Stops at the deadline, or once enough checks ran and the JIT has settled. */
  private static final class Stop implements BooleanSupplier {
    private final long deadline;
    private final Settling jit;
    private long asked;

    Stop(long deadline, Settling jit) {
      this.deadline = deadline;
      this.jit = jit;
    }

    @Override
    public boolean getAsBoolean() {
      return System.nanoTime() >= deadline || (++asked >= MIN_CHECKS && jit.settled());
    }
  }

  private static long inProcess(AuthorizationService quiet, long deadline, Settling jit) {
    List<CheckRequest> samples = WarmUpRefusals.mixedInto(samples());
    StreamObserver<CheckResponse> discard =
        new StreamObserver<>() {
          @Override
          public void onNext(CheckResponse value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
    Stop stop = new Stop(deadline, jit);
    long n = 0;
    while (!stop.getAsBoolean()) {
      quiet.check(samples.get((int) (n % samples.size())), discard);
      n++;
    }
    return n;
  }

  /** Settled once the compiler did almost nothing for {@link #QUIET_WINDOWS} windows in a row. */
  private static final class Settling {
    private final JitActivity jit = new JitActivity();
    private long windowStart = System.nanoTime();
    private long workAtWindowStart = jit.nanos();
    private int quietWindows;
    private boolean settled;

    /** Checked often; looks at the compiler once per window. */
    boolean settled() {
      if (settled || !jit.supported()) {
        return settled;
      }
      long now = System.nanoTime();
      long elapsed = now - windowStart;
      if (elapsed < WINDOW.toNanos()) {
        return false;
      }
      long work = jit.nanos();
      boolean quiet = work - workAtWindowStart < elapsed * SETTLED_SHARE;
      quietWindows = quiet ? quietWindows + 1 : 0;
      settled = quietWindows >= QUIET_WINDOWS;
      windowStart = now;
      workAtWindowStart = work;
      return settled;
    }
  }

  /**
   * Made-up requests in the shapes Envoy sends: a JSON chat completion, a form post, a GET with a
   * query, a request without a caller identity. They need not be allowed by the policy: any answer
   * runs the code.
   */
  static List<CheckRequest> samples() {
    String chat =
        "{\"model\":\"warmup\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are a helpful assistant. Answer briefly.\"},"
            + "{\"role\":\"user\",\"content\":\"Where is my order 10042? It was placed last week.\"},"
            + "{\"role\":\"assistant\",\"content\":\"It left the warehouse on Monday.\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And order 10142?\"}]}"
            + "],\"max_completion_tokens\":256,\"temperature\":0.2,\"stream\":false}";
    return List.of(
        request(
            "spiffe://cluster.local/ns/warmup/sa/warmup",
            "POST",
            "/v1/chat/completions",
            "application/json",
            chat),
        request(
            "spiffe://cluster.local/ns/warmup/sa/warmup",
            "GET",
            "/v1/models?limit=10&order=desc",
            "",
            ""),
        request(
            "spiffe://cluster.local/ns/warmup/sa/warmup",
            "POST",
            "/v1/feedback",
            "application/x-www-form-urlencoded",
            "rating=5&comment=fine+thanks"),
        request("", "GET", "/", "", ""));
  }

  private static CheckRequest request(
      String principal, String method, String path, String contentType, String body) {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setId("0")
            .setMethod(method)
            .setPath(path)
            .setHost("localhost")
            .setScheme("https")
            .setProtocol("HTTP/1.1")
            .putHeaders(":authority", "localhost")
            .putHeaders(":method", method)
            .putHeaders(":path", path)
            .putHeaders(":scheme", "https")
            .putHeaders("accept", "*/*")
            .putHeaders("user-agent", "jrego-warmup")
            .putHeaders("x-forwarded-proto", "https")
            .putHeaders("x-request-id", "00000000-0000-4000-8000-000000000000");
    if (!contentType.isEmpty()) {
      http.putHeaders("content-type", contentType)
          .putHeaders("content-length", String.valueOf(body.length()))
          .setBody(body)
          .setSize(body.length());
    }
    AttributeContext.Peer.Builder source =
        AttributeContext.Peer.newBuilder().setAddress(address("127.0.0.1", 50000));
    if (!principal.isEmpty()) {
      source.setPrincipal(principal);
    }
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(source)
                .setDestination(
                    AttributeContext.Peer.newBuilder().setAddress(address("127.0.0.1", 8000)))
                .setRequest(
                    AttributeContext.Request.newBuilder()
                        .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1767225600))
                        .setHttp(http)))
        .build();
  }

  private static Address address(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }
}
