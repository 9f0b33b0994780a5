package io.jrego.loadtests;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The hostile requests of the fault matrix, one list per class of issue 14's findings. Each class
 * has requests for Envoy's plaintext listener (an unauthenticated client) and CheckRequests sent
 * straight to a jrego replica's gRPC port (a client that reached the port, as in the issue's
 * report), made once and sent over and over.
 */
final class HostilePayloads {

  static final String GATEWAY = "spiffe://cluster.local/ns/edge/sa/api-gateway";
  static final String STRANGER = "spiffe://cluster.local/ns/default/sa/stranger";

  private HostilePayloads() {}

  /** A request through Envoy: method, path (with query), headers, body (null: none). */
  record Http(
      String label, String method, String path, Map<String, String> headers, ByteString body) {}

  /** A CheckRequest straight to jrego, with a label for its outcome counts. */
  record Grpc(String label, CheckRequest request) {}

  /** The requests of one class. */
  record Payloads(List<Http> http, List<Grpc> grpc) {}

  static final List<String> CLASSES =
      List.of("hash", "deep", "number", "body", "xfcc", "path", "regex", "cpu");

  static Payloads of(String cls) {
    return switch (cls) {
      case "hash" -> hash();
      case "deep" -> deep();
      case "number" -> number();
      case "body" -> body();
      case "xfcc" -> xfcc();
      case "path" -> path();
      case "regex" -> regex();
      case "cpu" -> cpu();
      default ->
          throw new IllegalArgumentException("unknown hostile class " + cls + ": " + CLASSES);
    };
  }

  /** Keys sharing one Java String.hashCode in a form body, a query and a JSON object. */
  static Payloads hash() {
    return new Payloads(
        List.of(
            post(
                "form-2300",
                "/v1/chat/completions",
                "application/x-www-form-urlencoded",
                form(2_300)),
            new Http("query-1500", "GET", "/v1/models?" + form(1_500), Map.of(), null),
            post("json-1700", "/v1/chat/completions", "application/json", jsonKeys(1_700))),
        List.of(
            grpc(
                "form-9999",
                "POST",
                "/v1/chat/completions",
                GATEWAY,
                Map.of("content-type", "application/x-www-form-urlencoded"),
                form(9_999)),
            grpc("query-9999", "GET", "/v1/models?" + form(9_999), GATEWAY, Map.of(), ""),
            grpc("json-40000", "POST", "/v1/chat/completions", GATEWAY, json(), jsonKeys(40_000))));
  }

  /** Nesting past the parser's bound: 5,000 levels (12 KB) and 100,000 levels. */
  static Payloads deep() {
    String d5k = "[".repeat(5_000) + "]".repeat(5_000);
    String o5k = "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000);
    String d100k = "[".repeat(100_000) + "]".repeat(100_000);
    return new Payloads(
        List.of(
            post("array-5000", "/v1/chat/completions", "application/json", d5k),
            post("object-5000", "/v1/chat/completions", "application/json", o5k)),
        List.of(
            grpc("array-5000", "POST", "/v1/chat/completions", GATEWAY, json(), d5k),
            grpc("array-100000", "POST", "/v1/chat/completions", GATEWAY, json(), d100k)));
  }

  /** Numbers out of OPA's range, and many at the 1,000-character limit. */
  static Payloads number() {
    String big = chatWith("\"temperature\":1e100000000");
    String key = "{\"model\":1e100000000,\"messages\":[]}";
    StringBuilder near = new StringBuilder("{\"model\":\"gpt-4o-mini\",\"messages\":[],\"n\":[");
    for (int i = 0; i < 300; i++) {
      near.append(i == 0 ? "" : ",").append("9".repeat(999));
    }
    String nearLimit = near.append("]}").toString();
    return new Payloads(
        List.of(
            post("1e100000000", "/v1/chat/completions", "application/json", big),
            post("model-1e100000000", "/v1/chat/completions", "application/json", key),
            post(
                "1e30000",
                "/v1/chat/completions",
                "application/json",
                chatWith("\"temperature\":1e30000"))),
        List.of(
            grpc("1e100000000", "POST", "/v1/chat/completions", GATEWAY, json(), big),
            grpc("300x999-digits", "POST", "/v1/chat/completions", GATEWAY, json(), nearLimit)));
  }

  /** Bodies at Envoy's 64 KiB, far past it, a gzip bomb, and a CheckRequest near 4 MiB. */
  static Payloads body() {
    String near = chatOfSize(65_000);
    byte[] bomb = gzipOfZeros(400 * 1024 * 1024);
    return new Payloads(
        List.of(
            post("64k", "/v1/chat/completions", "application/json", near),
            post("1m", "/v1/chat/completions", "application/json", chatOfSize(1 << 20)),
            new Http(
                "gzip-bomb",
                "POST",
                "/v1/chat/completions",
                Map.of("content-type", "application/json", "content-encoding", "gzip"),
                ByteString.copyFrom(bomb))),
        List.of(
            grpc("3.9m", "POST", "/v1/chat/completions", GATEWAY, json(), chatOfSize(3_900_000)),
            new Grpc(
                "gzip-bomb-raw",
                check(
                    "POST",
                    "/v1/chat/completions",
                    GATEWAY,
                    Map.of("content-type", "application/json", "content-encoding", "gzip"),
                    null,
                    bomb))));
  }

  /**
   * An x-forwarded-client-cert whose client-sent element leaves a quote open, so a lax parser
   * swallows the element the proxy appends and takes the client's URI.
   */
  static Payloads xfcc() {
    String smuggled =
        "By=spiffe://cluster.local/ns/jrego/sa/jrego;URI=\"spiffe://cluster.local/ns/ai/sa/orchestrator,"
            + "By=spiffe://cluster.local/ns/jrego/sa/jrego;URI="
            + STRANGER;
    String body = FaultLoad.chat("fin-risk-70b", 2);
    return new Payloads(
        List.of(
            new Http(
                "xfcc-open-quote",
                "POST",
                "/v1/chat/completions",
                Map.of("content-type", "application/json", "x-forwarded-client-cert", smuggled),
                ByteString.copyFromUtf8(body))),
        List.of(
            new Grpc(
                "xfcc-open-quote",
                check(
                    "POST",
                    "/v1/chat/completions",
                    "",
                    Map.of("content-type", "application/json", "x-forwarded-client-cert", smuggled),
                    body,
                    null))));
  }

  /** The inference path dressed up so a naive policy does not recognise it. */
  static Payloads path() {
    List<String> paths =
        List.of(
            "/v1/chat/completions;x=1",
            "/v1/chat;x=1/completions",
            "/v1/chat/completions.",
            "/v1/chat/completions%20",
            "/v1/CHAT/completions/");
    String body = FaultLoad.chat("gpt-4o", 2);
    List<Http> http = new ArrayList<>();
    List<Grpc> grpc = new ArrayList<>();
    for (String p : paths) {
      http.add(post(p, p, "application/json", body));
      // the api-gateway may not use internal models: allowed only if the path is not recognised
      grpc.add(grpc(p, "POST", p, GATEWAY, json(), body));
    }
    return new Payloads(http, grpc);
  }

  /** A nested-repetition pattern in the header the matrix's policy compiles as a regex. */
  static Payloads regex() {
    List<String> patterns =
        List.of(
            "((a{1000}){1000}){1000}",
            "(((a{100}){100}){100}){100}",
            "(a*)*b{1000}",
            "(?:x{1000}){1000}");
    List<Http> http = new ArrayList<>();
    List<Grpc> grpc = new ArrayList<>();
    for (String p : patterns) {
      http.add(new Http(p, "GET", "/v1/models", Map.of("x-path-filter", p), null));
      grpc.add(grpc(p, "GET", "/v1/models", GATEWAY, Map.of("x-path-filter", p), ""));
    }
    return new Payloads(http, grpc);
  }

  /** Conversations long enough to make the expensive policy's cubic rule run to the deadline. */
  static Payloads cpu() {
    StringBuilder b = new StringBuilder("{\"model\":\"gpt-4o-mini\",\"messages\":[");
    for (int i = 0; i < 1_500; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"role\":\"user\",\"content\":\"m")
          .append(i % 7)
          .append("\"}");
    }
    String longChat = b.append("]}").toString();
    return new Payloads(
        List.of(post("1500-messages", "/v1/chat/completions", "application/json", longChat)),
        List.of(grpc("1500-messages", "POST", "/v1/chat/completions", GATEWAY, json(), longChat)));
  }

  static String form(int keys) {
    StringBuilder b = new StringBuilder();
    for (String k : HashFloodBenchmark.colliding(keys)) {
      b.append(b.isEmpty() ? "" : "&").append(k).append("=1");
    }
    return b.toString();
  }

  static String jsonKeys(int keys) {
    StringBuilder b = new StringBuilder("{");
    for (String k : HashFloodBenchmark.colliding(keys)) {
      b.append(b.length() == 1 ? "" : ",").append('"').append(k).append("\":1");
    }
    return b.append('}').toString();
  }

  static String chatWith(String extra) {
    return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + extra
        + "}";
  }

  /** A valid chat body of about {@code bytes} bytes: one long user message of plain words. */
  static String chatOfSize(int bytes) {
    String head = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"";
    String tail = "\"}]}";
    StringBuilder b = new StringBuilder(bytes).append(head);
    String words = "please summarise the attached report on regional sales ";
    while (b.length() + words.length() + tail.length() <= bytes) {
      b.append(words);
    }
    return b.append(tail).toString();
  }

  static byte[] gzipOfZeros(int bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      byte[] zeros = new byte[1 << 16];
      for (int n = 0; n < bytes; n += zeros.length) {
        gz.write(zeros);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static Map<String, String> json() {
    return Map.of("content-type", "application/json");
  }

  private static Http post(String label, String path, String type, String body) {
    return new Http(
        label, "POST", path, Map.of("content-type", type), ByteString.copyFromUtf8(body));
  }

  private static Grpc grpc(
      String label,
      String method,
      String path,
      String principal,
      Map<String, String> headers,
      String body) {
    return new Grpc(label, check(method, path, principal, headers, body, null));
  }

  /** The CheckRequest Envoy would send for such a request, body as text or as raw bytes. */
  static CheckRequest check(
      String method,
      String path,
      String principal,
      Map<String, String> headers,
      String body,
      byte[] rawBody) {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setId("hostile")
            .setMethod(method)
            .setPath(path)
            .setHost("127.0.0.1")
            .setScheme("http")
            .setProtocol("HTTP/1.1")
            .putHeaders(":method", method)
            .putHeaders(":path", path)
            .putHeaders(":authority", "127.0.0.1")
            .putAllHeaders(headers);
    if (body != null) {
      http.setBody(body).setSize(body.length());
    }
    if (rawBody != null) {
      http.setRawBody(ByteString.copyFrom(rawBody)).setSize(rawBody.length);
    }
    AttributeContext.Peer.Builder source =
        AttributeContext.Peer.newBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(40000)));
    if (!principal.isEmpty()) {
      source.setPrincipal(principal);
    }
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(source)
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
        .build();
  }
}
