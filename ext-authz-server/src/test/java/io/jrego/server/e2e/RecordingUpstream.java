package io.jrego.server.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The service behind Envoy in the Check tests: a loopback HTTP server that records every request it
 * receives and answers each with 200 and one fixed body. A test asserts on what reached it ({@link
 * #lines()}, {@link #received()}), which is how a denial shows it never got through.
 */
final class RecordingUpstream implements AutoCloseable {

  /** One request as the upstream received it; header names are lower-cased. */
  record Received(String method, String path, Map<String, List<String>> headers, String body) {
    List<String> header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** {@code "GET /path?query"}. */
    String line() {
      return method + " " + path;
    }
  }

  private final HttpServer server;
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();

  private RecordingUpstream(String body, String contentType) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            String text = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(
                new Received(
                    ex.getRequestMethod(), ex.getRequestURI().toString(), headers(ex), text));
            if (contentType != null) {
              ex.getResponseHeaders().set("content-type", contentType);
            }
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
          }
        });
    server.start();
  }

  /** Started, answering {@code upstream} as plain bytes. */
  static RecordingUpstream start() throws IOException {
    return new RecordingUpstream("upstream", null);
  }

  /** Started, answering {@code body} with this content type. */
  static RecordingUpstream answering(String body, String contentType) throws IOException {
    return new RecordingUpstream(body, contentType);
  }

  /** The request's headers, names lower-cased, in name order. */
  static Map<String, List<String>> headers(HttpExchange ex) {
    Map<String, List<String>> h = new TreeMap<>();
    ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
    return h;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Every request received so far, oldest first. */
  List<Received> received() {
    return List.copyOf(received);
  }

  /** The request line ({@link Received#line()}) of every request received so far. */
  List<String> lines() {
    return received.stream().map(Received::line).toList();
  }

  /** The body of every request received so far. */
  List<String> bodies() {
    return received.stream().map(Received::body).toList();
  }

  /** Forgets what was received, so a test sees only its own requests. */
  void clear() {
    received.clear();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
