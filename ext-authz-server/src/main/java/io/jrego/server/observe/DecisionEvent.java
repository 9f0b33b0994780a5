package io.jrego.server.observe;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.value.Value;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One decision, as the server made it: what a decision log event and a trace span are made from.
 * Socket-free and independent of the gRPC service that made it, so Check and Process record the
 * same way.
 *
 * @param service {@code ext_authz} (Check) or {@code ext_proc} (Process)
 * @param phase {@code check}, or ext_proc's {@code request} or {@code response}
 * @param decisionId the id also sent to Envoy in the response's dynamic metadata
 * @param path the decision path, such as {@code envoy/authz/allow}
 * @param input the input document, empty when the request could not be mapped
 * @param result the policy's decision, empty when undefined or when the check failed before it
 * @param error why the check failed, empty when it did not
 * @param outcome {@code allow}, {@code deny} or {@code error}: what Envoy was answered
 * @param reason {@code policy}, {@code dry_run} or a failure's reason code
 * @param dryRun whether the answer was an allow only because the server runs in dry-run mode;
 *     {@link #result} is still what the policy decided, so the log shows what would have happened
 * @param bundle the bundle that decided, empty when no policy was active
 * @param timestamp when the check started
 * @param timings how long its parts took
 * @param traceContext the request's W3C trace context
 * @param requestedBy who asked (Envoy's address), empty when unknown
 * @param route the route that chose the decision ({@code RouteTable}), empty without routing
 */
public record DecisionEvent(
    String service,
    String phase,
    String decisionId,
    String path,
    Optional<Value> input,
    Optional<Value> result,
    Optional<Failure> error,
    String outcome,
    String reason,
    boolean dryRun,
    Optional<Bundle> bundle,
    Instant timestamp,
    Timings timings,
    TraceContext traceContext,
    String requestedBy,
    String route) {

  public DecisionEvent {
    Objects.requireNonNull(service);
    Objects.requireNonNull(phase);
    Objects.requireNonNull(decisionId);
    Objects.requireNonNull(path);
    Objects.requireNonNull(input);
    Objects.requireNonNull(result);
    Objects.requireNonNull(error);
    Objects.requireNonNull(outcome);
    Objects.requireNonNull(reason);
    Objects.requireNonNull(bundle);
    Objects.requireNonNull(timestamp);
    Objects.requireNonNull(timings);
    Objects.requireNonNull(traceContext);
    Objects.requireNonNull(requestedBy);
    Objects.requireNonNull(route);
  }

  /**
   * Why a check failed.
   *
   * @param code the reason code, as in {@code jrego_checks_total}
   * @param message what went wrong
   */
  public record Failure(String code, String message) {}

  /**
   * The bundle that decided.
   *
   * @param name the bundle's name in the event's {@code bundles} (where it came from)
   * @param revision its revision, empty when it has none
   * @param policy the compiled policy: the event's {@code system.log.mask} and {@code
   *     system.log.drop} rules are evaluated against it, as OPA evaluates them against the store
   *     that decided
   * @param revisions the event's {@code bundles}: each bundle's name and revision
   */
  public record Bundle(
      String name, String revision, PreparedPolicy policy, Map<String, String> revisions) {

    /** One bundle, listed under its own name. */
    public Bundle(String name, String revision, PreparedPolicy policy) {
      this(name, revision, policy, Map.of(name, revision));
    }
  }

  /**
   * How long the parts of a check took, in nanoseconds; 0 for a part that did not run.
   *
   * @param inputNanos mapping the request to the input document
   * @param evalNanos evaluating the policy
   * @param totalNanos the whole check
   */
  public record Timings(long inputNanos, long evalNanos, long totalNanos) {}

  /** This event with another trace context (the tracer's span added). */
  public DecisionEvent withTraceContext(TraceContext context) {
    return new DecisionEvent(
        service,
        phase,
        decisionId,
        path,
        input,
        result,
        error,
        outcome,
        reason,
        dryRun,
        bundle,
        timestamp,
        timings,
        context,
        requestedBy,
        route);
  }
}
