package io.jrego.server.tracing;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.observe.TraceContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A span per decision, exported over OTLP/HTTP (protobuf) with OpenTelemetry's SDK. The span is a
 * child of the request's W3C {@code traceparent} (with its {@code tracestate}) when Envoy forwards
 * one, starts when the check started and ends when it was answered; it is made after the answer,
 * from the {@link DecisionEvent}, so tracing adds nothing to the time Envoy waits beyond building
 * the span and handing it to the batch processor (bounded queue, its own thread; a full queue drops
 * spans, as OpenTelemetry's SDK does).
 *
 * <p>The span is named {@code envoy.service.auth.v3.Authorization/Check} or {@code
 * envoy.service.ext_proc.v3.ExternalProcessor/Process} (one span per evaluated phase). Attributes
 * (OpenTelemetry semantic conventions where one fits): {@code rpc.system} {@code grpc}, {@code
 * rpc.service}, {@code rpc.method}; {@code jrego.phase} ({@code check}, {@code request}, {@code
 * response}); {@code authz.decision} ({@code allow}, {@code deny}, {@code error}); {@code
 * jrego.reason} ({@code policy}, {@code dry_run} or a failure code); {@code opa.decision_id};
 * {@code security_rule.ruleset.name} (the decision path); {@code security_rule.version} (the bundle
 * revision); {@code user.id} (the caller's SPIFFE ID, {@code input.attributes.source.principal});
 * for AI routes {@code gen_ai.request.model} ({@code parsed_body.model}) and for MCP {@code
 * mcp.method.name} ({@code parsed_body.method} of a JSON-RPC body). A failed check sets the span's
 * status to error with the failure's message.
 */
public final class Tracing implements UnaryOperator<DecisionEvent>, AutoCloseable {

  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  private static final AttributeKey<String> DECISION = AttributeKey.stringKey("authz.decision");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("jrego.reason");
  private static final AttributeKey<Boolean> DRY_RUN = AttributeKey.booleanKey("jrego.dry_run");
  private static final AttributeKey<String> DECISION_ID = AttributeKey.stringKey("opa.decision_id");
  private static final AttributeKey<String> RULESET =
      AttributeKey.stringKey("security_rule.ruleset.name");
  private static final AttributeKey<String> REVISION =
      AttributeKey.stringKey("security_rule.version");
  private static final AttributeKey<String> USER = AttributeKey.stringKey("user.id");
  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<String> MCP_METHOD = AttributeKey.stringKey("mcp.method.name");

  /**
   * Where and how spans go.
   *
   * @param endpoint the OTLP/HTTP traces URL, such as {@code http://collector:4318/v1/traces}
   * @param serviceName the resource's {@code service.name}
   * @param sampleRatio the share of traces sampled when the request carries no sampling decision (a
   *     {@code traceparent}'s sampled flag is followed)
   * @param timeout how long one export may take
   */
  public record Config(URI endpoint, String serviceName, double sampleRatio, Duration timeout) {
    public Config {
      if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
        throw new IllegalArgumentException(
            "trace sample ratio must be within 0..1: " + sampleRatio);
      }
      if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
        throw new IllegalArgumentException(
            "OTLP endpoint must be an http(s) URL such as http://collector:4318/v1/traces, got "
                + endpoint);
      }
    }
  }

  private static final AttributeKey<String> PHASE = AttributeKey.stringKey("jrego.phase");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("jrego.route");

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider.get("io.jrego.server");
  }

  /** Tracing that exports Check spans to {@code config}'s OTLP/HTTP endpoint. */
  public static Tracing start(Config config) {
    SpanExporter exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(config.endpoint().toString())
            .setTimeout(config.timeout())
            .build();
    return start(config, exporter);
  }

  static Tracing start(Config config, SpanExporter exporter) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName())))
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter)
                    .setScheduleDelay(Duration.ofSeconds(1))
                    .setMaxQueueSize(8192)
                    .setExporterTimeout(config.timeout())
                    .build())
            .build();
    return new Tracing(provider);
  }

  /** Makes the event's span; returns the event naming it, or unchanged when not sampled. */
  @Override
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // seconds and nanoseconds make the epoch nanos
  public DecisionEvent apply(DecisionEvent e) {
    TraceContext tc = e.traceContext();
    Context parent = Context.root();
    if (tc.isPresent()) {
      SpanContext remote =
          SpanContext.createFromRemoteParent(
              tc.traceId(),
              tc.parentSpanId(),
              tc.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault(),
              traceState(tc.state()));
      parent = parent.with(Span.wrap(remote));
    }
    long startNanos =
        TimeUnit.SECONDS.toNanos(e.timestamp().getEpochSecond()) + e.timestamp().getNano();
    boolean process = "ext_proc".equals(e.service());
    String rpcService =
        process
            ? "envoy.service.ext_proc.v3.ExternalProcessor"
            : "envoy.service.auth.v3.Authorization";
    String rpcMethod = process ? "Process" : "Check";
    SpanBuilder b =
        tracer
            .spanBuilder(rpcService + "/" + rpcMethod)
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setStartTimestamp(startNanos, TimeUnit.NANOSECONDS)
            .setAttribute(RPC_SYSTEM, "grpc")
            .setAttribute(RPC_SERVICE, rpcService)
            .setAttribute(RPC_METHOD, rpcMethod)
            .setAttribute(DECISION, e.outcome())
            .setAttribute(REASON, e.reason())
            .setAttribute(DECISION_ID, e.decisionId())
            .setAttribute(RULESET, e.path())
            .setAttribute(PHASE, e.phase());
    if (e.dryRun()) {
      b.setAttribute(DRY_RUN, true);
    }
    e.bundle().ifPresent(bundle -> b.setAttribute(REVISION, bundle.revision()));
    if (!e.route().isEmpty()) {
      b.setAttribute(ROUTE, e.route());
    }
    e.input()
        .ifPresent(
            input -> {
              string(input, "attributes", "source", "principal")
                  .filter(s -> !s.isEmpty())
                  .ifPresent(s -> b.setAttribute(USER, s));
              string(input, "parsed_body", "model").ifPresent(s -> b.setAttribute(MODEL, s));
              if (string(input, "parsed_body", "jsonrpc").isPresent()) {
                string(input, "parsed_body", "method")
                    .ifPresent(s -> b.setAttribute(MCP_METHOD, s));
              }
            });
    Span span = b.startSpan();
    e.error().ifPresent(f -> span.setStatus(StatusCode.ERROR, f.code() + ": " + f.message()));
    span.end(startNanos + e.timings().totalNanos(), TimeUnit.NANOSECONDS);
    SpanContext sc = span.getSpanContext();
    if (!sc.isValid() || !sc.isSampled()) {
      return e; // not exported: the log names the request's trace and Envoy's span instead
    }
    return e.withTraceContext(tc.withSpan(sc.getTraceId(), sc.getSpanId()));
  }

  /**
   * A {@code tracestate} header's entries; the SDK's builder leaves out entries that are not valid
   * (and a header of more than 32 entries is dropped whole, as the W3C recommendation allows).
   */
  private static TraceState traceState(String header) {
    if (header.isEmpty()) {
      return TraceState.getDefault();
    }
    String[] entries = header.split(",", -1);
    if (entries.length > 32) {
      return TraceState.getDefault();
    }
    TraceStateBuilder b = TraceState.builder();
    // the first entry is the most recent; the builder's put puts each new entry first
    for (int i = entries.length - 1; i >= 0; i--) {
      String entry = entries[i].strip();
      int eq = entry.indexOf('=');
      if (eq > 0) {
        b.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return b.build();
  }

  private static Optional<String> string(Value root, String... path) {
    Value v = root;
    for (String p : List.of(path)) {
      if (!(v instanceof ObjectValue o)) {
        return Optional.empty();
      }
      Optional<Value> next = o.get(p);
      if (next.isEmpty()) {
        return Optional.empty();
      }
      v = next.get();
    }
    return v instanceof StringValue s ? Optional.of(s.value()) : Optional.empty();
  }

  /** Exports what is queued, within {@code grace}, and stops. */
  public void close(Duration grace) {
    provider.shutdown().join(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
