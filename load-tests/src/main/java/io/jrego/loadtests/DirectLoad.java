package io.jrego.loadtests;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
 *   --target 127.0.0.1:PORT --server-pid PID --kind check|process|sse [--rate 1000] \
 *   [--events 100] [--piece-bytes 0] [--seconds 10] \
 *   [--warmup 20] [--rounds 2] [--clk-tck 100] [--root .]
 * </pre>
 *
 * <p>{@code check}: ext_authz's Check of the 2 KB chat request with its body. {@code process}: one
 * ext_proc stream per call for that request and its JSON answer; {@code sse}: one stream per call
 * for a streamed chat request whose answer is {@link ChatUpstream#stream}'s {@code --events}
 * content events (about 230 bytes each) and its closing events, one event per body message, as
 * Envoy hands over a model that streams at reading speed; with {@code --piece-bytes N}, as many
 * whole events per message as fit in N bytes, as Envoy hands over an answer it read faster than
 * jrego took it (through Envoy the first piece was often about 46 KB). Both streams are driven as
 * Envoy drives them ({@link StreamCaller}) over one connection, as Envoy's one worker does. Prints
 * one JSON line per measured phase, with CPU and switches per call and per message, and the phase's
 * start and end ({@code t0_ms}, {@code t1_ms}, wall clock). Bounded: warm-up and phases limited in
 * time, at most 20 rounds, at most 10,000 calls outstanding, at most 10,000 events a stream.
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
    int events = Math.min(10_000, Integer.parseInt(o.getOrDefault("events", "100")));
    int pieceBytes = Integer.parseInt(o.getOrDefault("piece-bytes", "0"));
    Requests requests = new Requests(Path.of(o.getOrDefault("root", ".")));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(target[0], Integer.parseInt(target[1]))
            .usePlaintext()
            .build();
    try {
      Caller caller =
          switch (kind) {
            case "check" -> new CheckCaller(channel, requests);
            case "process" -> new StreamCaller(channel, requests.json);
            case "sse" -> new StreamCaller(channel, requests.sse(events, pieceBytes));
            default -> throw new IllegalArgumentException("--kind check|process|sse, not " + kind);
          };
      run(caller, rate, warmup);
      for (int r = 1; r <= rounds; r++) {
        long t0 = System.currentTimeMillis();
        Usage before = Usage.of(pid, clkTck);
        Counts c = run(caller, rate, seconds);
        Usage after = Usage.of(pid, clkTck);
        String json = after.minus(before).json(kind, r, rate, c, caller.messagesPerCall());
        // the phase's wall-clock ends, so a caller sampling the server's threads can cut it out
        System.out.println(
            json.substring(0, json.length() - 1)
                + ",\"t0_ms\":"
                + t0
                + ",\"t1_ms\":"
                + System.currentTimeMillis()
                + "}");
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

    /**
     * Per completed stream, ns: request headers sent to answered, request body sent to answered,
     * response sent to its headers answered, to the first answer text out, to the end.
     */
    final java.util.Queue<long[]> steps = new java.util.concurrent.ConcurrentLinkedQueue<>();

    long done() {
      return ok.get() + failed.get();
    }

    /** The median and 90th percentile of each step, in ms, as JSON members (none for Check). */
    String stepsJson() {
      List<long[]> all = List.copyOf(steps);
      if (all.isEmpty()) {
        return "";
      }
      String[] names = {
        "request_headers", "request_body", "response_headers", "first_output", "whole_response"
      };
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < names.length; k++) {
        final int at = k;
        long[] v = all.stream().mapToLong(x -> x[at]).sorted().toArray();
        b.append(
            String.format(
                Locale.ROOT,
                ",\"%s_ms_p50\":%.3f,\"%s_ms_p90\":%.3f",
                names[k],
                v[v.length / 2] / 1e6,
                names[k],
                v[(int) (v.length * 0.9)] / 1e6));
      }
      return b.toString();
    }
  }

  private interface Caller {
    void call(Counts c);

    /** Messages jrego receives per call. */
    default int messagesPerCall() {
      return 1;
    }
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

  /**
   * One ext_proc stream per call, driven as Envoy's ext_proc filter drives it: the request headers,
   * then (once answered) the buffered request body, then (once answered) the response headers and
   * the response body. How the response travels is what jrego's answer to the request headers asks
   * for ({@code mode_override}): in {@code FULL_DUPLEX_STREAMED} the headers and every body piece
   * go at once, without waiting for answers (jrego may hold the headers' answer until it has judged
   * the first answer text), and the stream is done at the answer that ends the body; otherwise each
   * message waits for its answer. Done, the client half-closes and counts the stream once jrego
   * completes it. An immediate response, an error or an answer out of turn fails the stream.
   */
  private static final class StreamCaller implements Caller {
    private final ManagedChannel channel;
    private final Script script;
    private final AtomicLong checked = new AtomicLong();

    StreamCaller(ManagedChannel channel, Script script) {
      this.channel = channel;
      this.script = script;
    }

    @Override
    public void call(Counts c) {
      // the first stream's answer is read whole: the policy must have redacted it
      new Exchange(c, checked.getAndIncrement() == 0).start();
    }

    @Override
    public int messagesPerCall() {
      return script.response().size() + 3;
    }

    /** One stream; its callbacks come from gRPC's client threads, one at a time under this lock. */
    private final class Exchange implements StreamObserver<ProcessingResponse> {
      private final Counts c;
      private final ByteArrayOutputStream answer;
      private StreamObserver<ProcessingRequest> out;
      private int step; // 0 request headers, 1 request body, 2 response, 3 done
      private int piece;
      private boolean fullDuplex;
      private boolean ended;
      private final long[] at = new long[6]; // sent, 3 answers, first output, end (ns)

      Exchange(Counts c, boolean keep) {
        this.c = c;
        this.answer = keep ? new ByteArrayOutputStream() : null;
      }

      synchronized void start() {
        out = ExternalProcessorGrpc.newStub(channel).process(this);
        at[0] = System.nanoTime();
        out.onNext(script.requestHeaders());
      }

      @Override
      public synchronized void onNext(ProcessingResponse r) {
        if (ended) {
          return;
        }
        switch (r.getResponseCase()) {
          case REQUEST_HEADERS -> {
            if (step != 0) {
              fail("request headers answered at step " + step);
              return;
            }
            fullDuplex =
                r.getModeOverride().getResponseBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED;
            step = 1;
            at[1] = System.nanoTime();
            out.onNext(script.requestBody());
          }
          case REQUEST_BODY -> {
            if (step != 1) {
              fail("request body answered at step " + step);
              return;
            }
            step = 2;
            at[2] = System.nanoTime();
            out.onNext(script.responseHeaders());
            if (fullDuplex) {
              script.response().forEach(out::onNext);
            }
          }
          case RESPONSE_HEADERS -> {
            at[3] = System.nanoTime();
            if (!fullDuplex) {
              out.onNext(script.response().get(piece++));
            }
          }
          case RESPONSE_BODY -> {
            BodyMutation m = r.getResponseBody().getResponse().getBodyMutation();
            if (at[4] == 0
                && (m.hasStreamedResponse() ? m.getStreamedResponse().getBody() : m.getBody())
                        .size()
                    > 0) {
              at[4] = System.nanoTime();
            }
            if (answer != null) {
              answer.writeBytes(
                  (m.hasStreamedResponse() ? m.getStreamedResponse().getBody() : m.getBody())
                      .toByteArray());
            }
            if (fullDuplex ? m.getStreamedResponse().getEndOfStream() : piece == script.size()) {
              step = 3;
              ended = true;
              at[5] = System.nanoTime();
              c.steps.add(
                  new long[] {
                    at[1] - at[0], at[2] - at[1], at[3] - at[2], at[4] - at[2], at[5] - at[2]
                  });
              out.onCompleted();
            } else if (!fullDuplex) {
              out.onNext(script.response().get(piece++));
            }
          }
          case RESPONSE_TRAILERS -> {}
          default -> fail("answered " + r.getResponseCase() + " at step " + step);
        }
      }

      @Override
      public synchronized void onError(Throwable t) {
        if (!ended) {
          note("stream failed at step " + step + ": " + t);
        }
        ended = true;
        c.failed.incrementAndGet();
      }

      @Override
      public synchronized void onCompleted() {
        if (step != 3) {
          note("jrego completed the stream at step " + step);
          c.failed.incrementAndGet();
          return;
        }
        if (answer != null && !script.check(answer.toString(StandardCharsets.UTF_8))) {
          c.failed.incrementAndGet();
          return;
        }
        c.ok.incrementAndGet();
      }

      private void fail(String why) {
        note(why);
        ended = true;
        out.onError(io.grpc.Status.CANCELLED.withDescription(why).asRuntimeException());
      }
    }
  }

  private static final AtomicLong NOTES = new AtomicLong();

  /** The first few failures go to stderr: a run that completes nothing says why. */
  private static void note(String why) {
    if (NOTES.incrementAndGet() <= 5) {
      System.err.println("DirectLoad: " + why);
    }
  }

  /**
   * What one stream sends: its request headers and body, the response headers and the response body
   * in pieces (the last one ends it), and what the answer must show.
   */
  private record Script(
      ProcessingRequest requestHeaders,
      ProcessingRequest requestBody,
      ProcessingRequest responseHeaders,
      List<ProcessingRequest> response,
      String mustEndWith) {

    int size() {
      return response.size();
    }

    boolean check(String answer) {
      if (answer.endsWith(mustEndWith)) {
        return true;
      }
      note(
          "the answer ("
              + answer.length()
              + " characters) does not end with "
              + mustEndWith
              + ": "
              + answer.substring(Math.max(0, answer.length() - 200)));
      return false;
    }
  }

  /**
   * ProcessBenchmark's requests: the 2 KB chat request from the API gateway and its JSON answer,
   * and a streamed chat request answered with {@link ChatUpstream}'s SSE events, one per piece.
   */
  private static final class Requests {
    final CheckRequest check;
    final Script json;
    private final ProcessingRequest sseHeaders;
    private final ProcessingRequest sseBody;

    Requests(Path root) throws IOException {
      ByteString body =
          ByteString.copyFrom(
              Files.readAllBytes(root.resolve("load-tests/inputs/chat-2kb-pii.json")));
      Map<String, String> headers = headers(body);
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
      json =
          new Script(
              requestHeaders(headers),
              requestBody(body),
              responseHeaders("application/json", answer.size()),
              List.of(
                  ProcessingRequest.newBuilder()
                      .setResponseBody(HttpBody.newBuilder().setBody(answer).setEndOfStream(true))
                      .build()),
              "}");
      ByteString stream =
          ByteString.copyFrom(
              Files.readAllBytes(root.resolve("load-tests/inputs/chat-stream.json")));
      sseHeaders = requestHeaders(headers(stream));
      sseBody = requestBody(stream);
    }

    /**
     * The streamed request, answered with {@code events} content events and the closing ones: one
     * event per message, or as many whole events as fit in {@code pieceBytes} when it is positive.
     */
    Script sse(int events, int pieceBytes) {
      List<byte[]> pieces = pieces(ChatUpstream.stream(events), pieceBytes);
      List<ProcessingRequest> response = new ArrayList<>(pieces.size());
      for (int i = 0; i < pieces.size(); i++) {
        response.add(
            ProcessingRequest.newBuilder()
                .setResponseBody(
                    HttpBody.newBuilder()
                        .setBody(ByteString.copyFrom(pieces.get(i)))
                        .setEndOfStream(i == pieces.size() - 1))
                .build());
      }
      return new Script(
          sseHeaders, sseBody, responseHeaders("text/event-stream", -1), response, "[DONE]\n\n");
    }

    /** {@code events} joined into pieces of at most {@code bytes} (whole events; one at least). */
    private static List<byte[]> pieces(List<byte[]> events, int bytes) {
      if (bytes <= 0) {
        return events;
      }
      List<byte[]> out = new ArrayList<>();
      java.io.ByteArrayOutputStream piece = new java.io.ByteArrayOutputStream();
      for (byte[] e : events) {
        if (piece.size() > 0 && piece.size() + e.length > bytes) {
          out.add(piece.toByteArray());
          piece.reset();
        }
        piece.writeBytes(e);
      }
      if (piece.size() > 0) {
        out.add(piece.toByteArray());
      }
      return out;
    }

    private static Map<String, String> headers(ByteString body) {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put(":method", "POST");
      headers.put(":path", "/v1/chat/completions");
      headers.put(":authority", "localhost");
      headers.put(":scheme", "https");
      headers.put("content-type", "application/json");
      headers.put("content-length", String.valueOf(body.size()));
      headers.put("user-agent", "Java-http-client/21");
      return headers;
    }

    /** As Envoy's shipped configuration sends them: a buffered request body, no response body. */
    private static ProcessingRequest requestHeaders(Map<String, String> headers) {
      return ProcessingRequest.newBuilder()
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
          .build();
    }

    private static ProcessingRequest requestBody(ByteString body) {
      return ProcessingRequest.newBuilder()
          .setRequestBody(HttpBody.newBuilder().setBody(body).setEndOfStream(true))
          .build();
    }

    /** Response headers; a {@code length} below 0 leaves content-length out (a stream). */
    private static ProcessingRequest responseHeaders(String type, int length) {
      Map<String, String> h = new LinkedHashMap<>();
      h.put(":status", "200");
      h.put("content-type", type);
      if (length >= 0) {
        h.put("content-length", String.valueOf(length));
      }
      return ProcessingRequest.newBuilder()
          .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(ProcessBenchmark.headerMap(h)))
          .build();
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

    String json(String kind, int round, int rate, Counts c, int messagesPerCall) {
      double n = Math.max(1, c.ok.get());
      double m = n * messagesPerCall;
      return String.format(
          Locale.ROOT,
          "{\"kind\":\"%s\",\"round\":%d,\"rate\":%d,\"ok\":%d,\"failed\":%d,"
              + "\"user_us_per_call\":%.1f,\"sys_us_per_call\":%.1f,\"cpu_us_per_call\":%.1f,"
              + "\"voluntary_cs_per_call\":%.2f,\"involuntary_cs_per_call\":%.2f,"
              + "\"threads_that_ran\":%d,\"messages_per_call\":%d,"
              + "\"user_us_per_message\":%.2f,\"sys_us_per_message\":%.2f,"
              + "\"voluntary_cs_per_message\":%.3f,\"involuntary_cs_per_message\":%.3f%s}",
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
          ticks.size(),
          messagesPerCall,
          userMs * 1000 / m,
          sysMs * 1000 / m,
          voluntary / m,
          involuntary / m,
          c.stepsJson());
    }
  }
}
