package io.jrego.server.decide;

import io.jrego.engine.Carry;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.Reason;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.observe.TraceContext;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.Decisions;
import io.jrego.server.route.Route;
import io.jrego.server.route.RouteTable;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The core that Check and both ext_proc phases share, without sockets: request to input, one
 * evaluation of the policy with the call's deadline, decision to answer, every failure named by a
 * {@link Reason}, metrics labelled by {@link Kind}, one log line per event. The gRPC services only
 * turn their messages into a {@link Call} and an {@link Outcome} into their protocol's answer.
 *
 * <p>The deadline ({@code --eval-timeout}) starts when the call is taken up and covers input
 * mapping and evaluation together; past it the evaluation stops at its next checkpoint and the
 * outcome is {@link Reason#TIMEOUT}. A {@link RuntimeException} anywhere is {@link
 * Reason#INTERNAL}; an {@link Error} is left to the gRPC layer's {@code ErrorBoundary}.
 * Thread-safe.
 */
public final class Decider {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.check");

  /**
   * One evaluation: how the request becomes input and the decision an answer.
   *
   * @param <R> the service's answer (a CheckResponse, a phase decision)
   */
  public interface Call<R> extends LongEvaluations.Cancellation {

    /**
     * The input document, built before {@code deadline} (a {@link System#nanoTime()} instant).
     *
     * @throws CheckException {@link Reason#REQUEST_PARSE_ERROR} for a request that cannot be
     *     parsed, {@link Reason#TIMEOUT} past the deadline
     */
    ObjectValue input(long deadline) throws CheckException;

    /**
     * The answer to a decision.
     *
     * @throws CheckException {@link Reason#INVALID_DECISION} for a decision of the wrong shape, or
     *     another reason the answer cannot be given
     */
    R answer(Value decision, String decisionId) throws CheckException;

    /**
     * How the answer counts: {@code allow} or {@code deny}, and {@code policy} or {@code dry_run}.
     */
    Verdict verdict(Value decision, R answer) throws CheckException;

    /**
     * Who asked, for the decision log's {@code requested_by}: Envoy's address ({@code ip:port}),
     * empty when unknown.
     */
    default String requestedBy() {
      return "";
    }

    /**
     * Where this call's evaluation takes rule values an earlier one of the same request computed,
     * and leaves its own ({@link Carry}: the ext_proc phases of one stream); null for none.
     */
    default Carry carry() {
      return null;
    }

    /**
     * The options this call's evaluation runs with: {@code base} (its deadline) by default; an
     * ext_proc phase adds Check's decision as a replaced document ({@code QueryOptions.with}).
     */
    default QueryOptions options(QueryOptions base) {
      return base;
    }

    /**
     * Whether the caller gave up on this call (gRPC: its context was cancelled, by Envoy's timeout
     * or a client gone): a long evaluation asks at its pacing points and ends with {@link
     * Reason#CANCELLED}. Never, by default.
     */
    @Override
    default boolean cancelled() {
      return false;
    }
  }

  /** The {@code result} and {@code reason} labels of an answered call. */
  public record Verdict(String result, String reason) {}

  private final ServerMetrics metrics;
  private final Duration evalTimeout;
  private final boolean quiet;

  /**
   * The level a failure is logged at: {@code WARNING}, and {@code TRACE} (off unless asked for) in
   * a quiet core. Why a level and not a test of {@link #quiet}: the warm-up's made-up failures run
   * in a quiet core before any real one fails, so a test of {@code quiet} was compiled with the
   * logging side as a trap, which the first real failure set off in the check path's compiled code.
   * Logging at a level that is off takes the same call in both.
   */
  private final Level failureLevel;

  private final DecisionRecorder recorder;
  private final LongEvaluations pacing;

  /**
   * @param metrics where calls are counted
   * @param evalTimeout each call's deadline, from when it is taken up
   * @param quiet log nothing (the warm-up's made-up calls; their failures only at {@code TRACE})
   */
  public Decider(ServerMetrics metrics, Duration evalTimeout, boolean quiet) {
    this(metrics, evalTimeout, quiet, DecisionRecorder.none());
  }

  /**
   * A core that also hands every decision, answered or failed, to {@code recorder} (decision logs
   * and tracing), once the answer is made. Quiet cores record nothing.
   */
  public Decider(
      ServerMetrics metrics, Duration evalTimeout, boolean quiet, DecisionRecorder recorder) {
    this(metrics, evalTimeout, quiet, recorder, LongEvaluations.off());
  }

  /**
   * A core whose evaluations are paced by {@code pacing} ({@link LongEvaluations}): one that runs
   * past its quick budget shares a few slots and a bounded share of the CPU with the other long
   * ones, so that cheap calls keep theirs.
   */
  public Decider(
      ServerMetrics metrics,
      Duration evalTimeout,
      boolean quiet,
      DecisionRecorder recorder,
      LongEvaluations pacing) {
    this.metrics = metrics;
    this.evalTimeout = evalTimeout;
    this.quiet = quiet;
    this.failureLevel = quiet ? Level.TRACE : Level.WARNING;
    this.recorder = quiet ? DecisionRecorder.none() : recorder;
    this.pacing = pacing;
  }

  /** Whether this core logs nothing (the warm-up's made-up calls). */
  public boolean quiet() {
    return quiet;
  }

  /** What one call found out, for its {@link DecisionEvent}. */
  private static final class Trail {
    final Instant startedAt = Instant.now();
    String decisionId;
    String path;
    Route route;
    ObjectValue input;
    Value decision;
    long inputNanos;
    long evalNanos;
    String outcome = "error";
    String reason = Reason.INTERNAL.code();
    CheckException error;
  }

  /** Where calls are counted. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /**
   * Runs one call against {@code policy} (empty: none active yet, {@link Reason#NO_POLICY}).
   *
   * @param path the decision, such as {@code envoy/authz/allow}
   * @param start when the call was taken up ({@link System#nanoTime()}): the deadline and the
   *     duration metric count from it
   */
  public <R> Outcome<R> decide(
      Optional<ActivePolicy> policy, String path, Kind kind, Call<R> call, long start) {
    return decide(policy, RouteTable.single(path), kind, call, start);
  }

  /**
   * Runs one call against {@code policy}, at the decision of the route that takes its input. A call
   * no route takes is refused ({@link Reason#UNKNOWN_WORKLOAD}): {@link Call#answer} gets a denial
   * with status 403 made here, never another route's decision. A route whose bundle is not active
   * fails as {@link Reason#NO_POLICY}.
   */
  public <R> Outcome<R> decide(
      Optional<ActivePolicy> policy, RouteTable routes, Kind kind, Call<R> call, long start) {
    if (recorder == DecisionRecorder.none()) {
      return decide(policy, routes, kind, call, start, null);
    }
    Trail trail = new Trail();
    Outcome<R> outcome = decide(policy, routes, kind, call, start, trail);
    record(policy, kind, trail, System.nanoTime() - start, call.requestedBy());
    return outcome;
  }

  /** Hands one call to the recorder; a recorder's failure never reaches the caller. */
  private void record(
      Optional<ActivePolicy> policy, Kind kind, Trail t, long totalNanos, String requestedBy) {
    try {
      recorder.record(
          new DecisionEvent(
              kind.service(),
              kind.phase(),
              t.decisionId,
              t.path,
              Optional.ofNullable(t.input),
              Optional.ofNullable(t.decision),
              Optional.ofNullable(t.error)
                  .map(e -> new DecisionEvent.Failure(e.reason().code(), e.getMessage())),
              t.outcome,
              t.reason,
              "dry_run".equals(t.reason),
              policy.map(p -> bundle(p, t.route)),
              t.startedAt,
              new DecisionEvent.Timings(t.inputNanos, t.evalNanos, totalNanos),
              traceContext(t.input),
              requestedBy,
              t.route == null ? "" : t.route.name()));
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING, "{0} decision_id={1}: not recorded: {2}", kind.logName(), t.decisionId, e);
    }
  }

  /** The bundles an event names: the route's own when it names one, else all. */
  private static DecisionEvent.Bundle bundle(ActivePolicy p, Route route) {
    if (route != null && route.bundle().isPresent()) {
      String name = route.bundle().get();
      String revision = p.bundles().getOrDefault(name, "");
      return new DecisionEvent.Bundle(name, revision, p.policy());
    }
    return new DecisionEvent.Bundle(p.source(), p.revision(), p.policy(), p.bundles());
  }

  /** The W3C trace context in the input's request headers, as Envoy forwards it. */
  private static TraceContext traceContext(ObjectValue input) {
    if (input == null
        || !(input.get("attributes").orElse(null) instanceof ObjectValue a)
        || !(a.get("request").orElse(null) instanceof ObjectValue r)
        || !(r.get("http").orElse(null) instanceof ObjectValue h)
        || !(h.get("headers").orElse(null) instanceof ObjectValue headers)) {
      return TraceContext.none();
    }
    return TraceContext.parse(header(headers, "traceparent"), header(headers, "tracestate"));
  }

  private static String header(ObjectValue headers, String name) {
    return headers.get(name).orElse(null) instanceof StringValue s ? s.value() : null;
  }

  private <R> Outcome<R> decide(
      Optional<ActivePolicy> policy,
      RouteTable routes,
      Kind kind,
      Call<R> call,
      long start,
      Trail trail) {
    String decisionId = decisionId();
    if (trail != null) {
      trail.decisionId = decisionId;
      trail.path = routes.routing() ? "" : routes.routes().get(0).path();
    }
    Route route = null;
    try {
      if (policy.isEmpty()) {
        throw new CheckException(Reason.NO_POLICY, "no policy is active");
      }
      long deadline = start + evalTimeout.toNanos();
      ObjectValue input;
      try {
        input = call.input(deadline);
      } catch (CheckException e) {
        if (e.reason() != Reason.REQUEST_PARSE_ERROR) {
          throw e;
        }
        metrics.check(
            kind.service(), kind.phase(), "deny", e.reason().code(), System.nanoTime() - start);
        // the level first: off in production for the warm-up's calls and real ones alike, so the
        // warm-up's parse errors profile this branch; testing quiet first left a trap here that
        // the first real parse error set off (fault matrix, session 15, hash)
        if (LOG.isLoggable(Level.DEBUG) && !quiet) {
          LOG.log(Level.DEBUG, "{0} answered 400: {1}", kind.logName(), e.getMessage());
        }
        if (trail != null) {
          trail.outcome = "deny";
          trail.reason = e.reason().code();
          trail.error = e;
        }
        return new Outcome.ParseError<>(e);
      }
      if (trail != null) {
        trail.input = input;
      }
      if (routes.routing()) {
        route = routes.select(input).orElse(null);
        if (route == null) {
          return unrouted(kind, call, input, decisionId, start, trail);
        }
        if (trail != null) {
          trail.route = route;
          trail.path = route.path();
        }
        if (route.bundle().isPresent()
            && !policy.get().bundles().containsKey(route.bundle().get())) {
          throw new CheckException(
              Reason.NO_POLICY,
              "bundle " + route.bundle().get() + " of route " + route.name() + " is not active");
        }
      } else {
        route = routes.routes().get(0);
      }
      long evalStart = System.nanoTime();
      Value decision;
      try {
        decision =
            evaluate(
                policy.get(),
                route.path(),
                kind,
                input,
                deadline,
                call,
                call.options(QueryOptions.none().withDeadline(deadline)));
      } finally {
        if (trail != null) {
          trail.inputNanos = evalStart - start;
          trail.evalNanos = System.nanoTime() - evalStart;
        }
      }
      if (trail != null) {
        trail.decision = decision;
      }
      R answer = call.answer(decision, decisionId);
      Verdict v = call.verdict(decision, answer);
      if (trail != null) {
        trail.outcome = v.result();
        trail.reason = v.reason();
      }
      metrics.check(
          kind.service(), kind.phase(), v.result(), v.reason(), System.nanoTime() - start);
      if (routes.routing()) {
        metrics.routed(route.name(), route.bundle().orElse(""), v.result(), v.reason());
      }
      if (LOG.isLoggable(Level.DEBUG) && !quiet) { // the level first, as above
        LOG.log(
            Level.DEBUG,
            "{0} decision_id={1} result={2} reason={3} revision={4}",
            kind.logName(),
            decisionId,
            v.result(),
            v.reason(),
            policy.get().revision());
      }
      return new Outcome.Answered<>(answer, decisionId);
    } catch (CheckException e) {
      routedFailure(routes, route, e);
      return failed(kind, e, decisionId, start, trail);
    } catch (RuntimeException e) {
      CheckException internal = new CheckException(Reason.INTERNAL, String.valueOf(e), e);
      routedFailure(routes, route, internal);
      return failed(kind, internal, decisionId, start, trail);
    }
  }

  private void routedFailure(RouteTable routes, Route route, CheckException e) {
    if (routes.routing() && route != null) {
      metrics.routed(route.name(), route.bundle().orElse(""), "error", e.reason().code());
    }
  }

  /**
   * A call no route takes: answered with a 403 denial made here (dry-run still allows), counted as
   * {@link Reason#UNKNOWN_WORKLOAD}, logged with what the request carried.
   */
  private <R> Outcome<R> unrouted(
      Kind kind, Call<R> call, ObjectValue input, String decisionId, long start, Trail trail)
      throws CheckException {
    String why = RouteTable.describeUnrouted(input);
    CheckException refusal = new CheckException(Reason.UNKNOWN_WORKLOAD, why);
    R answer = call.answer(UNROUTED, decisionId);
    Verdict v = call.verdict(UNROUTED, answer);
    String reason = "deny".equals(v.result()) ? Reason.UNKNOWN_WORKLOAD.code() : v.reason();
    if (trail != null) {
      trail.input = input;
      trail.outcome = v.result();
      trail.reason = reason;
      trail.error = refusal;
    }
    metrics.check(kind.service(), kind.phase(), v.result(), reason, System.nanoTime() - start);
    metrics.routed("", "", v.result(), reason);
    if (LOG.isLoggable(Level.DEBUG) && !quiet) { // the level first, as in decide
      LOG.log(
          Level.DEBUG,
          "{0} refused decision_id={1} reason={2}: {3}",
          kind.logName(),
          decisionId,
          Reason.UNKNOWN_WORKLOAD.code(),
          why);
    }
    return new Outcome.Answered<>(answer, decisionId);
  }

  /**
   * The decision a call no route takes is answered with: OPA-Envoy's object form, so every service
   * maps it as it maps a policy's denial. The body names the reason, not what the request carried
   * (Envoy's context extensions are configuration the client need not see).
   */
  private static final Value UNROUTED =
      io.jrego.engine.value.Json.parse(
          """
          {"allowed": false, "http_status": 403,
           "headers": {"content-type": "application/json", "x-jrego-error": "unknown_workload"},
           "body": "{\\"code\\":\\"unknown_workload\\",\\"reason\\":\\"no policy serves this workload\\"}"}
          """);

  private Value evaluate(
      ActivePolicy policy,
      String path,
      Kind kind,
      ObjectValue input,
      long deadline,
      Call<?> call,
      QueryOptions options)
      throws CheckException {
    long evalStart = System.nanoTime();
    Optional<Value> decision;
    try {
      Decisions.Decision d = prepared(policy, path);
      // the decision is the class of evaluations whose long ones the pacing remembers
      try (LongEvaluations.Pace pace = pacing.start(deadline, call, d.longRecall())) {
        try {
          decision =
              d.query().evaluate(input, pace.idle() ? options : options.pacer(pace), call.carry());
        } catch (RegoException e) {
          if (pace.refused()) {
            throw new CheckException(Reason.OVERLOADED, e.getMessage(), e);
          }
          if (pace.cancelled()) {
            throw new CheckException(
                Reason.CANCELLED, "evaluation ended: the caller cancelled the call", e);
          }
          throw e;
        }
      }
    } catch (RegoException e) {
      if (RegoError.EVAL_CANCEL.equals(e.code()) && System.nanoTime() > deadline) {
        throw new CheckException(
            Reason.TIMEOUT,
            "evaluation passed the check's deadline of " + evalTimeout.toMillis() + " ms",
            e);
      }
      throw new CheckException(Reason.EVAL_ERROR, e.getMessage(), e);
    } finally {
      metrics.evaluation(kind.service(), kind.phase(), System.nanoTime() - evalStart);
    }
    return decision.orElseThrow(
        () -> new CheckException(Reason.UNDEFINED_DECISION, "undefined decision"));
  }

  /**
   * The decision prepared at {@code path} in {@code policy}'s own table ({@link Decisions}): the
   * bundle thread prepared it before the activation for every path the previous policy served, so a
   * call compares a path (a configuration string, equal by identity first) and evaluates, with no
   * path parsed or looked up by name and no branch for a policy it has not seen. A path the policy
   * can never define is kept with its error.
   */
  private static Decisions.Decision prepared(ActivePolicy policy, String path)
      throws CheckException {
    Decisions.Decision d = policy.decisions().get(path);
    if (d.undefined() != null) {
      throw new CheckException(Reason.UNDEFINED_DECISION, d.undefined());
    }
    return d;
  }

  /** A failed call: logged in one line and counted. */
  private <R> Outcome<R> failed(
      Kind kind, CheckException e, String decisionId, long start, Trail trail) {
    if (trail != null) {
      trail.outcome = "error";
      trail.reason = e.reason().code();
      trail.error = e;
    }
    failedHere(kind, e, decisionId, start);
    return new Outcome.Failed<>(e, decisionId);
  }

  /**
   * Logs and counts a failure a service found itself, after the decision (an ext_proc body edit
   * that cannot apply, a body over the limit), as the core counts its own.
   */
  public void failedHere(Kind kind, CheckException e, String decisionId, long start) {
    LOG.log(
        failureLevel,
        "{0} failed decision_id={1} reason={2}: {3}",
        kind.logName(),
        decisionId,
        e.reason().code(),
        e.getMessage());
    metrics.check(
        kind.service(), kind.phase(), "error", e.reason().code(), System.nanoTime() - start);
  }

  /** A random (version 4) UUID without SecureRandom's cost: decision ids need not be secret. */
  public static String decisionId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }
}
