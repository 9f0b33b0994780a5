package io.jrego.loadtests;

import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.decisionlog.DecisionLogger;
import io.jrego.server.decisionlog.DecisionLogs;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.tracing.Tracing;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost per Check of decision logging and tracing: the same in-process Check ({@code
 * AuthorizationService.check} on the mix's request) with nothing recorded ({@code off}), with
 * decision logs uploaded to a receiver on loopback with the default mask ({@code upload}), with a
 * span per check exported over OTLP/HTTP to a receiver on loopback ({@code trace}), and with both
 * ({@code both}). The logger's and the exporter's background threads run beside the check thread,
 * as in the server; the events the logger could not keep up with are printed at the end of each
 * trial (dropped: the check never waits for the log).
 *
 * <p>{@code java -jar load-tests/target/benchmarks.jar ObservabilityBenchmark -p root=$PWD} (p50
 * and p99 from {@code -bm sample}); {@code -p vary=ids} gives each check its own request id and
 * trace context.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ObservabilityBenchmark {

  @Param({"ai-gateway"})
  public String mix;

  @Param({"off", "upload", "trace", "both"})
  public String observe;

  @Param({"."})
  public String root;

  /**
   * {@code same}: every check sends the same request; {@code ids}: each carries its own {@code
   * x-request-id} and {@code traceparent}, as real traffic does, so strings the logger has seen
   * before are not all an event holds (the request is rebuilt per check in every arm).
   */
  @Param({"same"})
  public String vary;

  private long sequence;

  private AuthorizationService service;
  private CheckRequest request;
  private HttpServer receiver;
  private DecisionLogger logger;
  private Tracing tracing;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    EvalBenchmark.Mix m = EvalBenchmark.Mix.named(mix);
    Path base = Path.of(root);
    PolicyHolder holder = new PolicyHolder();
    holder.activate(JregoServer.load(base.resolve(m.policyDir())));
    request = CheckRequests.fromInputFile(base.resolve(m.input()));
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    receiver.start();
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort();
    DecisionRecorder recorder = DecisionRecorder.none();
    if (observe.equals("upload") || observe.equals("both")) {
      logger =
          DecisionLogs.start(
              DecisionLogger.Config.defaults(Map.of("id", "bench", "version", "bench")),
              List.of("service:" + url + "/logs"),
              DecisionLogs.FileOptions.defaults(),
              DecisionLogs.UploadOptions.defaults(),
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      recorder = logger;
    }
    if (observe.equals("trace") || observe.equals("both")) {
      tracing =
          Tracing.start(
              new Tracing.Config(
                  URI.create(url + "/v1/traces"), "bench", 1.0, Duration.ofSeconds(10)));
      recorder = DecisionRecorder.traced(tracing, recorder);
    }
    service =
        new AuthorizationService(
            holder, new ServerMetrics(), AuthorizationService.Config.defaults(), recorder);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (tracing != null) {
      tracing.close(Duration.ofSeconds(5));
    }
    if (logger != null) {
      logger.close(Duration.ofSeconds(5));
      System.out.printf(
          "%n[%s] decision log events written %d, dropped (queue full) %d, (buffer) %d%n",
          observe,
          logger.stats().written(),
          logger.stats().dropped("queue_full"),
          logger.stats().dropped("buffer_size_limit_bytes_exceeded"));
    }
    receiver.stop(0);
  }

  @Benchmark
  public CheckResponse check() {
    Capture c = new Capture();
    service.check(vary.equals("ids") ? withIds(++sequence) : request, c);
    return c.response;
  }

  private CheckRequest withIds(long n) {
    CheckRequest.Builder b = request.toBuilder();
    b.getAttributesBuilder()
        .getRequestBuilder()
        .getHttpBuilder()
        .putHeaders("x-request-id", String.format("%016x-%08x", n * 0x9E3779B97F4A7C15L, n))
        .putHeaders("traceparent", String.format("00-%016x%016x-%016x-01", n, ~n, n * 31 + 7));
    return b.build();
  }

  private static final class Capture implements StreamObserver<CheckResponse> {
    CheckResponse response;

    @Override
    public void onNext(CheckResponse r) {
      response = r;
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
