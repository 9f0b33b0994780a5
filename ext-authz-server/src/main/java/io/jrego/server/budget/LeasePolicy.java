package io.jrego.server.budget;

import java.time.Duration;
import java.util.Objects;

/**
 * How long reservations live and what ends them when nobody settles.
 *
 * @param lease how long a reservation may stay open: longer than the longest request (a long
 *     stream) the deployment allows
 * @param onExpiry what a lease that ends unsettled (and a {@link BudgetStore#release}) does with
 *     the estimate
 * @param retention how long a settled or expired reservation is remembered, so that a repeated or
 *     late settle is recognised (idempotency); after it the id is {@link
 *     SettleResult.Outcome#UNKNOWN}
 */
public record LeasePolicy(Duration lease, OnExpiry onExpiry, Duration retention) {

  /** The default: a 10-minute lease, charged on expiry, remembered for an hour. */
  public static final LeasePolicy DEFAULT =
      new LeasePolicy(Duration.ofMinutes(10), OnExpiry.CHARGE_ESTIMATE, Duration.ofHours(1));

  public LeasePolicy {
    Objects.requireNonNull(onExpiry, "onExpiry");
    if (lease.isNegative() || lease.isZero() || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("lease and retention must be positive");
    }
  }

  /** What an unsettled reservation costs when its lease ends. */
  public enum OnExpiry {
    /**
     * The estimate becomes usage: a request whose end was never seen (ext_authz without ext_proc, a
     * crash) may have used all it asked for, so the budget is never exceeded by it. The default.
     */
    CHARGE_ESTIMATE,
    /** The estimate is given back: nothing is charged for a request whose end was never seen. */
    REFUND
  }

  long leaseMillis() {
    return lease.toMillis();
  }

  long retentionMillis() {
    return retention.toMillis();
  }
}
