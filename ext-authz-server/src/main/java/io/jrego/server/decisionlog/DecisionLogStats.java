package io.jrego.server.decisionlog;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The decision logger's counters, exported on {@code /metrics} once {@link #bindTo bound}:
 *
 * <ul>
 *   <li>{@code jrego_decision_logs_events_total}: events written to the sinks
 *   <li>{@code jrego_decision_logs_dropped_total{reason}}: events lost; {@code reason} is {@code
 *       queue_full} (the checks outran the logger), {@code buffer_size_limit_bytes_exceeded} (the
 *       upload buffer was full: the oldest batch goes), {@code event_too_large} (one event alone
 *       exceeds the upload size limit), {@code mask_error} / {@code drop_error} (the bundle's mask
 *       or drop rule failed: as OPA, the event is not logged), {@code encoding_failure}, {@code
 *       sink_error} (a file could not be written), {@code shutdown} (not delivered before the
 *       server stopped) and {@code error} (a bug in jrego: the event could not be made)
 *   <li>{@code jrego_decision_logs_filtered_total}: events the bundle's {@code system.log.drop}
 *       chose not to log
 *   <li>{@code jrego_decision_logs_uploads_total{result}}: upload requests, {@code ok} or {@code
 *       failed}
 *   <li>{@code jrego_decision_logs_buffer_bytes}: compressed bytes waiting for upload
 * </ul>
 */
public final class DecisionLogStats {

  private final Map<String, LongAdder> dropped = new ConcurrentHashMap<>();
  private final LongAdder events = new LongAdder();
  private final LongAdder filtered = new LongAdder();
  private final LongAdder uploadsOk = new LongAdder();
  private final LongAdder uploadsFailed = new LongAdder();
  final AtomicLong bufferBytes = new AtomicLong();

  static final String[] DROP_REASONS = {
    "queue_full",
    "buffer_size_limit_bytes_exceeded",
    "event_too_large",
    "mask_error",
    "drop_error",
    "encoding_failure",
    "sink_error",
    "shutdown",
    "error"
  };

  public DecisionLogStats() {
    for (String r : DROP_REASONS) {
      dropped.put(r, new LongAdder());
    }
  }

  /** Registers the counters with {@code registry}. */
  public void bindTo(MeterRegistry registry) {
    for (Map.Entry<String, LongAdder> e : dropped.entrySet()) {
      FunctionCounter.builder("jrego.decision_logs.dropped", e.getValue(), LongAdder::sum)
          .description("Decision log events lost, by reason")
          .tag("reason", e.getKey())
          .register(registry);
    }
    FunctionCounter.builder("jrego.decision_logs.events", events, LongAdder::sum)
        .description("Decision log events written")
        .register(registry);
    FunctionCounter.builder("jrego.decision_logs.filtered", filtered, LongAdder::sum)
        .description("Decision log events the bundle's system.log.drop rule dropped")
        .register(registry);
    FunctionCounter.builder("jrego.decision_logs.uploads", uploadsOk, LongAdder::sum)
        .description("Decision log upload requests, by result")
        .tag("result", "ok")
        .register(registry);
    FunctionCounter.builder("jrego.decision_logs.uploads", uploadsFailed, LongAdder::sum)
        .description("Decision log upload requests, by result")
        .tag("result", "failed")
        .register(registry);
    Gauge.builder("jrego.decision_logs.buffer", bufferBytes, AtomicLong::get)
        .description("Compressed decision log bytes waiting for upload")
        .baseUnit("bytes")
        .register(registry);
  }

  void dropped(String reason, long n) {
    LongAdder a = dropped.get(reason);
    if (a == null) {
      throw new IllegalArgumentException("unknown drop reason " + reason);
    }
    a.add(n);
  }

  void wrote() {
    events.increment();
  }

  void filtered() {
    filtered.increment();
  }

  void upload(boolean ok) {
    (ok ? uploadsOk : uploadsFailed).increment();
  }

  /** Events lost for {@code reason}. */
  public long dropped(String reason) {
    LongAdder a = dropped.get(reason);
    return a == null ? 0 : a.sum();
  }

  /** Events written to the sinks. */
  public long written() {
    return events.sum();
  }

  /** Events the bundle's drop rule dropped. */
  public long filteredCount() {
    return filtered.sum();
  }

  /** Upload requests with the given result. */
  public long uploads(boolean ok) {
    return (ok ? uploadsOk : uploadsFailed).sum();
  }
}
