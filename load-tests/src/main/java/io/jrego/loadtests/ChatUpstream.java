package io.jrego.loadtests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The AI service behind Envoy in the ext_proc load test: answers {@code POST /v1/chat/completions}
 * with a small JSON completion, or, when the request body asks for {@code "stream": true}, with an
 * OpenAI SSE stream of {@code x-sse-events} chunks (default 2,000), written and flushed one event
 * at a time as fast as the connection takes them, or with {@code x-sse-pace-ms} milliseconds
 * between events (at most {@value #MAX_PACE_MS}), as a model writes its tokens; a paced event
 * begins with a comment line {@code : t=MICROS}, the wall clock (microseconds since the epoch) at
 * which it was written, so that the client can tell how long each event's text took to reach it
 * ({@link SseLoad}'s per-token delay). One chunk in 50 carries an e-mail address split across two
 * chunks, so a redacting filter has work to do. A stream cut before its end is written to standard
 * error ({@code cut stream: ...}, with how far it got and the exception).
 *
 * <pre>
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.ChatUpstream PORT
 * </pre>
 */
public final class ChatUpstream {

  private static final String HEAD =
      "{\"id\":\"chatcmpl-load\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
          + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_load\",";

  private static final Map<Integer, List<byte[]>> STREAMS = new ConcurrentHashMap<>();

  /** The longest pause between two events a request may ask for. */
  static final int MAX_PACE_MS = 1_000;

  private ChatUpstream() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    // TCP_NODELAY, as model servers set it: without it the JDK server's separate writes (headers,
    // then each event) wait on Envoy's delayed ACK, up to 40 ms, whatever the filters do
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    server.setExecutor(Executors.newFixedThreadPool(32));
    server.createContext("/", ChatUpstream::answer);
    server.start();
    System.out.println("chat upstream on 127.0.0.1:" + port);
  }

  private static void answer(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (!body.replace(" ", "").contains("\"stream\":true")) {
        byte[] out =
            ("{\"id\":\"chatcmpl-load\",\"object\":\"chat.completion\",\"created\":1767225600,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                    + "\"assistant\",\"content\":\"Noted; I will keep it short.\"},\"finish_reason\":"
                    + "\"stop\"}],\"usage\":{\"prompt_tokens\":420,\"completion_tokens\":8,"
                    + "\"total_tokens\":428}}")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json");
        ex.sendResponseHeaders(200, out.length);
        ex.getResponseBody().write(out);
        return;
      }
      String n = ex.getRequestHeaders().getFirst("x-sse-events");
      long pace;
      try {
        pace = pace(ex.getRequestHeaders().getFirst("x-sse-pace-ms"));
      } catch (IllegalArgumentException e) {
        byte[] why = e.getMessage().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(400, why.length);
        ex.getResponseBody().write(why);
        return;
      }
      ex.getResponseHeaders().set("content-type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      // made once per length: the upstream's CPU per stream is then its writes alone, which the
      // no-filter variant's throughput is bounded by (this JVM shares the machine with Envoy)
      List<byte[]> events =
          STREAMS.computeIfAbsent(n == null ? 2_000 : Integer.parseInt(n), ChatUpstream::stream);
      long start = System.nanoTime();
      int written = 0;
      try {
        OutputStream out = ex.getResponseBody();
        for (byte[] event : events) {
          if (pace > 0 && written > 0) {
            Thread.sleep(pace);
          }
          if (pace > 0) {
            out.write(stamp(micros()));
          }
          out.write(event);
          out.flush();
          written++;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // a stream cut before its end: said, so that the load test can tell why it got fewer bytes
        System.err.printf(
            "cut stream: %d of %d events written in %d ms, then %s%n",
            written, events.size(), (System.nanoTime() - start) / 1_000_000, e);
      }
    } catch (IOException e) {
      System.err.println("request failed before its answer: " + e);
    }
  }

  /** The wall clock in microseconds since the epoch, as {@link SseLoad} reads it too. */
  static long micros() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }

  /** The comment line a paced event begins with: when it was written. */
  static byte[] stamp(long micros) {
    return (": t=" + micros + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** The pause between events a request asks for ({@code x-sse-pace-ms}), 0 for none. */
  static long pace(String header) {
    if (header == null) {
      return 0;
    }
    long ms = Long.parseLong(header.strip());
    if (ms < 0 || ms > MAX_PACE_MS) {
      throw new IllegalArgumentException(
          "x-sse-pace-ms must be within 0.." + MAX_PACE_MS + ", got " + header);
    }
    return ms;
  }

  /**
   * The SSE answer's events, each as written: a role chunk, {@code events} content chunks, the
   * finishing chunk, the usage chunk and {@code [DONE]}.
   */
  static List<byte[]> stream(int events) {
    List<byte[]> out = new ArrayList<>(events + 4);
    out.add(
        event(
            "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]}"));
    for (int i = 0; i < events; i++) {
      String piece =
          i % 50 == 48
              ? " and write to jane.doe@exa"
              : i % 50 == 49 ? "mple.com today," : " the quick brown fox " + i + ",";
      out.add(
          event(
              "\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                  + piece
                  + "\"},\"finish_reason\":null}]}"));
    }
    out.add(event("\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
    out.add(
        event(
            "\"choices\":[],\"usage\":{\"prompt_tokens\":420,\"completion_tokens\":"
                + events
                + ",\"total_tokens\":"
                + (420 + events)
                + "}}"));
    out.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    return out;
  }

  private static byte[] event(String rest) {
    return ("data: " + HEAD + rest + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
