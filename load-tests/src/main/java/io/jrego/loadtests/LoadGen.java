package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator: sends the same request (an OPA-Envoy input document turned into a
 * CheckRequest, or OPA's REST body for it) to a Check server over gRPC, or to OPA's REST data API
 * over HTTP/1.1, and prints one JSON line of results.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.LoadGen \
 *   --target grpc://127.0.0.1:9191 | http://127.0.0.1:8181/v1/data/envoy/authz/allow \
 *   --input load-tests/inputs/rbac.json --plan closed,open:500,open:2000 \
 *   [--concurrency 16] [--duration 5] [--warmup 3]
 * </pre>
 *
 * <p>Closed loop: {@code concurrency} requests always outstanding, each answered one followed at
 * once by the next, for maximum throughput; latency is each request's own. Open loop: requests
 * start on a fixed schedule ({@code rate} per second) whether or not earlier ones are answered, and
 * each latency is measured from the time the request was <em>due</em>, not from when it was sent,
 * so a stalled server is charged for every request it delayed (no coordinated omission; the same
 * correction wrk2 makes). At most 20,000 requests are outstanding; past that the schedule waits,
 * and the wait is still counted in the latency.
 *
 * <p>First a closed-loop warm-up ({@code warmup} seconds), then each phase of the plan for {@code
 * duration} seconds. Around each phase it prints {@code phase-start I} and {@code phase-end I} (the
 * driver samples the server's CPU time there), then the phase's results as one JSON line, all on
 * stdout. Bounded: at most 20 phases, each limited in time, each drain afterwards to 10 s.
 */
public final class LoadGen {

  private static final long MAX_OUTSTANDING = 20_000;

  private LoadGen() {}

  /** One kind of target: starts a request and reports its outcome to {@code done}. */
  private interface Target extends AutoCloseable {
    void send(Outcome done);

    @Override
    void close();
  }

  /** What happened to one request. */
  @FunctionalInterface
  private interface Outcome {
    /** {@code result}: 1 allowed, 0 denied, -1 failed. */
    void done(int result);
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> o = options(args);
    String target = o.getOrDefault("target", "grpc://127.0.0.1:9191");
    Path input = Path.of(o.getOrDefault("input", "load-tests/inputs/rbac.json"));
    int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "16"));
    double duration = Double.parseDouble(o.getOrDefault("duration", "5"));
    double warmup = Double.parseDouble(o.getOrDefault("warmup", "3"));
    List<String> plan = List.of(o.getOrDefault("plan", "closed").split(","));
    if (duration <= 0 || duration > 600 || warmup < 0 || warmup > 600 || plan.size() > 20) {
      throw new IllegalArgumentException("duration and warm-up within 0..600 s, at most 20 phases");
    }
    try (Target t = target.startsWith("grpc://") ? grpc(target, input) : http(target, input)) {
      closed(t, concurrency, warmup, new Stats());
      for (int i = 0; i < plan.size(); i++) {
        String phase = plan.get(i);
        Stats measured = new Stats();
        System.out.println("phase-start " + i);
        System.out.flush();
        if (phase.equals("closed")) {
          closed(t, concurrency, duration, measured);
          System.out.println("phase-end " + i);
          System.out.println(measured.json("closed", concurrency, 0));
        } else if (phase.startsWith("open:")) {
          double rate = Double.parseDouble(phase.substring("open:".length()));
          if (rate <= 0 || rate > 1_000_000) {
            throw new IllegalArgumentException("rate within 0..1,000,000 per second: " + phase);
          }
          open(t, rate, duration, measured);
          System.out.println("phase-end " + i);
          System.out.println(measured.json("open", 0, rate));
        } else {
          throw new IllegalArgumentException("a phase is closed or open:RATE, not " + phase);
        }
        System.out.flush();
      }
    }
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      o.put(args[i].substring(2), args[i + 1]);
    }
    return o;
  }

  /** Latencies and outcomes of one phase. */
  private static final class Stats {
    final Recorder latency = new Recorder(3);
    final AtomicLong allowed = new AtomicLong();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    long startNanos;
    long endNanos;

    void record(long dueNanos, int result) {
      latency.recordValue(Math.max(1, System.nanoTime() - dueNanos));
      (result > 0 ? allowed : result == 0 ? denied : failed).incrementAndGet();
    }

    String json(String mode, int concurrency, double rate) {
      Histogram h = latency.getIntervalHistogram();
      double seconds = (endNanos - startNanos) / 1e9;
      long n = allowed.get() + denied.get() + failed.get();
      return String.format(
          Locale.ROOT,
          "{\"mode\":\"%s\",\"concurrency\":%d,\"target_rate\":%.1f,\"seconds\":%.3f,"
              + "\"requests\":%d,\"allowed\":%d,\"denied\":%d,\"errors\":%d,\"rps\":%.1f,"
              + "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
              + "\"max_us\":%.1f,\"mean_us\":%.1f}",
          mode,
          concurrency,
          rate,
          seconds,
          n,
          allowed.get(),
          denied.get(),
          failed.get(),
          n / seconds,
          h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(90) / 1e3,
          h.getValueAtPercentile(99) / 1e3,
          h.getValueAtPercentile(99.9) / 1e3,
          h.getMaxValue() / 1e3,
          h.getMean() / 1e3);
    }
  }

  private static void closed(Target t, int concurrency, double seconds, Stats stats)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    Semaphore finished = new Semaphore(0);
    stats.startNanos = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      new Runnable() {
        @Override
        public void run() {
          long start = System.nanoTime();
          if (start >= deadline) {
            finished.release();
            return;
          }
          t.send(
              result -> {
                stats.record(start, result);
                run();
              });
        }
      }.run();
    }
    if (!finished.tryAcquire(concurrency, (long) (seconds * 1e3) + 10_000, TimeUnit.MILLISECONDS)) {
      System.err.println("warning: requests still outstanding 10 s after the end");
    }
    stats.endNanos = System.nanoTime();
  }

  private static void open(Target t, double rate, double seconds, Stats stats)
      throws InterruptedException {
    long interval = (long) (1e9 / rate);
    long count = (long) (rate * seconds);
    Semaphore outstanding = new Semaphore((int) MAX_OUTSTANDING);
    long start = System.nanoTime();
    stats.startNanos = start;
    for (long i = 0; i < count; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      outstanding.acquire();
      t.send(
          result -> {
            stats.record(due, result);
            outstanding.release();
          });
    }
    // the measured window is the schedule; answers still due are drained and recorded
    stats.endNanos = Math.max(System.nanoTime(), start + count * interval);
    if (!outstanding.tryAcquire((int) MAX_OUTSTANDING, 10, TimeUnit.SECONDS)) {
      System.err.println("warning: requests still outstanding 10 s after the end");
    } else {
      outstanding.release((int) MAX_OUTSTANDING);
    }
  }

  private static Target grpc(String target, Path input) throws IOException {
    URI uri = URI.create(target);
    CheckRequest request = CheckRequests.fromInputFile(input);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort())
            .usePlaintext()
            .maxInboundMessageSize(16 * 1024 * 1024)
            .build();
    AuthorizationGrpc.AuthorizationStub stub = AuthorizationGrpc.newStub(channel);
    return new Target() {
      @Override
      public void send(Outcome done) {
        stub.withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(
                request,
                new StreamObserver<CheckResponse>() {
                  private int result = -1;

                  @Override
                  public void onNext(CheckResponse r) {
                    result = r.getStatus().getCode() == 0 ? 1 : 0;
                  }

                  @Override
                  public void onError(Throwable e) {
                    done.done(-1);
                  }

                  @Override
                  public void onCompleted() {
                    done.done(result);
                  }
                });
      }

      @Override
      public void close() {
        channel.shutdownNow();
      }
    };
  }

  private static Target http(String target, Path input) throws IOException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(target))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(CheckRequests.restBody(input)))
            .build();
    return new Target() {
      @Override
      public void send(Outcome done) {
        var unused =
            client
                .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .whenComplete(
                    (r, e) -> {
                      if (e != null || r.statusCode() != 200) {
                        done.done(-1);
                      } else if (r.body().contains("\"result\":true")
                          || r.body().contains("\"allowed\":true")) {
                        done.done(1);
                      } else {
                        done.done(0);
                      }
                    });
      }

      @Override
      public void close() {
        client.shutdownNow();
      }
    };
  }
}
