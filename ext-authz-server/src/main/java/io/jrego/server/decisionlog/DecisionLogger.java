package io.jrego.server.decisionlog;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.observe.DecisionRecorder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Decision logs in OPA's format. {@link #record} never blocks and never throws: it puts the event
 * on a bounded queue (a full queue drops the event and counts it), and one background thread does
 * the rest, in OPA's order: evaluate the bundle's {@code system.log.drop} rule (true: not logged),
 * evaluate its {@code system.log.mask} rule and apply it, apply the {@link DefaultMask default
 * mask} (unless the bundle's {@code system.log.default_mask} is {@code false} or the configuration
 * turns it off), then hand the event to every sink (console, file, upload). As in OPA, a mask or
 * drop rule that fails to evaluate, or a mask decision of the wrong shape, means the event is not
 * logged (and is counted): an event that cannot be masked is never written unmasked.
 */
public final class DecisionLogger implements DecisionRecorder, AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.decisionlog");
  private static final String DEFAULT_MASK_RULE = "system/log/default_mask";
  private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * What every event carries and how the logger runs.
   *
   * @param labels the event's {@code labels}: {@code id} (this instance) and {@code version}
   *     (jrego's), plus configured ones
   * @param defaultMask whether the {@link DefaultMask} applies (a bundle can still turn it off)
   * @param queueCapacity how many events may wait for the logger's thread
   * @param maskPath the mask rule, OPA's {@code mask_decision}
   * @param dropPath the drop rule, OPA's {@code drop_decision}
   * @param ruleTimeout how long the mask or drop rule may evaluate for one event
   */
  public record Config(
      Map<String, String> labels,
      boolean defaultMask,
      int queueCapacity,
      String maskPath,
      String dropPath,
      Duration ruleTimeout) {
    public Config {
      labels = Map.copyOf(labels);
      Objects.requireNonNull(maskPath);
      Objects.requireNonNull(dropPath);
      if (queueCapacity < 1) {
        throw new IllegalArgumentException(
            "decision log queue must hold at least one event: " + queueCapacity);
      }
    }

    /** OPA's rule paths, a 10,000-event queue (OPA's event buffer), the default mask on. */
    public static Config defaults(Map<String, String> labels) {
      return new Config(
          labels, true, 10_000, "system/log/mask", "system/log/drop", Duration.ofMillis(100));
    }
  }

  private final Config config;
  private final ObjectValue labels;
  private final List<Sink> sinks;
  private final DecisionLogStats stats;
  private final DefaultMask defaultMask = new DefaultMask();
  private LogRules rules; // the logger thread's only
  private final BlockingQueue<DecisionEvent> queue;
  private final Thread thread;
  private final Map<String, Long> lastWarning = new ConcurrentHashMap<>();
  private volatile boolean running = true;
  private volatile long closeDeadline;

  DecisionLogger(Config config, List<Sink> sinks, DecisionLogStats stats) {
    this.config = config;
    this.sinks = List.copyOf(sinks);
    this.stats = stats;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    ObjectValue.Builder b = new ObjectValue.Builder();
    new TreeMap<>(config.labels()).forEach((k, v) -> b.put(k, StringValue.of(v)));
    this.labels = b.build();
    this.thread = new Thread(this::run, "jrego-decision-log");
    thread.setDaemon(true);
    thread.start();
  }

  /** The counters, for {@code /metrics}. */
  public DecisionLogStats stats() {
    return stats;
  }

  @Override
  public void record(DecisionEvent event) {
    if (!queue.offer(event)) {
      stats.dropped("queue_full", 1);
      warn("queue_full", "decision log queue full: events dropped (see jrego_decision_logs_*)");
    }
  }

  private void run() {
    while (running || !queue.isEmpty()) {
      DecisionEvent e;
      try {
        e = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        if (!running) {
          continue; // drain what is queued, then stop
        }
        Thread.currentThread().interrupt();
        break;
      }
      if (e != null) {
        process(e);
      }
      long now = System.nanoTime();
      for (Sink s : sinks) {
        try {
          if (e == null || queue.isEmpty()) {
            s.idle();
          }
          s.tick(now);
        } catch (IOException | RuntimeException ex) {
          warn("sink", "decision log sink failed: " + ex);
        }
      }
    }
    long deadline = closeDeadline == 0 ? System.nanoTime() : closeDeadline;
    for (Sink s : sinks) {
      try {
        s.close(deadline);
      } catch (IOException | RuntimeException ex) {
        warn("sink", "decision log sink failed to close: " + ex);
      }
    }
  }

  /** Makes, masks and writes one event; never throws. */
  void process(DecisionEvent e) {
    ObjectValue document;
    byte[] json;
    try {
      LogEvent event = LogEvent.of(e, labels);
      Optional<PreparedPolicy> policy = e.bundle().map(DecisionEvent.Bundle::policy);
      boolean useDefault = config.defaultMask();
      if (policy.isPresent()) {
        ObjectValue input = event.policyInput();
        Optional<Value> drop;
        Optional<Value> mask;
        Optional<Value> defaultSetting;
        LogRules r = rules(policy.get());
        try {
          drop =
              r.mayDefine(0) ? evaluate(policy.get(), config.dropPath(), input) : Optional.empty();
        } catch (RegoException ex) {
          fail("drop_error", "decision log drop rule failed: " + ex.getMessage());
          return;
        }
        if (drop.isPresent() && drop.get() instanceof BooleanValue b && b.value()) {
          stats.filtered();
          return;
        }
        try {
          mask =
              r.mayDefine(1) ? evaluate(policy.get(), config.maskPath(), input) : Optional.empty();
          defaultSetting =
              r.mayDefine(2) ? evaluate(policy.get(), DEFAULT_MASK_RULE, input) : Optional.empty();
          if (mask.isPresent()) {
            for (MaskRule rule : MaskRule.parseAll(mask.get())) {
              rule.apply(event);
            }
          }
        } catch (RegoException | MaskRule.InvalidMaskException ex) {
          fail("mask_error", "decision log mask rule failed: " + ex.getMessage());
          return;
        }
        if (defaultSetting.isPresent()
            && defaultSetting.get() instanceof BooleanValue b
            && !b.value()) {
          useDefault = false;
        }
      }
      if (useDefault) {
        defaultMask.apply(event);
      }
      document = event.document();
      json = Json.writeBytes(document);
    } catch (RuntimeException | StackOverflowError ex) {
      fail("error", "decision log event not made: " + ex);
      return;
    }
    boolean failed = false;
    for (Sink s : sinks) {
      try {
        s.write(document, json);
      } catch (IOException | RuntimeException ex) {
        failed = true;
        warn("sink", "decision log sink failed: " + ex);
      }
    }
    if (failed) {
      stats.dropped("sink_error", 1);
    } else {
      stats.wrote();
    }
  }

  /** Which log rules {@code policy} can define, worked out again only when the policy changes. */
  private LogRules rules(PreparedPolicy policy) {
    LogRules r = rules;
    if (r == null || !r.isFor(policy)) {
      r = LogRules.of(policy, List.of(config.dropPath(), config.maskPath(), DEFAULT_MASK_RULE));
      rules = r;
    }
    return r;
  }

  private Optional<Value> evaluate(PreparedPolicy policy, String path, Value input)
      throws RegoException {
    long deadline = System.nanoTime() + config.ruleTimeout().toNanos();
    return policy.evaluate(path, input, QueryOptions.none().withDeadline(deadline));
  }

  private void fail(String reason, String message) {
    stats.dropped(reason, 1);
    warn(reason, message);
  }

  /** Logs at most one warning per kind every ten seconds: a failing sink must not flood stderr. */
  private void warn(String kind, String message) {
    long now = System.nanoTime();
    Long last = lastWarning.get(kind);
    if (last != null && now - last < WARN_INTERVAL_NANOS) {
      return;
    }
    lastWarning.put(kind, now);
    LOG.log(Level.WARNING, message);
  }

  /**
   * Stops taking events, writes what is queued and lets the sinks deliver what they hold (an upload
   * within {@code grace}); what is left is counted as dropped ({@code shutdown}).
   */
  public void close(Duration grace) {
    closeDeadline = System.nanoTime() + grace.toNanos();
    running = false;
    try {
      thread.join(Math.max(1, grace.toMillis() * 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
