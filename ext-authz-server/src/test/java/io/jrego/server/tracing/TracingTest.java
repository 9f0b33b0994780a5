package io.jrego.server.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.Rego;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.DecisionMapper;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.RecordingObserver;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Spans exported over OTLP/HTTP to a receiver in the test: the JDK's HttpServer on loopback serving
 * the collector's {@code /v1/traces} (protobuf {@code ExportTraceServiceRequest} in, {@code
 * ExportTraceServiceResponse} out), decoded with the OTLP protos. The OpenTelemetry Collector
 * itself cannot be installed here: it is not a module the Go module proxy serves.
 */
class TracingTest {

  private static final String POLICY =
      """
      package envoy.authz

      default allow := false

      allow if input.parsed_body.model == "gpt-4o-mini"
      """;

  private final List<ExportTraceServiceRequest> exports = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();
  private HttpServer server;

  private URI start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v1/traces",
        ex -> {
          contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
          exports.add(ExportTraceServiceRequest.parseFrom(ex.getRequestBody().readAllBytes()));
          byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
          ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          ex.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
          if (ok.length > 0) {
            ex.getResponseBody().write(ok);
          }
          ex.close();
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces");
  }

  /** Tracing every check, exporting to this test's receiver as service {@code name}. */
  private Tracing startTracing(String name) throws IOException {
    // generous: an export that times out on a loaded machine would lose the spans checked here
    return Tracing.start(new Tracing.Config(start(), name, 1.0, Duration.ofSeconds(30)));
  }

  /**
   * A service on {@link #POLICY} at {@code revision}, its decisions traced and put in {@code
   * logged}.
   */
  private static AuthorizationService onPolicy(
      Tracing tracing, String revision, List<DecisionEvent> logged) throws Exception {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder().module("p.rego", POLICY).compile(), revision, "main", Instant.now()));
    return new AuthorizationService(
        policies,
        new ServerMetrics(),
        AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)),
        DecisionRecorder.traced(tracing, logged::add));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void aSpanPerCheckChildOfEnvoysTraceWithTheDecisionAsAttributes() throws Exception {
    Tracing tracing = startTracing("jrego-test");
    List<DecisionEvent> logged = new CopyOnWriteArrayList<>();
    AuthorizationService service = onPolicy(tracing, "rev-3", logged);

    CheckResponse allowed =
        call(
            service,
            "{\"model\":\"gpt-4o-mini\",\"messages\":[]}",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    call(
        service,
        "{\"model\":\"gpt-4o\"}",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    call(service, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"id\":1}", null);
    tracing.close(Duration.ofSeconds(60));

    assertThat(contentTypes).allMatch("application/x-protobuf"::equals);
    List<ResourceSpans> resources =
        exports.stream().flatMap(r -> r.getResourceSpansList().stream()).toList();
    assertThat(resources).isNotEmpty();
    assertThat(attributes(resources.get(0).getResource().getAttributesList()))
        .containsEntry("service.name", "jrego-test");
    List<Span> spans =
        resources.stream()
            .flatMap(r -> r.getScopeSpansList().stream())
            .map(ScopeSpans::getSpansList)
            .flatMap(List::stream)
            .toList();
    assertThat(spans).hasSize(3);
    Span allow = find(spans, logged.get(0));
    assertThat(allow.getName()).isEqualTo("envoy.service.auth.v3.Authorization/Check");
    assertThat(allow.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(hex(allow.getTraceId().toByteArray())).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(hex(allow.getParentSpanId().toByteArray())).isEqualTo("00f067aa0ba902b7");
    assertThat(allow.getEndTimeUnixNano()).isGreaterThan(allow.getStartTimeUnixNano());
    Map<String, String> a = attributes(allow.getAttributesList());
    assertThat(a)
        .containsEntry("authz.decision", "allow")
        .containsEntry("jrego.reason", "policy")
        .containsEntry("jrego.phase", "check")
        .containsEntry("rpc.system", "grpc")
        .containsEntry("gen_ai.request.model", "gpt-4o-mini")
        .containsEntry("security_rule.version", "rev-3")
        .containsEntry("security_rule.ruleset.name", "envoy/authz/allow")
        .containsEntry(
            "opa.decision_id",
            allowed
                .getDynamicMetadata()
                .getFieldsOrThrow(DecisionMapper.DECISION_ID)
                .getStringValue());
    assertThat(attributes(find(spans, logged.get(1)).getAttributesList()))
        .containsEntry("authz.decision", "deny")
        .containsEntry("gen_ai.request.model", "gpt-4o");
    Span mcp = find(spans, logged.get(2));
    assertThat(mcp.getParentSpanId().isEmpty()).isTrue(); // no traceparent: a new trace
    assertThat(attributes(mcp.getAttributesList())).containsEntry("mcp.method.name", "tools/call");
    assertThat(mcp.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
  }

  @Test
  void failedChecksAreErrorSpans() throws Exception {
    Tracing tracing = startTracing("jrego");
    List<DecisionEvent> logged = new CopyOnWriteArrayList<>();
    AuthorizationService service =
        new AuthorizationService(
            new PolicyHolder(),
            new ServerMetrics(),
            AuthorizationService.Config.defaults(),
            DecisionRecorder.traced(tracing, logged::add));
    call(service, "{}", null);
    tracing.close(Duration.ofSeconds(60));
    Span span = exports.get(0).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(span.getStatus().getMessage()).startsWith("no_policy");
    assertThat(attributes(span.getAttributesList())).containsEntry("authz.decision", "error");
    assertThat(hex(span.getSpanId().toByteArray()))
        .isEqualTo(logged.get(0).traceContext().spanId());
  }

  @Test
  void anUnsampledTraceparentIsFollowed() throws Exception {
    Tracing tracing = startTracing("jrego");
    List<DecisionEvent> logged = new CopyOnWriteArrayList<>();
    AuthorizationService service = onPolicy(tracing, "r", logged);
    call(service, "{}", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    tracing.close(Duration.ofSeconds(60));
    assertThat(exports.stream().mapToInt(ExportTraceServiceRequest::getResourceSpansCount).sum())
        .isZero();
    // the log still names the request's trace and Envoy's span
    assertThat(logged.get(0).traceContext().traceId())
        .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(logged.get(0).traceContext().logSpanId()).isEqualTo("00f067aa0ba902b7");
  }

  private static Span find(List<Span> spans, DecisionEvent e) {
    return spans.stream()
        .filter(s -> hex(s.getSpanId().toByteArray()).equals(e.traceContext().spanId()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span for " + e.traceContext()));
  }

  private static Map<String, String> attributes(List<KeyValue> kvs) {
    return kvs.stream()
        .collect(
            Collectors.toMap(
                KeyValue::getKey,
                kv ->
                    kv.getValue().hasStringValue()
                        ? kv.getValue().getStringValue()
                        : kv.getValue().toString().strip()));
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static CheckResponse call(AuthorizationService s, String body, String traceparent) {
    TestRequests.Http request = TestRequests.post("/v1/chat/completions").json(body);
    if (traceparent != null) {
      request.header("traceparent", traceparent);
    }
    return RecordingObserver.check(s, request.build());
  }
}
