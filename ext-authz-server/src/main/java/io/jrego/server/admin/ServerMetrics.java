package io.jrego.server.admin;

import io.jrego.server.envoy.Reason;
import io.jrego.server.policy.ActivePolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The server's metrics, in Prometheus text format on {@code /metrics}. Names are stable:
 *
 * <ul>
 *   <li>{@code jrego_checks_total{service, phase, result, reason}}: decisions answered; {@code
 *       service} is {@code ext_authz} (phase {@code check}) or {@code ext_proc} (phase {@code
 *       request} or {@code response}; {@code stream} for an error that ended a stream outside
 *       both), {@code result} is {@code allow}, {@code deny} or {@code error}, {@code reason} is
 *       {@code policy}, {@code dry_run}, {@code budget} or a {@link Reason} code; every series a
 *       service can count is there from its start, at 0 ({@link #expectChecks})
 *   <li>{@code jrego_check_duration_seconds{service, phase}}: a whole check or phase, histogram
 *   <li>{@code jrego_eval_duration_seconds{service, phase}}: policy evaluation alone, histogram
 *   <li>{@code jrego_process_message_seconds{message, thread}}: an ext_proc message from its
 *       arrival on the transport thread to the end of its handling (its answer, if any, written to
 *       the stream), hand-off to a check thread included; {@code message} is {@code
 *       request_headers}, {@code request_body}, {@code request_trailers}, {@code response_headers},
 *       {@code response_body} or {@code response_trailers}, {@code thread} where it was handled:
 *       {@code transport} or {@code check}; count, sum and max
 *   <li>{@code jrego_ext_proc_headers_held_seconds{part}}: an SSE answer's response headers held
 *       until its first answer text is judged (a stream rule may block): {@code part="total"} from
 *       their arrival to their answer, {@code part="handling"} the time this stream's messages were
 *       being handled meanwhile; count, sum and max
 *   <li>{@code jrego_route_checks_total{route, bundle, result, reason}}: with routes configured,
 *       checks by the route that took them and its bundle; {@code route=""} with reason {@code
 *       unknown_workload} for checks no route took
 *   <li>{@code jrego_pii_findings_total{phase, type, action}}: what ext_proc's scanner found in
 *       bodies, by type ({@code email}, {@code card}, ...) and action ({@code redact}, {@code
 *       block}, {@code log}); never the values
 *   <li>{@code jrego_bundle_info{revision}}: 1 for the active bundle's revision
 *   <li>{@code jrego_bundle_activation_timestamp_seconds}: when it became active
 *   <li>{@code jrego_bundles_awaited}: bundle sources that have not brought their first bundle
 *       while no policy is active (as {@code /ready}'s {@code waiting_for_bundles}); 0 from the
 *       first activation on, and with workload routes, whose bundles activate as each arrives
 *   <li>{@code jrego_bundle_failures_total{source, reason}}: bundles not fetched or refused; {@code
 *       reason} is {@code fetch}, {@code invalid}, {@code limit}, {@code signature}, {@code
 *       compile}, {@code conflict} or {@code error}; the last good one stays active
 *   <li>{@code jrego_errors_total{where, error}}: {@link Error}s caught where jrego stops them
 *       ({@code where}: {@code check}; a bundle's is a failure with reason {@code error}), by class
 *   <li>{@code jrego_requests_refused_total{limit}}: calls refused with RESOURCE_EXHAUSTED before
 *       they were read, to keep requests within the heap: {@code calls} (too many open) or {@code
 *       bytes} (too many request bytes waiting for a check thread), also counted in {@code
 *       jrego_checks_total} with reason {@code overloaded}; {@code message} (over gRPC's message
 *       limit) and {@code connections} (over {@code --max-connections}); every series at 0 from the
 *       server's start ({@link #expectRequestsRefused})
 *   <li>{@code jrego_requests_open}, {@code jrego_requests_waiting_bytes}: calls open now, and the
 *       bytes of their messages waiting for a check thread
 *   <li>{@code jrego_long_evaluations_total}, {@code jrego_long_evaluations_refused_total}:
 *       evaluations that used the quick budget's CPU and were paced ({@code --long-eval-after}),
 *       and long ones ended at once because the most allowed already waited for a slot (reason
 *       {@code overloaded}); {@code jrego_long_evaluations_spared_total}: evaluations that ran past
 *       the quick budget in wall time only and were not paced; {@code
 *       jrego_long_evaluations_running}, {@code jrego_long_evaluations_waiting}: now; {@code
 *       jrego_long_evaluations_cpu_seconds_total{part}}: the CPU evaluations that became long used
 *       unpaced ({@code candidate}, from the quick budget's end in wall time) and paced ({@code
 *       long})
 *   <li>{@code jrego_thread_deaths_total{thread, error}}: threads ended by an uncaught throwable
 *       ({@code thread}: the name without its number), counted once {@code jrego serve} has
 *       installed its handler
 *   <li>{@code jrego_peers_refused_total{reason}}: callers refused by the mTLS listener before any
 *       policy ran: {@code untrusted_certificate} (handshake failed), {@code no_certificate},
 *       {@code no_spiffe_id} (UNAUTHENTICATED), {@code not_allowed} (PERMISSION_DENIED)
 *   <li>{@code jrego_svid_reloads_total{result}}: SVIDs read from files or received from the SPIFFE
 *       Workload API, {@code ok} or {@code refused} (the SVID served before stays)
 *   <li>{@code jrego_svid_expiry_timestamp_seconds}: when the SVID being served expires
 *   <li>{@code jrego_svid_stream_failures_total}, {@code jrego_svid_stream_up}: the Workload API's
 *       stream broke (it is opened again with back-off; the SVID served stays), and whether it is
 *       delivering now (1) or not (0)
 *   <li>with {@link #bindJvmMetrics()}: Micrometer's JVM series ({@code jvm_memory_*}, {@code
 *       jvm_gc_*}, {@code jvm_threads_*}, {@code jvm_classes_*}, {@code process_cpu_*}, {@code
 *       process_uptime_seconds}, ...)
 * </ul>
 */
public final class ServerMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Timer> checkTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> evalTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> messageTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, BundleError> bundleErrors = new ConcurrentHashMap<>();
  private final AtomicReference<Meter> bundleInfo = new AtomicReference<>();
  private volatile double activatedAtSeconds;
  private volatile BundleError lastBundleError;
  private volatile double svidExpirySeconds;
  private volatile boolean svidGauge;
  private volatile SvidStatus svid;
  private volatile double svidStreamUp;
  private volatile Supplier<List<String>> awaitedBundles = List::of;
  private final List<AutoCloseable> binders = new CopyOnWriteArrayList<>();
  private final List<Object> held = new CopyOnWriteArrayList<>();
  private boolean jvmBound;

  /**
   * Why the latest bundle was refused.
   *
   * @param reason the failure's label in {@code jrego_bundle_failures_total}
   * @param message what went wrong, naming the source and the file
   * @param at when
   */
  public record BundleError(String reason, String message, Instant at) {}

  /**
   * The SVID the gRPC port serves, for {@code /ready}.
   *
   * @param source {@code files} or {@code workload_api}
   * @param spiffeId the SVID's SPIFFE ID, empty before the first
   * @param notAfter when it expires
   * @param streamError with the Workload API, why its stream is down (empty while it delivers)
   * @param streamErrorAt since when
   */
  public record SvidStatus(
      String source,
      String spiffeId,
      Optional<Instant> notAfter,
      Optional<String> streamError,
      Optional<Instant> streamErrorAt) {}

  public ServerMetrics() {
    Gauge.builder("jrego.bundle.activation.timestamp", this, m -> m.activatedAtSeconds)
        .description("Unix time the active bundle was activated")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("jrego.bundles.awaited", this, m -> m.awaitedBundles().size())
        .description("Bundle sources no policy can be activated without yet: not loaded once")
        .register(registry);
  }

  private Timer histogram(String name, String description, String service, String phase) {
    return Timer.builder(name)
        .description(description)
        .tag("service", service)
        .tag("phase", phase)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
  }

  /**
   * Counts one answered decision.
   *
   * @param service {@code ext_authz} or {@code ext_proc}
   * @param phase {@code check}, {@code request}, {@code response} (or {@code stream})
   */
  public void check(String service, String phase, String result, String reason, long nanos) {
    checkCounter(service, phase, result, reason).increment();
    checkTimer(service, phase).record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Registers, at 0, every {@code jrego_checks_total} series a service's {@code phase} can count,
   * and its duration histograms: {@code allow} and {@code deny} with reason {@code policy}, {@code
   * dry_run} (allowed) and {@code budget}, {@code request_parse_error} and {@code unknown_workload}
   * (denied), and {@code error} with every other {@link Reason} code; with {@code decisions} false
   * (ext_proc's {@code stream}, errors outside a phase) the errors only. The label set is bounded:
   * these are all the series {@link #check} is called with for that phase.
   *
   * <p>Why: a series made at its first count starts at that count, which Prometheus' {@code rate()}
   * and {@code increase()} miss (the usual advice: initialise the label values you know), and
   * making it runs Micrometer's registration (name checks, the registry's maps) on a check thread
   * in the middle of traffic: in the fault matrix the first request of a new reason (session 14,
   * hash: {@code request_parse_error}) set off the traps compiled code had where the counter map's
   * miss was never taken, for every check at once (load-tests/README.md, "Fault matrix").
   */
  public void expectChecks(String service, String phase, boolean decisions) {
    if (decisions) {
      for (String reason : List.of("policy", "dry_run")) {
        checkCounter(service, phase, "allow", reason);
      }
      for (String reason :
          List.of(
              "policy",
              "budget",
              Reason.REQUEST_PARSE_ERROR.code(),
              Reason.UNKNOWN_WORKLOAD.code())) {
        checkCounter(service, phase, "deny", reason);
      }
      evalTimer(service, phase);
    }
    for (Reason r : Reason.values()) {
      if (r != Reason.REQUEST_PARSE_ERROR && r != Reason.UNKNOWN_WORKLOAD) {
        checkCounter(service, phase, "error", r.code());
      }
    }
    checkTimer(service, phase);
  }

  private Counter checkCounter(String service, String phase, String result, String reason) {
    return counters.computeIfAbsent(
        service + "\u0000" + phase + "\u0000" + result + "\u0000" + reason,
        k ->
            Counter.builder("jrego.checks")
                .description("Decisions answered, by service, phase, result and reason")
                .tag("service", service)
                .tag("phase", phase)
                .tag("result", result)
                .tag("reason", reason)
                .register(registry));
  }

  private Timer checkTimer(String service, String phase) {
    return checkTimers.computeIfAbsent(
        service + "\u0000" + phase,
        k ->
            histogram(
                "jrego.check.duration",
                "Time to answer a Check or an ext_proc phase, from request to answer",
                service,
                phase));
  }

  /**
   * Counts one check of a configured route ({@code route} and {@code bundle} empty for a check no
   * route took).
   */
  public void routed(String route, String bundle, String result, String reason) {
    counters
        .computeIfAbsent(
            "route\u0000" + route + "\u0000" + bundle + "\u0000" + result + "\u0000" + reason,
            k ->
                Counter.builder("jrego.route.checks")
                    .description("Checks by route and its bundle, result and reason")
                    .tag("route", route)
                    .tag("bundle", bundle)
                    .tag("result", result)
                    .tag("reason", reason)
                    .register(registry))
        .increment();
  }

  /**
   * Where one kind of ext_proc message handled on one kind of thread is timed ({@code
   * jrego_process_message_seconds{message, thread}}): the series exists, at 0, from this call on,
   * so a service asks for each of its series when it starts and records on the check path without
   * registering anything.
   *
   * @param message the message's kind, e.g. {@code request_body}
   * @param thread {@code transport} or {@code check}
   * @return records one message's nanoseconds
   */
  public java.util.function.LongConsumer processMessage(String message, String thread) {
    Timer t =
        messageTimers.computeIfAbsent(
            message + "\u0000" + thread,
            k ->
                Timer.builder("jrego.process.message")
                    .description(
                        "An ext_proc message from its arrival on the transport thread to the end of"
                            + " its handling")
                    .tag("message", message)
                    .tag("thread", thread)
                    .register(registry));
    return nanos -> t.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records one policy evaluation. */
  public void evaluation(String service, String phase, long nanos) {
    evalTimer(service, phase).record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer evalTimer(String service, String phase) {
    return evalTimers.computeIfAbsent(
        service + "\u0000" + phase,
        k ->
            histogram(
                "jrego.eval.duration",
                "Time to evaluate the policy for one Check or ext_proc phase",
                service,
                phase));
  }

  /**
   * Records how long an SSE answer's response headers were held for its first judged text ({@code
   * jrego_ext_proc_headers_held_seconds{part}}): {@code part="total"} from the headers' arrival to
   * their answer, {@code part="handling"} the part of it this stream's messages were being handled
   * (the rest waited for the answer's next piece, or for a thread); count, sum and max.
   */
  public void headersHeld(long totalNanos, long handlingNanos) {
    heldTimer("total").record(totalNanos, TimeUnit.NANOSECONDS);
    heldTimer("handling").record(handlingNanos, TimeUnit.NANOSECONDS);
  }

  private Timer heldTimer(String part) {
    return messageTimers.computeIfAbsent(
        "held\u0000" + part,
        k ->
            Timer.builder("jrego.ext_proc.headers.held")
                .description(
                    "How long an SSE answer's response headers waited for its first judged text")
                .tag("part", part)
                .register(registry));
  }

  /**
   * Counts findings of ext_proc's scanner: {@code count} of {@code type}, acted on by {@code
   * action}.
   */
  public void piiFound(String phase, String type, String action, int count) {
    counters
        .computeIfAbsent(
            "pii\u0000" + phase + "\u0000" + type + "\u0000" + action,
            k ->
                Counter.builder("jrego.pii.findings")
                    .description("Personal data and credentials ext_proc found, by type and action")
                    .tag("phase", phase)
                    .tag("type", type)
                    .tag("action", action)
                    .register(registry))
        .increment(count);
  }

  /** Publishes the active bundle's revision and activation time. */
  public void activated(ActivePolicy policy) {
    activatedAtSeconds = policy.activatedAt().toEpochMilli() / 1000.0;
    lastBundleError = null;
    Meter current = bundleInfo.get();
    if (current != null && policy.revision().equals(current.getId().getTag("revision"))) {
      return;
    }
    Meter info =
        Gauge.builder("jrego.bundle.info", () -> 1)
            .description("The active bundle; the value is always 1")
            .tag("revision", policy.revision())
            .register(registry);
    Meter old = bundleInfo.getAndSet(info);
    if (old != null && !old.getId().equals(info.getId())) {
      registry.remove(old);
    }
  }

  /** Counts a refused bundle and remembers why, for {@code /ready}. */
  public void bundleFailed(String source, String reason, String message, Instant at) {
    Counter.builder("jrego.bundle.failures")
        .description("Bundles not fetched or refused; the last good one stays active")
        .tag("source", source)
        .tag("reason", reason)
        .register(registry)
        .increment();
    lastBundleError = new BundleError(reason, message, at);
    bundleErrors.put(source, lastBundleError);
  }

  /** A bundle was activated: its own last refusal no longer applies. */
  public void bundleActivated(String source) {
    bundleErrors.remove(source);
  }

  /**
   * A good bundle arrived but waits for the other sources' first ones: its own last refusal no
   * longer applies.
   */
  public void bundleArrived(String source) {
    bundleErrors.remove(source);
  }

  /**
   * Where {@code /ready} learns which bundle sources are still to bring their first bundle while no
   * policy is active (the bundle manager's {@code awaiting}); none by default.
   */
  public void awaitBundlesFrom(Supplier<List<String>> awaiting) {
    this.awaitedBundles = awaiting;
  }

  /** The bundle sources no policy can be activated without yet, in configured order. */
  public List<String> awaitedBundles() {
    return awaitedBundles.get();
  }

  /**
   * Why each bundle's latest version was refused, by bundle name, for those whose latest version
   * did not activate: with several bundles, one bundle's refusal stays visible while another
   * activates.
   */
  public Map<String, BundleError> bundleErrors() {
    return Map.copyOf(bundleErrors);
  }

  /** Why the last bundle was refused, empty if the latest attempt activated. */
  public Optional<BundleError> lastBundleError() {
    return Optional.ofNullable(lastBundleError);
  }

  /** Counts an {@link Error} caught at {@code where} ({@code check}). */
  public void errorCaught(String where, Throwable error) {
    Counter.builder("jrego.errors")
        .description("Errors caught where jrego stops them, by place and class")
        .tag("where", where)
        .tag("error", error.getClass().getSimpleName())
        .register(registry)
        .increment();
  }

  /** Counts a caller refused by the mTLS listener, by reason. */
  public void peerRefused(String reason) {
    counter(
            "jrego.peers.refused",
            "Callers refused by the mTLS listener before any policy ran",
            "reason",
            reason)
        .increment();
  }

  /** Counts a read of the SVID files: {@code ok} or {@code refused}. */
  public void svidReload(String result) {
    counter(
            "jrego.svid.reloads",
            "SVID files read: ok, or refused (the SVID before stays)",
            "result",
            result)
        .increment();
  }

  /** Records where the SVID comes from: {@code files} or {@code workload_api}. */
  public synchronized void svidSource(String source) {
    svid = new SvidStatus(source, "", Optional.empty(), Optional.empty(), Optional.empty());
    if (source.equals("workload_api")) {
      Gauge.builder("jrego.svid.stream.up", this, m -> m.svidStreamUp)
          .description("1 while the SPIFFE Workload API stream delivers, 0 while it is re-opened")
          .register(registry);
    }
  }

  /** The SVID's state, once mTLS is on. */
  public Optional<SvidStatus> svidStatus() {
    return Optional.ofNullable(svid);
  }

  /** The Workload API's stream delivered an SVID. */
  public synchronized void svidStreamUp() {
    svidStreamUp = 1;
    if (svid != null) {
      svid =
          new SvidStatus(
              svid.source(), svid.spiffeId(), svid.notAfter(), Optional.empty(), Optional.empty());
    }
  }

  /** Counts a break of the Workload API's stream and remembers why, for {@code /ready}. */
  public synchronized void svidStreamDown(String why, Instant at) {
    svidStreamUp = 0;
    Counter.builder("jrego.svid.stream.failures")
        .description("SPIFFE Workload API streams broken; re-opened with back-off, the SVID stays")
        .register(registry)
        .increment();
    if (svid != null) {
      svid =
          new SvidStatus(
              svid.source(), svid.spiffeId(), svid.notAfter(), Optional.of(why), Optional.of(at));
    }
  }

  /** Records the SVID now served and when it expires. */
  public synchronized void svidServed(String spiffeId, Instant notAfter) {
    if (svid != null) {
      svid =
          new SvidStatus(
              svid.source(),
              spiffeId,
              Optional.of(notAfter),
              svid.streamError(),
              svid.streamErrorAt());
    }
    svidExpirySeconds = notAfter.getEpochSecond();
    if (!svidGauge) {
      svidGauge = true;
      Gauge.builder("jrego.svid.expiry.timestamp", this, m -> m.svidExpirySeconds)
          .description("When the SVID served on the gRPC port expires")
          .baseUnit("seconds")
          .register(registry);
    }
  }

  private Counter counter(String name, String description, String tag, String value) {
    return counters.computeIfAbsent(
        name + "|" + value,
        k -> Counter.builder(name).description(description).tag(tag, value).register(registry));
  }

  /**
   * Counts what an ext_proc request phase found of Check's decision in the metadata Envoy forwarded
   * ({@code io.jrego.server.process.CheckedDecision}): {@code used}, {@code absent}, {@code
   * malformed}, {@code policy_changed}, {@code path_differs}, {@code body_differs} or {@code
   * routed}; all but {@code used} evaluate the decision again.
   */
  public void checkedDecision(String result) {
    checkedCounter(result).increment();
  }

  /** Makes each {@link #checkedDecision} series at 0 now, as {@link #expectChecks} does. */
  public void expectCheckedDecisions() {
    for (String result :
        List.of(
            "used",
            "absent",
            "malformed",
            "policy_changed",
            "path_differs",
            "body_differs",
            "routed")) {
      checkedCounter(result);
    }
  }

  private Counter checkedCounter(String result) {
    return counter(
        "jrego.ext_proc.checked",
        "ext_proc request phases by what they found of Check's decision (used: not evaluated"
            + " again)",
        "result",
        result);
  }

  /**
   * Counts a call refused to keep requests within the heap: {@code calls}, {@code bytes}, {@code
   * message} (over gRPC's message limit) or {@code connections}.
   */
  public void requestRefused(String limit) {
    refusedCounter(limit).increment();
  }

  /**
   * Makes {@code jrego_requests_refused_total} for each of {@code limits} at 0 now, as {@link
   * #expectChecks} does for checks: a series made at its first refusal starts at that count, and
   * making it runs Micrometer's registration on a transport thread in the middle of traffic (the
   * first oversized message of the fault matrix's hash phase trapped in its name check, session
   * 16).
   */
  public void expectRequestsRefused(String... limits) {
    for (String limit : limits) {
      refusedCounter(limit);
    }
  }

  private Counter refusedCounter(String limit) {
    return counter(
        "jrego.requests.refused",
        "Calls refused with RESOURCE_EXHAUSTED to keep requests within the heap, by limit",
        "limit",
        limit);
  }

  /** Publishes the calls open and the request bytes waiting for a check thread. */
  public void requestGauges(Supplier<Number> open, Supplier<Number> waitingBytes) {
    Gauge.builder("jrego.requests.open", open)
        .description("Calls open: on a check thread or waiting for one")
        .register(registry);
    Gauge.builder("jrego.requests.waiting", waitingBytes)
        .description("Bytes of request messages received and not yet taken by a check thread")
        .baseUnit("bytes")
        .register(registry);
  }

  /**
   * The meters of the pacing of expensive evaluations ({@code LongEvaluations}), read when scraped.
   *
   * @param becameLong evaluations that used the quick budget's CPU, since start
   * @param spared evaluations past the quick budget in wall time that ended without using its CPU
   * @param refused long evaluations ended because the most allowed already waited for a slot
   * @param running long evaluations holding a slot now
   * @param waiting long evaluations waiting for a slot now
   */
  public void longEvaluationMeters(
      Supplier<Number> becameLong,
      Supplier<Number> spared,
      Supplier<Number> refused,
      Supplier<Number> running,
      Supplier<Number> waiting) {
    held.add(becameLong); // a function counter holds its object weakly
    held.add(spared);
    held.add(refused);
    FunctionCounter.builder("jrego.long.evaluations", becameLong, s -> s.get().doubleValue())
        .description("Evaluations that used the quick budget's CPU and were paced as long ones")
        .register(registry);
    FunctionCounter.builder("jrego.long.evaluations.spared", spared, s -> s.get().doubleValue())
        .description(
            "Evaluations past the quick budget in wall time only (preempted, not working): not"
                + " paced")
        .register(registry);
    FunctionCounter.builder("jrego.long.evaluations.refused", refused, s -> s.get().doubleValue())
        .description(
            "Long evaluations ended at once (reason overloaded): the most allowed already waited")
        .register(registry);
    Gauge.builder("jrego.long.evaluations.running", running)
        .description("Long evaluations running now (holding a slot)")
        .register(registry);
    Gauge.builder("jrego.long.evaluations.waiting", waiting)
        .description("Long evaluations waiting for a slot now, each holding a check thread")
        .register(registry);
  }

  /**
   * Long evaluations that became long on the shorter budget of a decision remembered to have gone
   * long lately ({@code LongEvaluations.RECALL}), read when scraped, as {@code
   * jrego_long_evaluations_recalled_total}; also counted in {@code jrego_long_evaluations_total}.
   */
  public void longEvaluationRecallMeter(Supplier<Number> recalled) {
    held.add(recalled); // a function counter holds its object weakly
    FunctionCounter.builder("jrego.long.evaluations.recalled", recalled, s -> s.get().doubleValue())
        .description(
            "Evaluations that became long on the shorter budget of a decision that went long in"
                + " the last 10 s")
        .register(registry);
  }

  /**
   * The CPU long evaluations used ({@code LongEvaluations}), read when scraped, as {@code
   * jrego_long_evaluations_cpu_seconds_total{part}}: {@code candidate}, from the quick budget's end
   * in wall time until the evaluation became long (unpaced work), and {@code long}, from then until
   * it ended (paced work).
   *
   * @param candidateNanos CPU nanoseconds of the candidate part, since start
   * @param longNanos CPU nanoseconds of the long part, since start
   */
  public void longEvaluationCpuMeters(Supplier<Number> candidateNanos, Supplier<Number> longNanos) {
    held.add(candidateNanos); // a function counter holds its object weakly
    held.add(longNanos);
    FunctionCounter.builder(
            "jrego.long.evaluations.cpu", candidateNanos, s -> s.get().doubleValue() / 1e9)
        .description(
            "CPU of evaluations that became long, before (candidate: unpaced) and after (long:"
                + " paced) they did")
        .baseUnit("seconds")
        .tag("part", "candidate")
        .register(registry);
    FunctionCounter.builder(
            "jrego.long.evaluations.cpu", longNanos, s -> s.get().doubleValue() / 1e9)
        .description(
            "CPU of evaluations that became long, before (candidate: unpaced) and after (long:"
                + " paced) they did")
        .baseUnit("seconds")
        .tag("part", "long")
        .register(registry);
  }

  /** Counts a thread ended by an uncaught throwable. */
  public void threadDied(String thread, Throwable error) {
    Counter.builder("jrego.thread.deaths")
        .description("Threads ended by an uncaught throwable, by thread name and class")
        .tag("thread", thread)
        .tag("error", error.getClass().getSimpleName())
        .register(registry)
        .increment();
  }

  /**
   * Adds Micrometer's JVM and process series: heap and non-heap memory by pool, GC pauses and
   * allocation, threads by state, classes, CPU, uptime. Once per registry; {@link #close()} stops
   * the GC listener.
   */
  public synchronized void bindJvmMetrics() {
    if (jvmBound) {
      return;
    }
    jvmBound = true;
    new JvmMemoryMetrics().bindTo(registry);
    JvmHeapPressureMetrics pressure = new JvmHeapPressureMetrics();
    pressure.bindTo(registry);
    binders.add(pressure);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    binders.add(gc);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  @Override
  public void close() {
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception e) {
        // closing a listener at shutdown: nothing more to do
      }
    }
  }

  /**
   * The registry, for parts of the server that keep meters of their own (token budgets, decision
   * logs).
   */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}
