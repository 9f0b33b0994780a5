package io.jrego.server.grpc;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.QueryOptions;
import io.jrego.engine.RegoError;
import io.jrego.engine.RegoException;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.DecisionMapper;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.envoy.Reason;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.observe.TraceContext;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization/Check}: maps the request to the OPA-Envoy
 * input, evaluates the active policy at the decision path and maps the decision to a response.
 *
 * <p>Throws no exception: a request that cannot be parsed is answered 400 (as OPA-Envoy does); an
 * undefined decision, an evaluation error or a decision of the wrong shape fails the RPC with
 * UNKNOWN, or answers a denied response, as {@link OnError} is configured. So does a check that
 * outlives its deadline ({@link Config#evalTimeout}, for mapping and evaluation together: reason
 * {@code timeout}). An {@link Error} (a {@link StackOverflowError}) goes on to the {@link
 * ErrorBoundary} around the call, which answers it the same way with reason {@code internal}.
 */
public final class AuthorizationService extends AuthorizationGrpc.AuthorizationImplBase {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.check");

  /**
   * How checks are answered.
   *
   * @param decisionPath the decision document, such as {@code envoy/authz/allow}
   * @param input how requests become input
   * @param dryRun answer every decision with an allow
   * @param onError what a failed check answers
   * @param errorStatus the HTTP status of an {@link OnError#DENY} answer
   * @param maxSendBytes the largest response allowed
   * @param evalTimeout how long one check may take once a check thread has taken it up (time spent
   *     queued before is not counted): input mapping and evaluation share it, then it fails with
   *     {@link Reason#TIMEOUT}
   */
  public record Config(
      String decisionPath,
      InputMapper.Options input,
      boolean dryRun,
      OnError onError,
      int errorStatus,
      int maxSendBytes,
      Duration evalTimeout) {

    /**
     * The default {@link #evalTimeout}: Envoy's default ext_authz timeout, and well below the 0.5 s
     * of {@code envoy-config}. A check still running when Envoy has given up only holds a thread
     * other checks need; below Envoy's timeout, jrego's own answer ({@code --on-error}) reaches
     * Envoy before it applies {@code failure_mode_allow}.
     */
    public static final Duration DEFAULT_EVAL_TIMEOUT = Duration.ofMillis(200);

    public Config {
      Objects.requireNonNull(decisionPath);
      Objects.requireNonNull(input);
      Objects.requireNonNull(onError);
      if (evalTimeout.isNegative() || evalTimeout.isZero()) {
        throw new IllegalArgumentException("eval timeout must be positive, got " + evalTimeout);
      }
      if (StatusCode.forNumber(errorStatus) == null || errorStatus == 0) {
        throw new IllegalArgumentException(
            "error status " + errorStatus + " is not an HTTP status Envoy knows");
      }
    }

    /** OPA-Envoy's defaults: {@code envoy/authz/allow}, fail the RPC on errors. */
    public static Config defaults() {
      return new Config(
          "envoy/authz/allow",
          InputMapper.Options.defaults(),
          false,
          OnError.GRPC_ERROR,
          403,
          Integer.MAX_VALUE,
          DEFAULT_EVAL_TIMEOUT);
    }

    /** This configuration with another {@link #onError} and {@link #errorStatus}. */
    public Config withOnError(OnError mode, int status) {
      return new Config(decisionPath, input, dryRun, mode, status, maxSendBytes, evalTimeout);
    }

    /** This configuration with another {@link #evalTimeout}. */
    public Config withEvalTimeout(Duration timeout) {
      return new Config(decisionPath, input, dryRun, onError, errorStatus, maxSendBytes, timeout);
    }
  }

  private final PolicyHolder policies;
  private final ServerMetrics metrics;
  private final Config config;
  private final InputMapper inputMapper;
  private final DecisionMapper decisionMapper;

  private final boolean quiet;
  private final DecisionRecorder recorder;

  public AuthorizationService(PolicyHolder policies, ServerMetrics metrics, Config config) {
    this(policies, metrics, config, DecisionRecorder.none());
  }

  /** A service that hands every decision to {@code recorder} (decision logs, tracing). */
  public AuthorizationService(
      PolicyHolder policies, ServerMetrics metrics, Config config, DecisionRecorder recorder) {
    this(policies, metrics, config, false, recorder);
  }

  private AuthorizationService(
      PolicyHolder policies,
      ServerMetrics metrics,
      Config config,
      boolean quiet,
      DecisionRecorder recorder) {
    this.policies = policies;
    this.metrics = metrics;
    this.config = config;
    this.quiet = quiet;
    this.recorder = quiet ? DecisionRecorder.none() : recorder;
    this.inputMapper = new InputMapper(config.input());
    this.decisionMapper = new DecisionMapper(config.dryRun());
  }

  /** Where checks are counted. */
  ServerMetrics metrics() {
    return metrics;
  }

  /**
   * The same service for {@link WarmUp}'s made-up checks: same policy and configuration, metrics of
   * its own (discarded) and no logging.
   */
  AuthorizationService forWarmUp() {
    return new AuthorizationService(
        policies, new ServerMetrics(), config, true, DecisionRecorder.none());
  }

  /** What a check sends back: a response, or (with {@link OnError#GRPC_ERROR}) a failed RPC. */
  private record Answer(CheckResponse response, Status error) {
    void sendTo(StreamObserver<CheckResponse> out) {
      if (error != null) {
        out.onError(error.asRuntimeException());
        return;
      }
      out.onNext(response);
      out.onCompleted();
    }
  }

  /**
   * What one check found out, for its {@link DecisionEvent}: filled as the check goes, used only
   * when a recorder is set.
   */
  private static final class Trail {
    ActivePolicy policy;
    ObjectValue input;
    Value decision;
    long inputNanos;
    long evalNanos;
    String outcome = "error";
    String reason = Reason.INTERNAL.code();
    CheckException error;
  }

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
    long start = System.nanoTime();
    Instant startedAt = recorder == DecisionRecorder.none() ? null : Instant.now();
    String decisionId = decisionId();
    Trail trail = new Trail();
    Answer answer;
    try {
      answer = answer(request, decisionId, start, trail);
    } catch (CheckException e) {
      answer = failure(e, decisionId, start, trail);
    } catch (RuntimeException e) {
      answer =
          failure(
              new CheckException(Reason.INTERNAL, String.valueOf(e), e), decisionId, start, trail);
    }
    if (startedAt != null) {
      record(request, decisionId, startedAt, System.nanoTime() - start, trail);
    }
    // An Error (a stack overflow) goes on to the ErrorBoundary around the call, which answers it.
    try {
      answer.sendTo(out);
    } catch (RuntimeException e) {
      // the call is gone (Envoy gave up and cancelled it): nobody is left to answer
      if (!quiet) {
        LOG.log(Level.DEBUG, "check decision_id={0}: answer not sent: {1}", decisionId, e);
      }
    }
  }

  /** Hands the check to the recorder; a recorder's failure never reaches Envoy. */
  private void record(
      CheckRequest request, String decisionId, Instant startedAt, long nanos, Trail t) {
    try {
      Map<String, String> headers = request.getAttributes().getRequest().getHttp().getHeadersMap();
      recorder.record(
          new DecisionEvent(
              decisionId,
              config.decisionPath(),
              Optional.ofNullable(t.input),
              Optional.ofNullable(t.decision),
              Optional.ofNullable(t.error)
                  .map(e -> new DecisionEvent.Failure(e.reason().code(), e.getMessage())),
              t.outcome,
              t.reason,
              config.dryRun(),
              Optional.ofNullable(t.policy)
                  .map(p -> new DecisionEvent.Bundle(p.source(), p.revision(), p.policy())),
              startedAt,
              new DecisionEvent.Timings(t.inputNanos, t.evalNanos, nanos),
              TraceContext.parse(headers.get("traceparent"), headers.get("tracestate")),
              ""));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "check decision_id={0}: not recorded: {1}", decisionId, e);
    }
  }

  /** The policy's answer, or a 400 for a request that cannot be parsed. */
  private Answer answer(CheckRequest request, String decisionId, long start, Trail trail)
      throws CheckException {
    long deadline = start + config.evalTimeout().toNanos();
    ActivePolicy policy =
        policies
            .current()
            .orElseThrow(() -> new CheckException(Reason.NO_POLICY, "no policy is active"));
    trail.policy = policy;
    ObjectValue input;
    try {
      input = inputMapper.map(request, deadline);
    } catch (CheckException e) {
      if (e.reason() != Reason.REQUEST_PARSE_ERROR) {
        throw e;
      }
      trail.outcome = "deny";
      trail.reason = e.reason().code();
      trail.error = e;
      return parseError(e, start);
    }
    trail.input = input;
    long evalStart = System.nanoTime();
    trail.inputNanos = evalStart - start;
    Value decision;
    try {
      decision = evaluate(policy, input, deadline);
    } finally {
      trail.evalNanos = System.nanoTime() - evalStart;
    }
    trail.decision = decision;
    CheckResponse response = decisionMapper.map(decision, decisionId);
    if (response.getSerializedSize() > config.maxSendBytes()) {
      throw new CheckException(
          Reason.RESPONSE_TOO_LARGE,
          "response of "
              + response.getSerializedSize()
              + " bytes exceeds "
              + config.maxSendBytes());
    }
    boolean allowed = DecisionMapper.isAllowed(decision);
    String result = response.getStatus().getCode() == Code.OK_VALUE ? "allow" : "deny";
    String reason = config.dryRun() && !allowed ? "dry_run" : "policy";
    metrics.check(result, reason, System.nanoTime() - start);
    trail.outcome = result;
    trail.reason = reason;
    if (!quiet && LOG.isLoggable(Level.DEBUG)) {
      LOG.log(
          Level.DEBUG,
          "check decision_id={0} result={1} reason={2} revision={3}",
          decisionId,
          result,
          reason,
          policy.revision());
    }
    return new Answer(response, null);
  }

  private Value evaluate(ActivePolicy policy, ObjectValue input, long deadline)
      throws CheckException {
    long evalStart = System.nanoTime();
    Optional<Value> decision;
    try {
      decision =
          policy
              .policy()
              .evaluate(config.decisionPath(), input, QueryOptions.none().withDeadline(deadline));
    } catch (RegoException e) {
      if (RegoError.EVAL_CANCEL.equals(e.code()) && System.nanoTime() > deadline) {
        throw new CheckException(
            Reason.TIMEOUT,
            "evaluation passed the check's deadline of " + config.evalTimeout().toMillis() + " ms",
            e);
      }
      throw new CheckException(Reason.EVAL_ERROR, e.getMessage(), e);
    } finally {
      metrics.evaluation(System.nanoTime() - evalStart);
    }
    return decision.orElseThrow(
        () -> new CheckException(Reason.UNDEFINED_DECISION, "undefined decision"));
  }

  /** As OPA-Envoy: PERMISSION_DENIED, a 400 with the message as body, no decision id. */
  private Answer parseError(CheckException e, long start) {
    metrics.check("deny", e.reason().code(), System.nanoTime() - start);
    if (!quiet) {
      LOG.log(Level.DEBUG, "check answered 400: {0}", e.getMessage());
    }
    return new Answer(
        denied(
                e,
                DeniedHttpResponse.newBuilder().setBody(e.getMessage()),
                StatusCode.BadRequest_VALUE)
            .build(),
        null);
  }

  /** A failed check: logged in one line and counted, then answered as {@link OnError} says. */
  private Answer failure(CheckException e, String decisionId, long start, Trail trail) {
    trail.outcome = "error";
    trail.reason = e.reason().code();
    trail.error = e;
    if (!quiet) {
      LOG.log(
          Level.WARNING,
          "check failed decision_id={0} reason={1}: {2}",
          decisionId,
          e.reason().code(),
          e.getMessage());
    }
    metrics.check("error", e.reason().code(), System.nanoTime() - start);
    if (config.onError() == OnError.GRPC_ERROR) {
      return new Answer(null, Status.UNKNOWN.withDescription(e.getMessage()));
    }
    return new Answer(errorDenial(e, decisionId), null);
  }

  /** The {@link OnError#DENY} answer to a failed check. */
  private CheckResponse errorDenial(CheckException e, String decisionId) {
    return denied(
            e,
            DeniedHttpResponse.newBuilder()
                .addHeaders(
                    HeaderValueOption.newBuilder()
                        .setHeader(
                            HeaderValue.newBuilder()
                                .setKey("x-jrego-error")
                                .setValue(e.reason().code()))
                        .setAppendAction(
                            HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .setBody(e.reason().code()),
            config.errorStatus())
        .setDynamicMetadata(
            com.google.protobuf.Struct.newBuilder()
                .putFields(
                    DecisionMapper.DECISION_ID,
                    com.google.protobuf.Value.newBuilder().setStringValue(decisionId).build()))
        .build();
  }

  /**
   * What a check that died by an {@link Error} answers ({@link ErrorBoundary}): the {@link
   * OnError#DENY} answer with reason {@code internal}, or empty to fail the call.
   */
  Optional<CheckResponse> internalErrorDenial() {
    return config.onError() == OnError.DENY
        ? Optional.of(
            errorDenial(new CheckException(Reason.INTERNAL, "internal error"), decisionId()))
        : Optional.empty();
  }

  /** A PERMISSION_DENIED answer carrying {@code e}'s message and an HTTP {@code httpStatus}. */
  private static CheckResponse.Builder denied(
      CheckException e, DeniedHttpResponse.Builder http, int httpStatus) {
    return CheckResponse.newBuilder()
        .setStatus(
            com.google.rpc.Status.newBuilder()
                .setCode(Code.PERMISSION_DENIED_VALUE)
                .setMessage(e.getMessage()))
        .setDeniedResponse(http.setStatus(HttpStatus.newBuilder().setCodeValue(httpStatus)));
  }

  /** A random (version 4) UUID without SecureRandom's cost: decision ids need not be secret. */
  private static String decisionId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }
}
