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
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.decide.Decider;
import io.jrego.server.decide.Kind;
import io.jrego.server.decide.LongEvaluations;
import io.jrego.server.decide.Outcome;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.DecisionMapper;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.envoy.Reason;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.policy.RecentInputs;
import io.jrego.server.process.CheckedDecision;
import io.jrego.server.route.RouteTable;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization/Check}: maps the request to the OPA-Envoy
 * input, evaluates the active policy at the decision path and maps the decision to a response,
 * through the {@link Decider} core it shares with ext_proc's {@code Process}.
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
   * @param routes which decision answers each check: {@link RouteTable#single} of {@code
   *     decisionPath}, or configured routes (policy per workload)
   * @param pacing how expensive evaluations are kept from taking cheap ones' CPU, shared by Check
   *     and ext_proc ({@link LongEvaluations}); {@link LongEvaluations#off()} for none
   */
  public record Config(
      String decisionPath,
      InputMapper.Options input,
      boolean dryRun,
      OnError onError,
      int errorStatus,
      int maxSendBytes,
      Duration evalTimeout,
      RouteTable routes,
      LongEvaluations pacing) {

    /**
     * The default {@link #evalTimeout}: Envoy's default ext_authz timeout, and well below the 0.5 s
     * of {@code envoy-config}. A check still running when Envoy has given up only holds a thread
     * other checks need; below Envoy's timeout, jrego's own answer ({@code --on-error}) reaches
     * Envoy before it applies {@code failure_mode_allow}.
     */
    public static final Duration DEFAULT_EVAL_TIMEOUT = Duration.ofMillis(200);

    public Config {
      Objects.requireNonNull(decisionPath);
      Objects.requireNonNull(routes);
      Objects.requireNonNull(pacing);
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
      return builder().build();
    }

    /** A builder holding {@link #defaults()}. */
    public static Builder builder() {
      return new Builder();
    }

    /**
     * A builder holding this configuration. Routes built from {@link #decisionPath} alone ({@link
     * RouteTable#routing()} false) are not carried over: they follow the builder's decision path.
     */
    public Builder toBuilder() {
      Builder b =
          new Builder()
              .decisionPath(decisionPath)
              .input(input)
              .dryRun(dryRun)
              .onError(onError, errorStatus)
              .maxSendBytes(maxSendBytes)
              .evalTimeout(evalTimeout)
              .pacing(pacing);
      return routes.routing() ? b.routes(routes) : b;
    }

    /** This configuration with another {@link #onError} and {@link #errorStatus}. */
    public Config withOnError(OnError mode, int status) {
      return toBuilder().onError(mode, status).build();
    }

    /** This configuration with another {@link #evalTimeout}. */
    public Config withEvalTimeout(Duration timeout) {
      return toBuilder().evalTimeout(timeout).build();
    }

    /** This configuration with routes (policy per workload) instead of one decision path. */
    public Config withRoutes(RouteTable table) {
      return toBuilder().routes(table).build();
    }

    /** This configuration with expensive evaluations paced by {@code p}. */
    public Config withPacing(LongEvaluations p) {
      return toBuilder().pacing(p).build();
    }

    /**
     * Builds a {@link Config}; every setting starts at OPA-Envoy's default, and {@link #build()}
     * checks them as the record's constructor does.
     */
    public static final class Builder {
      private String decisionPath = "envoy/authz/allow";
      private InputMapper.Options input = InputMapper.Options.defaults();
      private boolean dryRun;
      private OnError onError = OnError.GRPC_ERROR;
      private int errorStatus = 403;
      private int maxSendBytes = Integer.MAX_VALUE;
      private Duration evalTimeout = DEFAULT_EVAL_TIMEOUT;
      private Optional<RouteTable> routes = Optional.empty();
      private LongEvaluations pacing = LongEvaluations.off();

      private Builder() {}

      /** The decision document; also the only route unless {@link #routes} are set. */
      public Builder decisionPath(String path) {
        this.decisionPath = Objects.requireNonNull(path);
        return this;
      }

      /** How requests become input; default {@link InputMapper.Options#defaults()}. */
      public Builder input(InputMapper.Options options) {
        this.input = Objects.requireNonNull(options);
        return this;
      }

      /** Whether every decision is answered with an allow; default false. */
      public Builder dryRun(boolean on) {
        this.dryRun = on;
        return this;
      }

      /** What a failed check answers; default {@link OnError#GRPC_ERROR}, status 403. */
      public Builder onError(OnError mode, int status) {
        this.onError = Objects.requireNonNull(mode);
        this.errorStatus = status;
        return this;
      }

      /** The largest response allowed; default unlimited. */
      public Builder maxSendBytes(int bytes) {
        this.maxSendBytes = bytes;
        return this;
      }

      /** How long one check may take; default {@link #DEFAULT_EVAL_TIMEOUT}. */
      public Builder evalTimeout(Duration timeout) {
        this.evalTimeout = Objects.requireNonNull(timeout);
        return this;
      }

      /** Configured routes; default {@link RouteTable#single} of the decision path. */
      public Builder routes(RouteTable table) {
        this.routes = Optional.of(table);
        return this;
      }

      /** How expensive evaluations are paced; default {@link LongEvaluations#off()}. */
      public Builder pacing(LongEvaluations p) {
        this.pacing = Objects.requireNonNull(p);
        return this;
      }

      /**
       * The configuration.
       *
       * @throws IllegalArgumentException if the eval timeout is not positive or the error status is
       *     not an HTTP status Envoy knows
       */
      public Config build() {
        return new Config(
            decisionPath,
            input,
            dryRun,
            onError,
            errorStatus,
            maxSendBytes,
            evalTimeout,
            routes.orElseGet(() -> RouteTable.single(decisionPath)),
            pacing);
      }
    }
  }

  private final PolicyHolder policies;
  private final Config config;
  private final Decider decider;
  private final InputMapper inputMapper;
  private final DecisionMapper decisionMapper;

  private final Optional<BudgetGate> budgets;

  // null: Check's decisions are not carried to ext_proc (carryDecisionsTo)
  private volatile CheckedDecision.Writer checked;

  /**
   * The warm-up copy's secret ({@link #forWarmUp()}): a check carrying it in {@link
   * #WARM_UP_FAILURE} fails. Empty in every service that takes real traffic, so no caller can make
   * a check fail this way.
   */
  private final Optional<String> warmUpFailure;

  /** The header a made-up warm-up check carries to fail on purpose. */
  static final String WARM_UP_FAILURE = "x-jrego-warm-up-failure";

  /**
   * Where a made-up warm-up check fails ({@link #WARM_UP_FAILURE}: the copy's secret, a slash and
   * this in lower case). Either is taken up with its deadline already passed, as a check that
   * waited its whole budget for a thread, and fails where a real check past its deadline does:
   * {@link #MAPPING} in the input's mapping ({@code InputMapper}'s deadline check), {@link
   * #EVALUATION} in the policy's evaluation (its input mapped without a deadline), through the
   * {@code Decider}'s handlers for each. Why: a failure thrown before mapping, as the warm-up had,
   * left those paths unreached, and the first real check to reach its deadline while its input was
   * mapped or evaluated set off traps there in the check path's compiled code (the fault matrix's
   * number and cpu-policy phases, session 16).
   */
  enum MadeUpFailure {
    MAPPING,
    EVALUATION;

    /** The header value that asks the copy whose secret is {@code secret} for this failure. */
    String header(String secret) {
      return secret + "/" + name().toLowerCase(Locale.ROOT);
    }
  }

  public AuthorizationService(PolicyHolder policies, ServerMetrics metrics, Config config) {
    this(policies, metrics, config, Optional.empty());
  }

  /**
   * A service that also reserves the token budgets decisions ask for ({@link BudgetGate}); not in
   * dry-run, where nothing is refused.
   */
  public AuthorizationService(
      PolicyHolder policies, ServerMetrics metrics, Config config, Optional<BudgetGate> budgets) {
    this(policies, metrics, config, budgets, DecisionRecorder.none());
  }

  /** A service that hands every decision to {@code recorder} (decision logs, tracing). */
  public AuthorizationService(
      PolicyHolder policies, ServerMetrics metrics, Config config, DecisionRecorder recorder) {
    this(policies, metrics, config, Optional.empty(), recorder);
  }

  /**
   * A service that reserves token budgets ({@link BudgetGate}) and hands every decision to {@code
   * recorder} (decision logs, tracing).
   */
  public AuthorizationService(
      PolicyHolder policies,
      ServerMetrics metrics,
      Config config,
      Optional<BudgetGate> budgets,
      DecisionRecorder recorder) {
    this(
        policies,
        new Decider(metrics, config.evalTimeout(), false, recorder, config.pacing()),
        config,
        budgets,
        Optional.empty());
    metrics.expectChecks("ext_authz", "check", true);
  }

  private AuthorizationService(
      PolicyHolder policies,
      Decider decider,
      Config config,
      Optional<BudgetGate> budgets,
      Optional<String> warmUpFailure) {
    this.policies = policies;
    this.warmUpFailure = warmUpFailure;
    this.config = config;
    this.decider = decider;
    this.budgets = config.dryRun() ? Optional.empty() : budgets;
    this.inputMapper = new InputMapper(config.input());
    this.decisionMapper = new DecisionMapper(config.dryRun());
  }

  /**
   * Carries each decision that lets a request on to the ext_proc stream of the same request, in the
   * dynamic metadata Envoy forwards ({@link CheckedDecision}), when the policy defines the request
   * rule under {@code processPath}: the stream then reads Check's decision instead of evaluating it
   * again. Always, from the first check; {@link #carryDecisionsTo(String, CheckedDecision.Gate)}
   * writes only while its gate is open.
   */
  public AuthorizationService carryDecisionsTo(String processPath) {
    return carryDecisionsTo(processPath, new CheckedDecision.Gate(CheckedDecision.Carrying.ALWAYS));
  }

  /**
   * As {@link #carryDecisionsTo(String)}, while {@code gate} is open: with {@link
   * CheckedDecision.Carrying#AUTO}, once the server's ext_proc service has seen a stream that Envoy
   * forwarded ext_authz's metadata to.
   */
  public AuthorizationService carryDecisionsTo(String processPath, CheckedDecision.Gate gate) {
    checked = new CheckedDecision.Writer(policies, processPath, config.input(), gate);
    return this;
  }

  /** Where checks are counted. */
  ServerMetrics metrics() {
    return decider.metrics();
  }

  /** How checks are answered. */
  Config config() {
    return config;
  }

  /**
   * The same service for {@link WarmUp}'s made-up checks: same policy and configuration, metrics of
   * its own (discarded), no budgets (made-up checks must not spend them) and no logging. A check
   * that carries {@link #warmUpFailure()} and a {@link MadeUpFailure} in {@link #WARM_UP_FAILURE}
   * fails as one past its deadline, in mapping or in evaluation, so the warm-up trains the
   * failed-check paths (the deadline's checks, the {@code Failed} outcome, the error status or
   * error denial) before hostile traffic first takes them.
   */
  AuthorizationService forWarmUp() {
    AuthorizationService copy =
        new AuthorizationService(
            policies,
            new Decider(new ServerMetrics(), config.evalTimeout(), true),
            config,
            Optional.empty(),
            Optional.of(UUID.randomUUID().toString()));
    CheckedDecision.Writer w = checked;
    copy.checked = w == null ? null : w.forWarmUp();
    return copy;
  }

  /** The value that makes a check of this warm-up copy fail; empty for a real service. */
  Optional<String> warmUpFailure() {
    return warmUpFailure;
  }

  /** Where {@code request} asks this warm-up copy to fail it; null if it does not. */
  private MadeUpFailure madeUpFailure(CheckRequest request) {
    String asked =
        request.getAttributes().getRequest().getHttp().getHeadersMap().get(WARM_UP_FAILURE);
    for (MadeUpFailure f : MadeUpFailure.values()) {
      if (f.header(warmUpFailure.orElseThrow()).equals(asked)) {
        return f;
      }
    }
    return null;
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

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
    long start = System.nanoTime();
    Optional<ActivePolicy> policy = policies.current();
    CheckCall call = new CheckCall(request, policy);
    if (call.madeUpFailure != null) { // only in the warm-up copy: its deadline has passed
      start -= config.evalTimeout().toNanos() + 1;
    }
    Outcome<CheckResponse> outcome =
        decider.decide(policy, config.routes(), Kind.CHECK, call, start);
    Answer answer =
        switch (outcome) {
          case Outcome.Answered<CheckResponse> a -> new Answer(a.answer(), null);
          case Outcome.ParseError<CheckResponse> p -> new Answer(parseError(p.error()), null);
          case Outcome.Failed<CheckResponse> f -> failure(f.error(), f.decisionId());
        };
    // An Error (a stack overflow) goes on to the ErrorBoundary around the call, which answers it.
    try {
      answer.sendTo(out);
    } catch (RuntimeException e) {
      // the call is gone (Envoy gave up and cancelled it): nobody is left to answer
      LOG.log(Level.DEBUG, "check: answer not sent: {0}", e);
    }
  }

  /** One check as the core runs it: OPA-Envoy's input, OPA-Envoy's response. */
  private final class CheckCall implements Decider.Call<CheckResponse> {
    private final CheckRequest request;
    private final Optional<ActivePolicy> policy;
    private final String requestedBy = Peers.current();

    /** The gRPC call's context, cancelled when Envoy or the client gives up on the call. */
    private final Context context = Context.current();

    /** Where this made-up check fails; null for every real one. */
    final MadeUpFailure madeUpFailure;

    CheckCall(CheckRequest request, Optional<ActivePolicy> policy) {
      this.request = request;
      this.policy = policy;
      this.madeUpFailure = warmUpFailure.isPresent() ? madeUpFailure(request) : null;
    }

    @Override
    public String requestedBy() {
      return requestedBy;
    }

    @Override
    public boolean cancelled() {
      return context.isCancelled();
    }

    @Override
    public ObjectValue input(long deadline) throws CheckException {
      if (madeUpFailure == MadeUpFailure.EVALUATION) {
        return inputMapper.map(request); // the evaluation meets the deadline that passed
      }
      ObjectValue input = inputMapper.map(request, deadline);
      // Kept: every warm-up call's input, and a real one when due (once per interval), unless over
      // the limit: a few large bodies would hold megabytes of a small heap. The size walks the
      // whole
      // message, so it is computed only for an input that would be kept, and tested in one place
      // for both kinds of call, so that the warm-up's large requests reach the branch a large real
      // one takes (a test only real calls reached deoptimised at the first large hostile request).
      RecentInputs recent = policies.recentInputs();
      boolean quiet = decider.quiet();
      if ((quiet || recent.due())
          && request.getSerializedSize() <= RecentInputs.MAX_REQUEST_BYTES) {
        if (quiet) {
          recent.offerWarmUp(input);
        } else {
          recent.offer(input);
        }
      }
      return input;
    }

    @Override
    public CheckResponse answer(Value decision, String decisionId) throws CheckException {
      CheckResponse response = decisionMapper.map(decision, decisionId);
      if (budgets.isPresent()) {
        response =
            switch (budgets.get().reserve(decision, decisionId, response)) {
              case BudgetGate.Outcome.None none -> response;
              case BudgetGate.Outcome.Reserved r -> r.response();
              case BudgetGate.Outcome.Refused r -> r.response();
            };
      }
      CheckedDecision.Writer w = checked;
      if (w != null && policy.isPresent()) {
        response =
            w.attach(
                response,
                policy.get(),
                config.routes().routing() ? null : config.decisionPath(),
                decision,
                request);
      }
      if (response.getSerializedSize() > config.maxSendBytes()) {
        throw new CheckException(
            Reason.RESPONSE_TOO_LARGE,
            "response of "
                + response.getSerializedSize()
                + " bytes exceeds "
                + config.maxSendBytes());
      }
      return response;
    }

    @Override
    public Decider.Verdict verdict(Value decision, CheckResponse response) throws CheckException {
      boolean allowed = DecisionMapper.isAllowed(decision);
      boolean ok = response.getStatus().getCode() == Code.OK_VALUE;
      String reason =
          config.dryRun() && !allowed
              ? "dry_run"
              // allowed by the policy, refused by a budget (BudgetGate answered 429)
              : allowed && !ok ? "budget" : "policy";
      return new Decider.Verdict(ok ? "allow" : "deny", reason);
    }
  }

  /** As OPA-Envoy: PERMISSION_DENIED, a 400 with the message as body, no decision id. */
  private static CheckResponse parseError(CheckException e) {
    return denied(
            e, DeniedHttpResponse.newBuilder().setBody(e.getMessage()), StatusCode.BadRequest_VALUE)
        .build();
  }

  /** A failed check (logged and counted by the core), answered as {@link OnError} says. */
  private Answer failure(CheckException e, String decisionId) {
    if (config.onError() == OnError.GRPC_ERROR) {
      return new Answer(null, Status.UNKNOWN.withDescription(e.getMessage()));
    }
    return new Answer(errorDenial(e, decisionId), null);
  }

  /** The {@link OnError#DENY} answer to a failed check. */
  private CheckResponse errorDenial(CheckException e, String decisionId) {
    return errorDenial(e, decisionId, e.reason().code(), config.errorStatus());
  }

  private CheckResponse errorDenial(
      CheckException e, String decisionId, String body, int httpStatus) {
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
                .setBody(body),
            httpStatus)
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
            errorDenial(
                new CheckException(Reason.INTERNAL, "internal error"), Decider.decisionId()))
        : Optional.empty();
  }

  /**
   * What a check refused before it was read ({@link RequestGate}: too many calls open) answers:
   * with {@link OnError#DENY} a 503 denial with reason {@code overloaded} and {@code why} as its
   * body, so that an Envoy with {@code failure_mode_allow} does not let it through; else empty, to
   * fail the call with RESOURCE_EXHAUSTED.
   */
  Optional<CheckResponse> overloadDenial(String why) {
    return config.onError() == OnError.DENY
        ? Optional.of(
            errorDenial(
                new CheckException(Reason.OVERLOADED, why),
                Decider.decisionId(),
                why,
                StatusCode.ServiceUnavailable_VALUE))
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
}
