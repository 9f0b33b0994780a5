package io.jrego.cli;

import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetMetrics;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.FallbackBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RedisBudgetStore;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code jrego serve}'s options for the token budgets decisions ask for. */
final class BudgetOptions {

  @Option(
      names = "--budget-store",
      defaultValue = "embedded",
      paramLabel = "KIND",
      description =
          "Where token budgets are counted: embedded (this process), redis (shared by replicas,"
              + " --budget-redis) or none (a decision's budget field is ignored).")
  String store;

  @Option(
      names = "--budget-redis",
      defaultValue = "redis://127.0.0.1:6379/0",
      paramLabel = "URI",
      description = "The Redis of --budget-store=redis.")
  String redisUri;

  @Option(
      names = "--budget-redis-timeout",
      defaultValue = "100ms",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How long one budget call may wait for Redis.")
  Duration redisTimeout;

  @Option(
      names = "--budget-redis-down",
      defaultValue = "deny",
      paramLabel = "MODE",
      description =
          "When Redis cannot answer: deny (fail closed, answered as --on-error says) or local"
              + " (count in this process with --budget-local-share of each limit).")
  String redisDown;

  @Option(
      names = "--budget-local-share",
      defaultValue = "1.0",
      paramLabel = "FRACTION",
      description =
          "With --budget-redis-down=local, the share of each limit one replica may use on its own;"
              + " N replicas admit at most N x share x limit per window while Redis is down.")
  double localShare;

  @Option(
      names = "--budget-lease",
      defaultValue = "10m",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long a reservation stays open without a settle (longer than the longest stream).")
  Duration lease;

  @Option(
      names = "--budget-on-expiry",
      defaultValue = "charge",
      paramLabel = "MODE",
      description =
          "What a reservation never settled costs when its lease ends: charge (the estimate) or"
              + " refund (nothing).")
  String onExpiry;

  @Option(
      names = "--budget-max-entries",
      defaultValue = "200000",
      paramLabel = "N",
      description = "The embedded store's bound on window counters and remembered reservations.")
  int maxEntries;

  /**
   * The gate, empty with {@code --budget-store=none}.
   *
   * @throws IllegalArgumentException naming the option whose value is wrong
   */
  Optional<BudgetGate> gate(ServerMetrics metrics) {
    LeasePolicy policy =
        new LeasePolicy(
            lease,
            switch (onExpiry.toLowerCase(Locale.ROOT)) {
              case "charge" -> LeasePolicy.OnExpiry.CHARGE_ESTIMATE;
              case "refund" -> LeasePolicy.OnExpiry.REFUND;
              default ->
                  throw new IllegalArgumentException(
                      "--budget-on-expiry must be charge or refund, got " + onExpiry);
            },
            Duration.ofHours(1));
    BudgetStore s =
        switch (store.toLowerCase(Locale.ROOT)) {
          case "none" -> null;
          case "embedded" -> new EmbeddedBudgetStore(policy, maxEntries);
          case "redis" -> redis(policy);
          default ->
              throw new IllegalArgumentException(
                  "--budget-store must be embedded, redis or none, got " + store);
        };
    return s == null
        ? Optional.empty()
        : Optional.of(new BudgetGate(s, new BudgetMetrics(metrics.registry())));
  }

  private BudgetStore redis(LeasePolicy policy) {
    if (!redisUri.startsWith("redis://") && !redisUri.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          "--budget-redis must be a redis:// or rediss:// URI, got " + redisUri);
    }
    RedisBudgetStore shared = new RedisBudgetStore(redisUri, redisTimeout, "jrego:budget:", policy);
    return switch (redisDown.toLowerCase(Locale.ROOT)) {
      case "deny" -> shared;
      case "local" ->
          new FallbackBudgetStore(shared, new EmbeddedBudgetStore(policy, maxEntries), localShare);
      default ->
          throw new IllegalArgumentException(
              "--budget-redis-down must be deny or local, got " + redisDown);
    };
  }
}
