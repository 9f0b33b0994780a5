package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
 * {@code grpc} for one of the two). Prints {@code ready} once its payloads are built, then, after
 * the last answer (or 15 s), one JSON line: what each payload got ({@code "envoy LABEL":{"403":n}},
 * {@code "grpc LABEL":{"denied-400":n}}), how many requests were not sent because 500 were
 * outstanding on that channel, and the hostile requests' own p50/p99.
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.HostileLoad CLASS RATE SECONDS \
 *   http://127.0.0.1:ENVOY_PLAIN_PORT 127.0.0.1:JREGO_GRPC_PORT [WAYS]
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
    AuthorizationGrpc.AuthorizationStub stub = AuthorizationGrpc.newStub(channel);
    Map<String, Map<String, AtomicLong>> outcomes = new ConcurrentHashMap<>();
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long skipped = 0;
    Semaphore httpSlots = new Semaphore(MAX_OUTSTANDING);
    Semaphore grpcSlots = new Semaphore(MAX_OUTSTANDING);
    System.out.println("ready");
    System.out.flush();

    long start = System.nanoTime();
    long total = Math.round(rate * seconds);
    double interval = 1e9 / rate;
    for (long i = 0; i < total; i++) {
      long due = start + Math.round(i * interval);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      HostilePayloads.Http h = p.http().get((int) (i % p.http().size()));
      if (!viaEnvoy) {
        // not sent this way
      } else if (httpSlots.tryAcquire()) {
        HttpRequest.Builder b =
            HttpRequest.newBuilder(envoy.resolve(h.path())).timeout(Duration.ofSeconds(10));
        h.headers().forEach(b::header);
        b.method(
            h.method(),
            h.body() == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(h.body().toByteArray()));
        var unused =
            http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding())
                .whenComplete(
                    (r, e) -> {
                      done(
                          outcomes,
                          latency,
                          "envoy " + h.label(),
                          due,
                          e != null ? "error" : String.valueOf(r.statusCode()));
                      httpSlots.release();
                    });
      } else {
        skipped++;
      }
      HostilePayloads.Grpc g = p.grpc().get((int) (i % p.grpc().size()));
      if (!viaGrpc) {
        // not sent this way
      } else if (grpcSlots.tryAcquire()) {
        stub.withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(
                g.request(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(CheckResponse r) {
                    done(outcomes, latency, "grpc " + g.label(), due, grpcOutcome(r));
                  }

                  @Override
                  public void onError(Throwable t) {
                    done(
                        outcomes,
                        latency,
                        "grpc " + g.label(),
                        due,
                        Status.fromThrowable(t).getCode().name());
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
    System.out.println(summary(args[0], rate, outcomes, latency, skipped));
    System.out.flush();
    channel.shutdownNow();
    System.exit(0);
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
    synchronized (latency) {
      latency.recordValue(Math.min(System.nanoTime() - due, latency.getHighestTrackableValue()));
    }
    outcomes
        .computeIfAbsent(label, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, k -> new AtomicLong())
        .incrementAndGet();
  }

  static String summary(
      String cls,
      double rate,
      Map<String, Map<String, AtomicLong>> outcomes,
      Histogram latency,
      long skipped) {
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
    synchronized (latency) {
      return String.format(
          Locale.ROOT,
          "{\"class\":\"%s\",\"rate_each\":%.1f,\"sent\":%d,\"skipped\":%d,\"p50_ms\":%.2f,"
              + "\"p99_ms\":%.2f,\"max_ms\":%.1f,\"outcomes\":{%s}}",
          cls,
          rate,
          latency.getTotalCount(),
          skipped,
          latency.getValueAtPercentile(50) / 1e6,
          latency.getValueAtPercentile(99) / 1e6,
          latency.getMaxValue() / 1e6,
          o);
    }
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
