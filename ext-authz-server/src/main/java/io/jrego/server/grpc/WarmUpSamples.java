package io.jrego.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.jrego.server.process.CheckedDecision;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The made-up traffic {@link WarmUp} sends (and the AOT cache's training run records): requests in
 * the shapes of the shipped bundles' real traffic, so that what the JIT compiles and profiles
 * before ready is the path real requests take. Chat completions with personal data, plain and
 * streamed (ai-gateway), an MCP {@code tools/call} (mcp-gateway), a retrieval query (rag-gateway),
 * and the small requests every gateway sees (a GET with a query, a form post, a caller without
 * identity); for ext_proc, whole streams of each: request headers and body, then a JSON answer or a
 * server-sent-event stream.
 *
 * <p>The callers are the SPIFFE ids the shipped bundles grant, so those bundles decide them past
 * their identity checks; any other policy answers them too, which runs the same mapping and
 * transport. Nothing here depends on the answer.
 */
final class WarmUpSamples {

  /** Callers the shipped bundles know: ai-gateway's orchestrator, mcp-gateway's support agent. */
  static final String AI_CALLER = "spiffe://cluster.local/ns/ai/sa/orchestrator";

  static final String MCP_CALLER = "spiffe://cluster.local/ns/support/sa/agent";

  static final String RAG_CALLER = "spiffe://cluster.local/ns/support/sa/assistant";

  private static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":["
          + "{\"role\":\"system\",\"content\":\"You are a helpful assistant for an online shop."
          + " Answer briefly and cite the order number.\"},"
          + "{\"role\":\"user\",\"content\":\"Where is my order 10042? Mail me at"
          + " jane.doe@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111.\"},"
          + "{\"role\":\"assistant\",\"content\":\"Order 10042 left the warehouse on Monday.\"},"
          + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And order 10142,"
          + " placed by Max Mustermann, IBAN DE89 3704 0044 0532 0130 00?\"}]}"
          + "],\"max_completion_tokens\":256,\"temperature\":0.2%s}";

  private static final String ANSWER =
      "{\"id\":\"chatcmpl-warmup\",\"object\":\"chat.completion\",\"created\":1767225600,"
          + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
          + "\"assistant\",\"content\":\"Order 10142 ships today; we wrote to"
          + " jane.doe@example.com.\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":16,\"total_tokens\":136}}";

  private static final String MCP_CALL =
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
          + "\"search_docs\",\"arguments\":{\"query\":\"refund policy for damaged parcels\","
          + "\"limit\":5}}}";

  private static final String MCP_RESULT =
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
          + "\"Refunds for damaged parcels are issued within 5 days. Contact"
          + " returns@example.com.\"}],\"isError\":false}}";

  private static final String RAG_QUERY =
      "{\"collection\":\"kb-billing\",\"namespace\":\"acme\",\"query\":\"how do refunds work?\","
          + "\"top_k\":5,\"filter\":{\"tenant_id\":\"acme\"}}";

  private static final String RAG_RESULTS =
      "{\"results\":[{\"id\":\"doc-1\",\"score\":0.91,\"text\":\"Refunds are paid to the card"
          + " used, within 5 days. Questions: billing@example.com.\"},{\"id\":\"doc-2\","
          + "\"score\":0.87,\"text\":\"Partial refunds need an order number such as 10042.\"}]}";

  private WarmUpSamples() {}

  /** Check requests: ext_authz's view of each shape, with the body as with_request_body sends. */
  static List<CheckRequest> checks() {
    return List.of(
        check(AI_CALLER, "POST", "/v1/chat/completions", json(), String.format(CHAT, "")),
        check(
            AI_CALLER,
            "POST",
            "/v1/chat/completions",
            json(),
            String.format(CHAT, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}")),
        check(MCP_CALLER, "POST", "/mcp", mcpHeaders(), MCP_CALL),
        check(RAG_CALLER, "POST", "/v1/retrieve", json(), RAG_QUERY),
        check(AI_CALLER, "GET", "/v1/models?limit=10&order=desc", Map.of(), ""),
        check(
            AI_CALLER,
            "POST",
            "/v1/feedback",
            Map.of("content-type", "application/x-www-form-urlencoded"),
            "rating=5&comment=fine+thanks"),
        check("", "GET", "/", Map.of(), ""));
  }

  /**
   * The first of {@link #streams()} twice more, as Envoy sends it behind ext_authz: once with an
   * entry of Check's decision that a policy swap made stale ({@link
   * CheckedDecision#staleEntryForWarmUp}), once with ext_authz's namespace and no entry.
   */
  static List<List<ProcessingRequest>> staleCarries() {
    List<ProcessingRequest> chat = streams().getFirst();
    Metadata stale = CheckedDecision.staleEntryForWarmUp();
    Metadata none =
        Metadata.newBuilder()
            .putFilterMetadata(CheckedDecision.NAMESPACE, Struct.getDefaultInstance())
            .build();
    List<List<ProcessingRequest>> out = new ArrayList<>();
    for (Metadata m : List.of(stale, none)) {
      List<ProcessingRequest> s = new ArrayList<>(chat);
      s.set(0, chat.getFirst().toBuilder().setMetadataContext(m).build());
      out.add(List.copyOf(s));
    }
    return List.copyOf(out);
  }

  /**
   * Whole ext_proc streams, each the messages Envoy sends in order (the request body buffered, the
   * response body streamed): a chat answered in JSON, a chat answered as server-sent events, an MCP
   * call and a retrieval query answered in JSON.
   */
  static List<List<ProcessingRequest>> streams() {
    List<String> events = new ArrayList<>();
    for (String piece :
        List.of("Order 10142 ", "ships today; ", "we wrote to jane.doe", "@example.com", ".")) {
      events.add(
          "data: {\"id\":\"chatcmpl-warmup\",\"object\":\"chat.completion.chunk\","
              + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
              + piece
              + "\"}}]}\n\n");
    }
    events.add(
        "data: {\"id\":\"chatcmpl-warmup\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":16,\"total_tokens\":136}}\n\n");
    events.add("data: [DONE]\n\n");
    String streamed =
        String.format(CHAT, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    return List.of(
        stream(
            AI_CALLER,
            "/v1/chat/completions",
            json(),
            String.format(CHAT, ""),
            "application/json",
            List.of(ANSWER)),
        stream(AI_CALLER, "/v1/chat/completions", json(), streamed, "text/event-stream", events),
        stream(MCP_CALLER, "/mcp", mcpHeaders(), MCP_CALL, "application/json", List.of(MCP_RESULT)),
        stream(
            RAG_CALLER,
            "/v1/retrieve",
            json(),
            RAG_QUERY,
            "application/json",
            List.of(RAG_RESULTS)));
  }

  private static Map<String, String> json() {
    return Map.of("content-type", "application/json");
  }

  private static Map<String, String> mcpHeaders() {
    return Map.of(
        "content-type", "application/json",
        "accept", "application/json, text/event-stream",
        "mcp-protocol-version", "2025-06-18",
        "mcp-session-id", "warm-up-session");
  }

  private static Map<String, String> requestHeaders(
      String method, String path, Map<String, String> extra, String body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(":authority", "localhost");
    h.put(":method", method);
    h.put(":path", path);
    h.put(":scheme", "https");
    h.put("accept", "*/*");
    h.put("user-agent", "jrego-warmup");
    h.put("x-forwarded-proto", "https");
    h.put("x-request-id", "00000000-0000-4000-8000-000000000000");
    h.putAll(extra);
    if (!body.isEmpty()) {
      h.put("content-length", String.valueOf(body.getBytes(StandardCharsets.UTF_8).length));
    }
    return h;
  }

  private static CheckRequest check(
      String principal, String method, String path, Map<String, String> extra, String body) {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setId("0")
            .setMethod(method)
            .setPath(path)
            .setHost("localhost")
            .setScheme("https")
            .setProtocol("HTTP/1.1")
            .putAllHeaders(requestHeaders(method, path, extra, body));
    if (!body.isEmpty()) {
      http.setBody(body).setSize(body.getBytes(StandardCharsets.UTF_8).length);
    }
    AttributeContext.Peer.Builder source =
        AttributeContext.Peer.newBuilder().setAddress(address("127.0.0.1", 50000));
    if (!principal.isEmpty()) {
      source.setPrincipal(principal);
    }
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(source)
                .setDestination(
                    AttributeContext.Peer.newBuilder().setAddress(address("127.0.0.1", 8000)))
                .setRequest(
                    AttributeContext.Request.newBuilder()
                        .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1767225600))
                        .setHttp(http)))
        .build();
  }

  private static List<ProcessingRequest> stream(
      String principal,
      String path,
      Map<String, String> extra,
      String body,
      String answerType,
      List<String> answer) {
    List<ProcessingRequest> out = new ArrayList<>();
    out.add(
        ProcessingRequest.newBuilder()
            .setProtocolConfig(
                ProtocolConfiguration.newBuilder()
                    .setRequestBodyMode(BodySendMode.BUFFERED)
                    .setResponseBodyMode(BodySendMode.NONE))
            .setRequestHeaders(
                HttpHeaders.newBuilder()
                    .setHeaders(headerMap(requestHeaders("POST", path, extra, body))))
            .putAttributes(
                "envoy.filters.http.ext_proc",
                Struct.newBuilder()
                    .putFields("connection.uri_san_peer_certificate", string(principal))
                    .putFields("source.address", string("127.0.0.1:50000"))
                    .putFields("request.protocol", string("HTTP/1.1"))
                    .build())
            .build());
    out.add(
        ProcessingRequest.newBuilder()
            .setRequestBody(HttpBody.newBuilder().setBody(utf8(body)).setEndOfStream(true))
            .build());
    int length = answer.stream().mapToInt(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
    Map<String, String> response = new LinkedHashMap<>();
    response.put(":status", "200");
    response.put("content-type", answerType);
    if (answer.size() == 1) {
      response.put("content-length", String.valueOf(length));
    }
    out.add(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headerMap(response)))
            .build());
    for (int i = 0; i < answer.size(); i++) {
      out.add(
          ProcessingRequest.newBuilder()
              .setResponseBody(
                  HttpBody.newBuilder()
                      .setBody(utf8(answer.get(i)))
                      .setEndOfStream(i == answer.size() - 1))
              .build());
    }
    return out;
  }

  private static com.google.protobuf.Value string(String s) {
    return com.google.protobuf.Value.newBuilder().setStringValue(s).build();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static HeaderMap headerMap(Map<String, String> headers) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    headers.forEach(
        (k, v) -> m.addHeaders(HeaderValue.newBuilder().setKey(k).setRawValue(utf8(v)).build()));
    return m.build();
  }

  private static Address address(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }
}
