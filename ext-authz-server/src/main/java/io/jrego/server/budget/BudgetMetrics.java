package io.jrego.server.budget;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Budget metrics, by budget key (the policy's key, which names the identity, tenant or model it
 * budgets) and window:
 *
 * <ul>
 *   <li>{@code jrego_budget_tokens_total{budget, window, kind}}: tokens {@code reserved}, {@code
 *       settled} (actual usage), {@code refunded} (estimate not used), {@code overshoot} (used
 *       beyond the estimate), {@code rejected} (estimates refused)
 *   <li>{@code jrego_budget_rejections_total{budget, window, limit}}: requests refused, by the
 *       limit they hit ({@code tokens}, {@code requests}, {@code concurrent})
 *   <li>{@code jrego_budget_remaining_tokens{budget, window}}: tokens left as of the latest reserve
 *   <li>{@code jrego_budget_store_errors_total{op}}: calls the store could not answer
 *   <li>{@code jrego_budget_ratelimit_calls_total{result}}: Envoy rate-limit service calls ({@link
 *       RateLimits}) by result: {@code ok}, {@code over_limit}, or why it failed ({@code
 *       no_policy}, {@code policy_error}, {@code invalid_decision}, {@code budget_unavailable})
 * </ul>
 *
 * <p>At most {@value #MAX_KEYS} budget keys get their own series; later ones share {@code
 * budget="_other"}, so a policy that puts a request id in a key cannot exhaust memory.
 */
public final class BudgetMetrics {

  static final int MAX_KEYS = 1_000;
  static final String OTHER = "_other";

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> remaining = new ConcurrentHashMap<>();
  private final Map<String, Boolean> keys = new ConcurrentHashMap<>();

  public BudgetMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void reserved(Budget b, long estimate) {
    tokens(b, "reserved", estimate);
  }

  void settled(Budget b, SettleResult r) {
    tokens(b, "settled", Math.max(0, r.charged()));
    tokens(b, "refunded", r.refunded());
    tokens(b, "overshoot", r.overshoot());
  }

  void rejected(Budget b, ReserveResult.Limit limit, long estimate) {
    tokens(b, "rejected", estimate);
    counter(
            "jrego.budget.rejections",
            "Requests refused by a budget, by the limit they hit",
            "budget",
            label(b),
            "window",
            b.window().label(),
            "limit",
            limit.label())
        .increment();
  }

  void remaining(Budget b, long tokens) {
    if (tokens == Budget.UNLIMITED) {
      return;
    }
    String label = label(b);
    String id = label + '\0' + b.window().label();
    remaining
        .computeIfAbsent(
            id,
            k -> {
              AtomicLong v = new AtomicLong();
              Gauge.builder("jrego.budget.remaining.tokens", v, AtomicLong::doubleValue)
                  .description("Tokens left in the budget's window as of the latest reserve")
                  .tag("budget", label)
                  .tag("window", b.window().label())
                  .register(registry);
              return v;
            })
        .set(tokens);
  }

  void storeError(String op) {
    counter("jrego.budget.store.errors", "Budget store calls that failed", "op", op).increment();
  }

  void rateLimitCall(String result) {
    counter(
            "jrego.budget.ratelimit.calls",
            "Envoy rate-limit service calls by result: ok, over_limit or why they failed",
            "result",
            result)
        .increment();
  }

  private void tokens(Budget b, String kind, long n) {
    if (n <= 0) {
      return;
    }
    counter(
            "jrego.budget.tokens",
            "Budget tokens by kind: reserved, settled, refunded, overshoot, rejected",
            "budget",
            label(b),
            "window",
            b.window().label(),
            "kind",
            kind)
        .increment((double) n);
  }

  private String label(Budget b) {
    if (keys.containsKey(b.key())) {
      return b.key();
    }
    if (keys.size() < MAX_KEYS) {
      keys.putIfAbsent(b.key(), Boolean.TRUE);
      return b.key();
    }
    return OTHER;
  }

  private Counter counter(String name, String description, String... tags) {
    String id = name + '\0' + String.join("\0", tags);
    return counters.computeIfAbsent(
        id, k -> Counter.builder(name).description(description).tags(tags).register(registry));
  }
}
