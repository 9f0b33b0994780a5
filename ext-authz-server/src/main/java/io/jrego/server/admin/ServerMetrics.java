package io.jrego.server.admin;

import io.jrego.server.policy.ActivePolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server's metrics, in Prometheus text format on {@code /metrics}. Names are stable:
 *
 * <ul>
 *   <li>{@code jrego_checks_total{result, reason}}: checks answered; {@code result} is {@code
 *       allow}, {@code deny} or {@code error}, {@code reason} is {@code policy}, {@code dry_run} or
 *       a {@link io.jrego.server.envoy.Reason} code
 *   <li>{@code jrego_check_duration_seconds}: whole check, histogram
 *   <li>{@code jrego_eval_duration_seconds}: policy evaluation alone, histogram
 *   <li>{@code jrego_bundle_info{revision}}: 1 for the active bundle's revision
 *   <li>{@code jrego_bundle_activation_timestamp_seconds}: when it became active
 *   <li>{@code jrego_bundle_failures_total{source}}: bundles refused (fetch, unpack, parse, verify,
 *       compile, overlapping roots); the last good one stays active
 * </ul>
 */
public final class ServerMetrics {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer checkTimer;
  private final Timer evalTimer;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final AtomicReference<Meter> bundleInfo = new AtomicReference<>();
  private volatile double activatedAtSeconds;
  private volatile String lastBundleError = "";

  public ServerMetrics() {
    checkTimer =
        histogram("jrego.check.duration", "Time to answer a Check, from request to response");
    evalTimer = histogram("jrego.eval.duration", "Time to evaluate the policy for one check");
    Gauge.builder("jrego.bundle.activation.timestamp", this, m -> m.activatedAtSeconds)
        .description("Unix time the active bundle was activated")
        .baseUnit("seconds")
        .register(registry);
  }

  private Timer histogram(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
  }

  /** Counts one answered check. */
  public void check(String result, String reason, long nanos) {
    counters
        .computeIfAbsent(
            result + "\u0000" + reason,
            k ->
                Counter.builder("jrego.checks")
                    .description("Checks answered, by result and reason")
                    .tag("result", result)
                    .tag("reason", reason)
                    .register(registry))
        .increment();
    checkTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records one policy evaluation. */
  public void evaluation(long nanos) {
    evalTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Publishes the active bundle's revision and activation time. */
  public void activated(ActivePolicy policy) {
    activatedAtSeconds = policy.activatedAt().toEpochMilli() / 1000.0;
    lastBundleError = "";
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
  public void bundleFailed(String source, String message) {
    Counter.builder("jrego.bundle.failures")
        .description("Bundles refused; the last good one stays active")
        .tag("source", source)
        .register(registry)
        .increment();
    lastBundleError = message;
  }

  /** Why the last bundle was refused, empty if the latest attempt activated. */
  public String lastBundleError() {
    return lastBundleError;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}
