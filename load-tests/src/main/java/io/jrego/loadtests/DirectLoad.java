package io.jrego.loadtests;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Sends ProcessBenchmark's requests straight to a jrego over gRPC, no Envoy between, at a fixed
 * rate, and reports what each call cost the server: CPU (user and system apart), context switches
 * (voluntary: a thread went to sleep and was woken again; involuntary: preempted) and the threads
 * that ran, all from {@code /proc/PID/task/*}. It splits jrego's own transport and thread cost from
 * Envoy's and the machine's (issue 9).
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.DirectLoad \
 *   --target 127.0.0.1:PORT --server-pid PID --kind check|process [--rate 1000] [--seconds 10] \
 *   [--warmup 20] [--rounds 2] [--clk-tck 100] [--root .]
 * </pre>
 *
 * <p>{@code check}: ext_authz's Check of the 2 KB chat request with its body. {@code process}: one
 * ext_proc stream per request as Envoy drives it for that request and its JSON answer (request
 * headers, request body, response headers, response body, each sent once the last is answered),
 * over one connection, as Envoy's one worker does. The {@code process} half does not work yet: no
 * stream completes (its phases report ok 0). Prints one JSON line per measured phase. Bounded:
 * warm-up and phases limited in time, at most 20 rounds, at most 10,000 calls outstanding.
 */
public final class DirectLoad {

  private static final long MAX_OUTSTANDING = 10_000;

  private DirectLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    String[] target = o.getOrDefault("target", "127.0.0.1:9191").split(":", -1);
    int pid = Integer.parseInt(o.get("server-pid"));
    String kind = o.getOrDefault("kind", "check");
    int rate = Integer.parseInt(o.getOrDefault("rate", "1000"));
    double seconds = Math.min(120, Double.parseDouble(o.getOrDefault("seconds", "10")));
    double warmup = Math.min(300, Double.parseDouble(o.getOrDefault("warmup", "20")));
    int rounds = Math.min(20, Integer.parseInt(o.getOrDefault("rounds", "2")));
    long clkTck = Long.parseLong(o.getOrDefault("clk-tck", "100"));
    Requests requests = new Requests(Path.of(o.getOrDefault("root", ".")));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(target[0], Integer.parseInt(target[1]))
            .usePlaintext()
            .build();
    try {
      Caller caller =
          switch (kind) {
            case "check" -> new CheckCaller(channel, requests);
            case "process" -> new ProcessCaller(channel, requests);
            default -> throw new IllegalArgumentException("--kind check|process, not " + kind);
          };
      run(caller, rate, warmup);
      for (int r = 1; r <= rounds; r++) {
        Usage before = Usage.of(pid, clkTck);
        Counts c = run(caller, rate, seconds);
        Usage after = Usage.of(pid, clkTck);
        System.out.println(after.minus(before).json(kind, r, rate, c));
        System.out.flush();
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** Sends at {@code rate} per second for {@code seconds}, then waits (up to 10 s) for answers. */
  private static Counts run(Caller caller, int rate, double seconds) throws InterruptedException {
    Counts c = new Counts();
    long start = System.nanoTime();
    long total = (long) (rate * seconds);
    long interval = 1_000_000_000L / rate;
    for (long i = 0; i < total; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (c.sent.get() - c.done() >= MAX_OUTSTANDING) {
        break;
      }
      c.sent.incrementAndGet();
      caller.call(c);
    }
    long end = System.nanoTime() + 10_000_000_000L;
    while (c.done() < c.sent.get() && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    return c;
  }

  private static final class Counts {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    long done() {
      return ok.get() + failed.get();
    }
  }

  private interface Caller {
    void call(Counts c);
  }

  private record CheckCaller(ManagedChannel channel, Requests requests) implements Caller {
    @Override
    public void call(Counts c) {
      AuthorizationGrpc.newStub(channel)
          .check(
              requests.check,
              new StreamObserver<>() {
                @Override
                public void onNext(CheckResponse r) {}

                @Override
                public void onError(Throwable t) {
                  c.failed.incrementAndGet();
                }

                @Override
                public void onCompleted() {
                  c.ok.incrementAndGet();
                }
              });
    }
  }

  /** One stream per request; each message is sent once the last one's answer is in. */
  private record ProcessCaller(ManagedChannel channel, Requests requests) implements Caller {
    @Override
    public void call(Counts c) {
      List<ProcessingRequest> messages = requests.stream;
      AtomicReference<StreamObserver<ProcessingRequest>> out = new AtomicReference<>();
      int[] next = {1};
      out.set(
          ExternalProcessorGrpc.newStub(channel)
              .process(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingResponse r) {
                      synchronized (next) {
                        if (next[0] < messages.size()) {
                          out.get().onNext(messages.get(next[0]++));
                        } else if (next[0]++ == messages.size()) {
                          out.get().onCompleted();
                        }
                      }
                    }

                    @Override
                    public void onError(Throwable t) {
                      c.failed.incrementAndGet();
                    }

                    @Override
                    public void onCompleted() {
                      if (next[0] > messages.size()) {
                        c.ok.incrementAndGet();
                      } else {
                        c.failed.incrementAndGet();
                      }
                    }
                  }));
      synchronized (next) {
        out.get().onNext(messages.get(0));
      }
    }
  }

  /** ProcessBenchmark's requests: the 2 KB chat request from the API gateway and its answer. */
  private static final class Requests {
    final CheckRequest check;
    final List<ProcessingRequest> stream;

    Requests(Path root) throws IOException {
      ByteString body =
          ByteString.copyFrom(
              Files.readAllBytes(root.resolve("load-tests/inputs/chat-2kb-pii.json")));
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put(":method", "POST");
      headers.put(":path", "/v1/chat/completions");
      headers.put(":authority", "localhost");
      headers.put(":scheme", "https");
      headers.put("content-type", "application/json");
      headers.put("content-length", String.valueOf(body.size()));
      headers.put("user-agent", "Java-http-client/21");
      check =
          CheckRequest.newBuilder()
              .setAttributes(
                  AttributeContext.newBuilder()
                      .setSource(
                          AttributeContext.Peer.newBuilder().setPrincipal(ProcessBenchmark.CALLER))
                      .setRequest(
                          AttributeContext.Request.newBuilder()
                              .setHttp(
                                  AttributeContext.HttpRequest.newBuilder()
                                      .setMethod("POST")
                                      .setPath("/v1/chat/completions")
                                      .setHost("localhost")
                                      .setScheme("https")
                                      .setProtocol("HTTP/1.1")
                                      .setSize(body.size())
                                      .setBody(body.toStringUtf8())
                                      .putAllHeaders(headers))))
              .build();
      ByteString answer = ByteString.copyFrom(ProcessBenchmark.ANSWER, StandardCharsets.UTF_8);
      stream =
          List.of(
              ProcessingRequest.newBuilder()
                  .setProtocolConfig(
                      ProtocolConfiguration.newBuilder()
                          .setRequestBodyMode(BodySendMode.BUFFERED)
                          .setResponseBodyMode(BodySendMode.NONE))
                  .setRequestHeaders(
                      HttpHeaders.newBuilder().setHeaders(ProcessBenchmark.headerMap(headers)))
                  .putAttributes(
                      "envoy.filters.http.ext_proc",
                      Struct.newBuilder()
                          .putFields(
                              "connection.uri_san_peer_certificate",
                              com.google.protobuf.Value.newBuilder()
                                  .setStringValue(ProcessBenchmark.CALLER)
                                  .build())
                          .build())
                  .setMetadataContext(Metadata.getDefaultInstance())
                  .build(),
              ProcessingRequest.newBuilder()
                  .setRequestBody(HttpBody.newBuilder().setBody(body).setEndOfStream(true))
                  .build(),
              ProcessingRequest.newBuilder()
                  .setResponseHeaders(
                      HttpHeaders.newBuilder()
                          .setHeaders(
                              ProcessBenchmark.headerMap(
                                  Map.of(
                                      ":status", "200",
                                      "content-type", "application/json",
                                      "content-length", String.valueOf(answer.size())))))
                  .build(),
              ProcessingRequest.newBuilder()
                  .setResponseBody(HttpBody.newBuilder().setBody(answer).setEndOfStream(true))
                  .build());
    }
  }

  /** CPU and context switches of every thread of a process, summed; and how many threads ran. */
  private record Usage(
      double userMs, double sysMs, long voluntary, long involuntary, Map<String, Long> ticks) {

    static Usage of(int pid, long clkTck) throws IOException {
      double user = 0;
      double sys = 0;
      long vol = 0;
      long invol = 0;
      Map<String, Long> ticks = new HashMap<>();
      try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
        for (Path task : tasks.toList()) {
          try {
            String stat = Files.readString(task.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            long u = Long.parseLong(f[11]);
            long s = Long.parseLong(f[12]);
            user += u * 1000.0 / clkTck;
            sys += s * 1000.0 / clkTck;
            for (String line : Files.readAllLines(task.resolve("status"))) {
              if (line.startsWith("voluntary_ctxt_switches:")) {
                vol += Long.parseLong(line.split("\\s+", -1)[1]);
              } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                invol += Long.parseLong(line.split("\\s+", -1)[1]);
              }
            }
            ticks.put(task.getFileName().toString(), u + s);
          } catch (IOException | RuntimeException e) {
            // the thread ended between the listing and the read: it is left out of both ends
          }
        }
      }
      return new Usage(user, sys, vol, invol, ticks);
    }

    Usage minus(Usage before) {
      Map<String, Long> ran = new HashMap<>();
      ticks.forEach(
          (t, n) -> {
            long d = n - before.ticks.getOrDefault(t, 0L);
            if (d > 0) {
              ran.put(t, d);
            }
          });
      return new Usage(
          userMs - before.userMs,
          sysMs - before.sysMs,
          voluntary - before.voluntary,
          involuntary - before.involuntary,
          ran);
    }

    String json(String kind, int round, int rate, Counts c) {
      double n = Math.max(1, c.ok.get());
      return String.format(
          Locale.ROOT,
          "{\"kind\":\"%s\",\"round\":%d,\"rate\":%d,\"ok\":%d,\"failed\":%d,"
              + "\"user_us_per_call\":%.1f,\"sys_us_per_call\":%.1f,\"cpu_us_per_call\":%.1f,"
              + "\"voluntary_cs_per_call\":%.2f,\"involuntary_cs_per_call\":%.2f,"
              + "\"threads_that_ran\":%d}",
          kind,
          round,
          rate,
          c.ok.get(),
          c.failed.get(),
          userMs * 1000 / n,
          sysMs * 1000 / n,
          (userMs + sysMs) * 1000 / n,
          voluntary / n,
          involuntary / n,
          ticks.size());
    }
  }
}
