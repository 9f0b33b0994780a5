package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.CallOptions;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The hostile clients of the fault matrix: one class of {@link HostilePayloads} sent open loop at
 * {@code RATE} per second through Envoy's plaintext listener and, at the same rate, straight to a
 * jrego gRPC port, for {@code SECONDS} ({@code WAYS}: {@code both}, the default, {@code envoy} or
 * {@code grpc} for one of the two), each call given up after {@code GIVE_UP_MS} (its gRPC deadline
 * and HTTP timeout; 10 s when not given: a client that gives up before jrego's own evaluation
 * deadline makes jrego see cancelled calls). Prints {@code ready} once its payloads are built,
 * then, after the last answer (or 15 s), one JSON line: what each payload got ({@code "envoy
 * LABEL":{"403":n}}, {@code "grpc LABEL":{"denied-400":n}}), how many requests were not sent
 * because 500 were outstanding on that channel, the hostile requests' own p50/p99, and the CPU
 * seconds this process used from {@code ready} to the summary ({@code cpu_s}).
 *
 * <p>The client is made cheap, since it shares the machine's cores with what it attacks (a real
 * attacker's client would not): every HTTP request is built once and sent again as it is (its body
 * a byte array the client does not copy), and every CheckRequest is serialized once and sent as
 * those bytes, so a call costs the client its I/O and no serialization or copy of its payload.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.HostileLoad CLASS RATE SECONDS \
 *   http://127.0.0.1:ENVOY_PLAIN_PORT 127.0.0.1:JREGO_GRPC_PORT [WAYS [GIVE_UP_MS]]
 * </pre>
 */
public final class HostileLoad {

  private static final int MAX_OUTSTANDING = 500;

  private HostileLoad() {}

  public static void main(String[] args) throws Exception {
    HostilePayloads.Payloads p = HostilePayloads.of(args[0]);
    double rate = Double.parseDouble(args[1]);
    double seconds = Double.parseDouble(args[2]);
    URI envoy = URI.create(args[3]);
    String ways = args.length > 5 ? args[5] : "both";
    long giveUpMs = args.length > 6 ? Long.parseLong(args[6]) : 10_000;
    if (giveUpMs < 1) {
      throw new IllegalArgumentException("GIVE_UP_MS must be positive, got " + giveUpMs);
    }
    boolean viaEnvoy = !ways.equals("grpc");
    boolean viaGrpc = !ways.equals("envoy");
    int colon = args[4].lastIndexOf(':');
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(
                args[4].substring(0, colon), Integer.parseInt(args[4].substring(colon + 1)))
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    List<Prepared> envoyCalls =
        p.http().stream()
            .map(h -> new Prepared("envoy " + h.label(), request(envoy, h, giveUpMs)))
            .toList();
    List<Serialized> grpcCalls =
        p.grpc().stream()
            .map(g -> new Serialized("grpc " + g.label(), g.request().toByteArray()))
            .toList();
    Map<String, Map<String, AtomicLong>> outcomes = new ConcurrentHashMap<>();
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long skipped = 0;
    long lateMax = 0;
    long lateSends = 0;
    Semaphore httpSlots = new Semaphore(MAX_OUTSTANDING);
    Semaphore grpcSlots = new Semaphore(MAX_OUTSTANDING);
    System.out.println("ready");
    System.out.flush();
    long cpuAtReady = cpuNanos();

    long start = System.nanoTime();
    long total = Math.round(rate * seconds);
    double interval = 1e9 / rate;
    for (long i = 0; i < total; i++) {
      long due = start + Math.round(i * interval);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      // this client shares the cores at nice 19: a send far behind its due time is its own delay,
      // and the calls it held back then go out at once
      long late = -wait;
      lateMax = Math.max(lateMax, late);
      if (late > LATE_NANOS) {
        lateSends++;
      }
      Prepared h = envoyCalls.get((int) (i % envoyCalls.size()));
      if (!viaEnvoy) {
        // not sent this way
      } else if (httpSlots.tryAcquire()) {
        var unused =
            http.sendAsync(h.request(), HttpResponse.BodyHandlers.discarding())
                .whenComplete(
                    (r, e) -> {
                      done(
                          outcomes,
                          latency,
                          h.label(),
                          due,
                          e != null ? "error" : String.valueOf(r.statusCode()));
                      httpSlots.release();
                    });
      } else {
        skipped++;
      }
      Serialized g = grpcCalls.get((int) (i % grpcCalls.size()));
      if (!viaGrpc) {
        // not sent this way
      } else if (grpcSlots.tryAcquire()) {
        ClientCalls.asyncUnaryCall(
            channel.newCall(
                CHECK, CallOptions.DEFAULT.withDeadlineAfter(giveUpMs, TimeUnit.MILLISECONDS)),
            g.bytes(),
            new StreamObserver<>() {
              @Override
              public void onNext(CheckResponse r) {
                done(outcomes, latency, g.label(), due, grpcOutcome(r));
              }

              @Override
              public void onError(Throwable t) {
                done(outcomes, latency, g.label(), due, Status.fromThrowable(t).getCode().name());
                grpcSlots.release();
              }

              @Override
              public void onCompleted() {
                grpcSlots.release();
              }
            });
      } else {
        skipped++;
      }
    }
    long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while ((httpSlots.availablePermits() < MAX_OUTSTANDING
            || grpcSlots.availablePermits() < MAX_OUTSTANDING)
        && System.nanoTime() < drain) {
      Thread.sleep(20);
    }
    double cpuSeconds = (cpuNanos() - cpuAtReady) / 1e9;
    System.out.println(
        summary(args[0], rate, outcomes, latency, skipped, cpuSeconds, lateMax, lateSends));
    System.out.flush();
    channel.shutdownNow();
    System.exit(0);
  }

  /** Check, its request sent as bytes serialized once. */
  static final MethodDescriptor<byte[], CheckResponse> CHECK =
      AuthorizationGrpc.getCheckMethod().toBuilder(
              new BytesMarshaller(), AuthorizationGrpc.getCheckMethod().getResponseMarshaller())
          .build();

  /** A request through Envoy built once, with the label its outcomes are counted under. */
  private record Prepared(String label, HttpRequest request) {}

  /** A CheckRequest serialized once, with its label. */
  private static final class Serialized {
    private final String label;
    private final byte[] bytes;

    Serialized(String label, byte[] bytes) {
      this.label = label;
      this.bytes = bytes;
    }

    String label() {
      return label;
    }

    byte[] bytes() {
      return bytes;
    }
  }

  private static HttpRequest request(URI envoy, HostilePayloads.Http h, long giveUpMs) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(envoy.resolve(h.path())).timeout(Duration.ofMillis(giveUpMs));
    h.headers().forEach(b::header);
    return b.method(
            h.method(),
            h.body() == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(h.body().toByteArray()))
        .build();
  }

  /** This process's CPU time so far, user and system, in nanoseconds. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Sends bytes as they are: gRPC writes a known-length, drainable stream without copying. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new BytesStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      throw new UnsupportedOperationException("requests only");
    }
  }

  private static final class BytesStream extends ByteArrayInputStream
      implements KnownLength, Drainable {
    BytesStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }

  /** "allowed" or "denied-STATUS" for a CheckResponse, by its HTTP answer to the client. */
  static String grpcOutcome(CheckResponse r) {
    if (r.getStatus().getCode() == 0) {
      return "allowed";
    }
    return "denied-"
        + (r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() : 403);
  }

  private static void done(
      Map<String, Map<String, AtomicLong>> outcomes,
      Histogram latency,
      String label,
      long due,
      String outcome) {
    long took = Math.min(System.nanoTime() - due, latency.getHighestTrackableValue());
    synchronized (latency) {
      latency.recordValue(took);
    }
    LABEL_MAX.computeIfAbsent(label, k -> new AtomicLong()).accumulateAndGet(took, Math::max);
    outcomes
        .computeIfAbsent(label, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, k -> new AtomicLong())
        .incrementAndGet();
  }

  /** A send later than this after its due time counts as late (the client's own delay). */
  private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** The slowest call of each label, ns from its due time: which payload the tail belongs to. */
  private static final Map<String, AtomicLong> LABEL_MAX = new ConcurrentHashMap<>();

  static String summary(
      String cls,
      double rate,
      Map<String, Map<String, AtomicLong>> outcomes,
      Histogram latency,
      long skipped,
      double cpuSeconds,
      long lateMax,
      long lateSends) {
    StringBuilder o = new StringBuilder();
    new TreeMap<>(outcomes)
        .forEach(
            (label, counts) -> {
              o.append(o.isEmpty() ? "" : ",").append('"').append(escape(label)).append("\":{");
              StringBuilder c = new StringBuilder();
              new TreeMap<>(counts)
                  .forEach(
                      (k, v) ->
                          c.append(c.isEmpty() ? "" : ",")
                              .append('"')
                              .append(k)
                              .append("\":")
                              .append(v.get()));
              o.append(c).append('}');
            });
    StringBuilder slowest = new StringBuilder();
    new TreeMap<>(LABEL_MAX)
        .forEach(
            (label, ns) ->
                slowest
                    .append(slowest.isEmpty() ? "" : ",")
                    .append('"')
                    .append(escape(label))
                    .append("\":")
                    .append(String.format(Locale.ROOT, "%.1f", ns.get() / 1e6)));
    synchronized (latency) {
      return String.format(
          Locale.ROOT,
          "{\"class\":\"%s\",\"rate_each\":%.1f,\"sent\":%d,\"skipped\":%d,\"p50_ms\":%.2f,"
              + "\"p99_ms\":%.2f,\"max_ms\":%.1f,\"client_cpu_s\":%.2f,\"outcomes\":{%s},"
              + "\"max_ms_by_label\":{%s},\"send_late_max_ms\":%.1f,\"sends_late_100ms\":%d}",
          cls,
          rate,
          latency.getTotalCount(),
          skipped,
          latency.getValueAtPercentile(50) / 1e6,
          latency.getValueAtPercentile(99) / 1e6,
          latency.getMaxValue() / 1e6,
          cpuSeconds,
          o,
          slowest,
          lateMax / 1e6,
          lateSends);
    }
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
