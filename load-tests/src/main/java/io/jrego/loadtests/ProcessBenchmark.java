package io.jrego.loadtests;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.stub.StreamObserver;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.process.CheckedDecision;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One request through ext_authz and ext_proc in-process, without sockets, as {@code extproc.py}
 * sends it through Envoy: the API gateway's 2 KB chat request whose prompt the shipped bundle
 * redacts ({@code inputs/chat-2kb-pii.json}), and ChatUpstream's JSON answer. {@link #check} is the
 * Check Envoy's ext_authz filter sends (with the body); {@link #process} is the whole ext_proc
 * stream (request headers, request body, response headers, response body) with the dynamic metadata
 * that Check answered forwarded as Envoy forwards it; {@link #checkThenProcess} both, as one
 * request costs through the shipped {@code envoy.yaml}; {@link #requestPhase} the stream's request
 * headers and body alone ({@link #process} minus it is the response phase), and {@link
 * #requestPhaseChecked} the same with Check's metadata, whose decision it reads instead of
 * evaluating it again. {@link #mode} is how Envoy sends the bodies: {@code FULL_DUPLEX_STREAMED} as
 * the shipped {@code envoy.yaml} does (the headers' answer waits for the body's decision), or
 * {@code BUFFERED} (answered at once, with the mode override for the rest).
 *
 * <p>{@code java -jar load-tests/target/benchmarks.jar ProcessBenchmark -p root=$PWD}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProcessBenchmark {

  /** The repository root; the bundle and inputs are read relative to it. */
  @Param({"."})
  public String root;

  /** The request body mode Envoy is configured with (the response body's follows from it). */
  @Param({"FULL_DUPLEX_STREAMED", "BUFFERED"})
  public String mode;

  static final String CALLER = "spiffe://cluster.local/ns/edge/sa/api-gateway";
  static final String ANSWER =
      "{\"id\":\"chatcmpl-load\",\"object\":\"chat.completion\",\"created\":1767225600,"
          + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
          + "\"assistant\",\"content\":\"Noted; I will keep it short.\"},\"finish_reason\":"
          + "\"stop\"}],\"usage\":{\"prompt_tokens\":420,\"completion_tokens\":8,"
          + "\"total_tokens\":428}}";

  private AuthorizationService check;
  private AuthorizationService checkOnly;
  private ExternalProcessorService process;
  private CheckRequest checkRequest;
  private ProcessingRequest responseHeaders;
  private ProcessingRequest responseBody;
  private ProcessingRequest requestBody;
  private ByteString body;
  private Map<String, String> headers;
  private Metadata checkMetadata;

  @Setup
  public void setUp() throws Exception {
    Path base = Path.of(root);
    PolicyHolder holder = new PolicyHolder();
    holder.activate(JregoServer.load(base.resolve("rego-policies/ai-gateway")));
    ServerMetrics metrics = new ServerMetrics();
    check =
        new AuthorizationService(holder, metrics, AuthorizationService.Config.defaults())
            .carryDecisionsTo(ExternalProcessorService.Config.defaults().processPath());
    // as jrego serve wires Check by default (carry auto), in a process no stream has reached
    checkOnly =
        new AuthorizationService(holder, metrics, AuthorizationService.Config.defaults())
            .carryDecisionsTo(
                ExternalProcessorService.Config.defaults().processPath(),
                new CheckedDecision.Gate(CheckedDecision.Carrying.AUTO));
    process =
        new ExternalProcessorService(
            holder,
            metrics,
            AuthorizationService.Config.defaults(),
            ExternalProcessorService.Config.defaults());
    body =
        ByteString.copyFrom(
            Files.readAllBytes(base.resolve("load-tests/inputs/chat-2kb-pii.json")));
    headers = new LinkedHashMap<>();
    headers.put(":method", "POST");
    headers.put(":path", "/v1/chat/completions");
    headers.put(":authority", "localhost");
    headers.put(":scheme", "https");
    headers.put("content-type", "application/json");
    headers.put("content-length", String.valueOf(body.size()));
    headers.put("user-agent", "Java-http-client/21");
    checkRequest = checkRequest();
    requestBody =
        ProcessingRequest.newBuilder()
            .setRequestBody(HttpBody.newBuilder().setBody(body).setEndOfStream(true))
            .build();
    responseHeaders =
        ProcessingRequest.newBuilder()
            .setResponseHeaders(
                HttpHeaders.newBuilder()
                    .setHeaders(
                        headerMap(
                            Map.of(
                                ":status", "200",
                                "content-type", "application/json",
                                "content-length", String.valueOf(ANSWER.length())))))
            .build();
    responseBody =
        ProcessingRequest.newBuilder()
            .setResponseBody(
                HttpBody.newBuilder()
                    .setBody(ByteString.copyFrom(ANSWER, StandardCharsets.UTF_8))
                    .setEndOfStream(true))
            .build();
    Capture<CheckResponse> checked = new Capture<>();
    check.check(checkRequest, checked);
    if (!CheckedDecision.carried(checked.out.get(0))) {
      throw new IllegalStateException("Check carried no decision: " + checked.out);
    }
    if (CheckedDecision.carried(checkOnly())) {
      throw new IllegalStateException("a Check-only process carried a decision");
    }
    checkMetadata = forwarded(checked.out.get(0));
    List<ProcessingResponse> out = checkThenProcess();
    var sentBody = out.get(1).getRequestBody().getResponse().getBodyMutation();
    String sent =
        (sentBody.hasStreamedResponse()
                ? sentBody.getStreamedResponse().getBody()
                : sentBody.getBody())
            .toStringUtf8();
    if (out.size() != 4 || !sent.contains("<EMAIL_1>") || sent.contains("@")) {
      throw new IllegalStateException("the request was not redacted as expected: " + out);
    }
    if (!withoutIds(requestPhaseChecked()).equals(withoutIds(requestPhase()))) {
      throw new IllegalStateException("the request phase answers otherwise with Check's decision");
    }
  }

  /** Answers without their dynamic metadata (which holds each decision's own id). */
  private static List<ProcessingResponse> withoutIds(List<ProcessingResponse> answers) {
    return answers.stream().map(r -> r.toBuilder().clearDynamicMetadata().build()).toList();
  }

  /** The metadata Envoy forwards to ext_proc: ext_authz's namespace, as Check answered it. */
  private static Metadata forwarded(CheckResponse answer) {
    return Metadata.newBuilder()
        .putFilterMetadata(CheckedDecision.NAMESPACE, answer.getDynamicMetadata())
        .build();
  }

  /** The Check ext_authz sends, with the body (as {@code with_request_body} does). */
  private CheckRequest checkRequest() {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setMethod("POST")
            .setPath("/v1/chat/completions")
            .setHost("localhost")
            .setScheme("https")
            .setProtocol("HTTP/1.1")
            .setSize(body.size())
            .setBody(body.toStringUtf8())
            .putAllHeaders(headers);
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(AttributeContext.Peer.newBuilder().setPrincipal(CALLER))
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
        .build();
  }

  private ProcessingRequest requestHeaders(Metadata metadata) {
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(
            ProtocolConfiguration.newBuilder()
                .setRequestBodyMode(BodySendMode.valueOf(mode))
                .setResponseBodyMode(
                    mode.equals("BUFFERED") ? BodySendMode.NONE : BodySendMode.valueOf(mode)))
        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headerMap(headers)))
        .putAttributes(
            "envoy.filters.http.ext_proc",
            Struct.newBuilder()
                .putFields(
                    "connection.uri_san_peer_certificate",
                    com.google.protobuf.Value.newBuilder().setStringValue(CALLER).build())
                .build())
        .setMetadataContext(metadata)
        .build();
  }

  /** Check, then the ext_proc stream with Check's dynamic metadata; the stream's answers. */
  @Benchmark
  public List<ProcessingResponse> checkThenProcess() {
    Capture<CheckResponse> c = new Capture<>();
    check.check(checkRequest, c);
    return stream(forwarded(c.out.get(0)), true);
  }

  /**
   * Check in a process whose ext_proc service has seen no stream Envoy forwarded ext_authz's
   * namespace to (a Check-only deployment): it writes no decision for the streams.
   */
  @Benchmark
  public CheckResponse checkOnly() {
    Capture<CheckResponse> c = new Capture<>();
    checkOnly.check(checkRequest, c);
    return c.out.get(0);
  }

  /** Check alone, writing its decision for the stream. */
  @Benchmark
  public CheckResponse check() {
    Capture<CheckResponse> c = new Capture<>();
    check.check(checkRequest, c);
    return c.out.get(0);
  }

  /** The whole ext_proc stream, without Check's metadata. */
  @Benchmark
  public List<ProcessingResponse> process() {
    return stream(Metadata.getDefaultInstance(), true);
  }

  /**
   * The request phase alone: request headers and body, without Check's metadata (ext_proc alone:
   * the request rule evaluates {@code data.envoy.authz.allow} itself).
   */
  @Benchmark
  public List<ProcessingResponse> requestPhase() {
    return stream(Metadata.getDefaultInstance(), false);
  }

  /**
   * The request phase with the metadata Check answered this request with, as Envoy forwards it: the
   * request rule reads Check's decision ({@code CheckedDecision}) instead of evaluating it.
   */
  @Benchmark
  public List<ProcessingResponse> requestPhaseChecked() {
    return stream(checkMetadata, false);
  }

  private List<ProcessingResponse> stream(Metadata metadata, boolean response) {
    Capture<ProcessingResponse> c = new Capture<>();
    StreamObserver<ProcessingRequest> s = process.process(c);
    s.onNext(requestHeaders(metadata));
    s.onNext(requestBody);
    if (response) {
      s.onNext(responseHeaders);
      s.onNext(responseBody);
    }
    s.onCompleted();
    if (c.error != null) {
      throw new IllegalStateException("the stream failed", c.error);
    }
    return c.out;
  }

  static HeaderMap headerMap(Map<String, String> headers) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    headers.forEach(
        (k, v) ->
            m.addHeaders(
                HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
    return m.build();
  }

  /** Keeps what a call answers. */
  private static final class Capture<T> implements StreamObserver<T> {
    final List<T> out = new ArrayList<>();
    Throwable error;

    @Override
    public void onNext(T r) {
      out.add(r);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }
}
