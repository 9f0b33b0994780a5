package io.jrego.server.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * A stand-in for an AI service behind Envoy: records every request it receives (headers and body,
 * so a test can assert that no original PII value arrived) and answers as the script named by the
 * request's {@code x-upstream-script} header says: a JSON chat completion echoing the prompt, an
 * SSE stream of chat chunks (written piece by piece, optionally gzipped, with values split across
 * events and across network writes), an MCP {@code tools/list} result, or whatever a test
 * registers.
 */
final class AiUpstream implements AutoCloseable {

  /** What reached the upstream. */
  record Received(String method, String path, Map<String, List<String>> headers, String text) {
    /** The body's length in bytes. */
    int length() {
      return text.getBytes(StandardCharsets.UTF_8).length;
    }

    List<String> header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
  }

  /** How one request is answered. */
  @FunctionalInterface
  interface Script {
    void answer(HttpExchange ex, Received request) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(16);
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

  AiUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(threads);
    scripts.put("chat-echo", AiUpstream::chatEcho);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            Received r =
                new Received(
                    ex.getRequestMethod(),
                    ex.getRequestURI().toString(),
                    RecordingUpstream.headers(ex),
                    new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            received.add(r);
            String name = ex.getRequestHeaders().getFirst("x-upstream-script");
            Script s = scripts.get(name == null ? "chat-echo" : name);
            if (s == null) {
              send(ex, 500, "text/plain", "no script " + name);
              return;
            }
            s.answer(ex, r);
          } catch (IOException | RuntimeException e) {
            // the client (Envoy) went away mid-answer: nothing to do
          }
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void script(String name, Script s) {
    scripts.put(name, s);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  static void send(HttpExchange ex, int status, String contentType, String body)
      throws IOException {
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", contentType);
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
  }

  /** The last user message's text, as the model would read it. */
  static String lastUserText(Received r) {
    Value v = Json.parse(r.text());
    ArrayValue messages = (ArrayValue) ((ObjectValue) v).get("messages").orElseThrow();
    ObjectValue last = (ObjectValue) messages.get(messages.size() - 1);
    Value content = last.get("content").orElseThrow();
    if (content instanceof StringValue s) {
      return s.value();
    }
    StringBuilder text = new StringBuilder();
    for (Value part : (ArrayValue) content) {
      ((ObjectValue) part).get("text").ifPresent(t -> text.append(((StringValue) t).value()));
    }
    return text.toString();
  }

  /** A non-streamed chat completion whose answer repeats the prompt it was given. */
  static void chatEcho(HttpExchange ex, Received r) throws IOException {
    send(ex, 200, "application/json", completion("You said: " + lastUserText(r)));
  }

  static String completion(String answer) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1767225600,"
        + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":"
        + Json.write(StringValue.of(answer))
        + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,"
        + "\"total_tokens\":21}}";
  }

  /** How an SSE answer is written. */
  record Stream(
      boolean gzip, boolean splitWrites, long pauseMicros, CountDownLatch gate, int gateAt) {
    static Stream plain() {
      return new Stream(false, true, 0, null, -1);
    }
  }

  /**
   * An OpenAI chat stream whose content arrives in {@code pieces}, then a finishing chunk, the
   * usage chunk and {@code [DONE]}. Each event is one write (two when {@code splitWrites}: cut in
   * the middle, flushed between), so Envoy sees the stream in pieces that cut events, JSON strings
   * and UTF-8 characters. With a gate, it stops before event {@code gateAt} until the gate opens.
   */
  static Script sse(List<String> pieces, Stream how) {
    return (ex, r) -> {
      ex.getResponseHeaders().set("content-type", "text/event-stream");
      ex.getResponseHeaders().set("cache-control", "no-cache");
      if (how.gzip()) {
        ex.getResponseHeaders().set("content-encoding", "gzip");
      }
      ex.sendResponseHeaders(200, 0);
      OutputStream raw = ex.getResponseBody();
      OutputStream out = how.gzip() ? new GZIPOutputStream(raw, 512, true) : raw;
      List<String> events = sseEvents(pieces);
      for (int i = 0; i < events.size(); i++) {
        if (how.gate() != null && i == how.gateAt() + 1) { // after the role chunk: content i - 1
          try {
            how.gate().await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        write(out, how, events.get(i));
      }
      out.close();
    };
  }

  /**
   * The events of {@link #sse}'s stream, each with its blank line: the role chunk, one chunk per
   * piece of content, the finishing chunk, the usage chunk and {@code [DONE]}.
   */
  static List<String> sseEvents(List<String> pieces) {
    String head =
        "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
            + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\",";
    List<String> events = new ArrayList<>();
    events.add(
        "data: "
            + head
            + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
            + "\"finish_reason\":null}]}\n\n");
    for (String piece : pieces) {
      events.add(
          "data: "
              + head
              + "\"choices\":[{\"index\":0,\"delta\":{\"content\":"
              + Json.write(StringValue.of(piece))
              + "},\"finish_reason\":null}]}\n\n");
    }
    events.add(
        "data: "
            + head
            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    events.add(
        "data: "
            + head
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
            + "\"completion_tokens\":"
            + pieces.size()
            + ",\"total_tokens\":"
            + (9 + pieces.size())
            + "}}\n\n");
    events.add("data: [DONE]\n\n");
    return events;
  }

  private static void write(OutputStream out, Stream how, String event) throws IOException {
    byte[] b = event.getBytes(StandardCharsets.UTF_8);
    if (how.splitWrites()) {
      int half = b.length / 2;
      out.write(b, 0, half);
      out.flush();
      pause(how);
      out.write(b, half, b.length - half);
    } else {
      out.write(b);
    }
    out.flush();
    pause(how);
  }

  private static void pause(Stream how) {
    if (how.pauseMicros() > 0) {
      try {
        TimeUnit.MICROSECONDS.sleep(how.pauseMicros());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * An MCP server's answer to {@code tools/list}: every tool it has, as JSON or as one SSE event.
   */
  static Script mcpTools(List<String> tools) {
    return (ex, r) -> {
      Value req = Json.parse(r.text());
      Value id = ((ObjectValue) req).get("id").orElse(StringValue.of("0"));
      StringBuilder list = new StringBuilder();
      for (String t : tools) {
        list.append(list.isEmpty() ? "" : ",")
            .append("{\"name\":\"")
            .append(t)
            .append("\",\"description\":\"")
            .append(t)
            .append(" tool\",\"inputSchema\":{\"type\":\"object\"}}");
      }
      String result =
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + Json.write(id)
              + ",\"result\":{\"tools\":["
              + list
              + "]}}";
      String accept = ex.getRequestHeaders().getFirst("accept");
      if (accept != null
          && accept.contains("text/event-stream")
          && !accept.contains("application/json")) {
        ex.getResponseHeaders().set("content-type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        ex.getResponseBody()
            .write(("event: message\ndata: " + result + "\n\n").getBytes(StandardCharsets.UTF_8));
        return;
      }
      send(ex, 200, "application/json", result);
    };
  }
}
