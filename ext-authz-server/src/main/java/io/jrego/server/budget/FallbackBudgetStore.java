package io.jrego.server.budget;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * A shared store (Redis) with a local fallback for when it is unreachable: the configured
 * alternative to failing closed.
 *
 * <p>While the shared store fails, reserves go to an {@link EmbeddedBudgetStore} with every limit
 * scaled by {@code localShare} (rounded down; a limit of 0 stays 0). The bound, per budget and
 * window: each replica admits at most {@code localShare x limit} on its own, so N replicas admit at
 * most {@code N x localShare x limit} beyond what the shared store had counted; with {@code
 * localShare = 1/N} that is one extra limit per window of outage. Settles go to whichever store
 * holds the reservation. A reservation made in the shared store whose settle fails ends there by
 * its lease, as {@link LeasePolicy#onExpiry} says.
 */
public final class FallbackBudgetStore implements BudgetStore {

  private final BudgetStore shared;
  private final EmbeddedBudgetStore local;
  private final double localShare;
  private final LongAdder fallbacks = new LongAdder();

  /**
   * @param localShare the fraction of each limit one replica may use on its own, in (0, 1]
   */
  public FallbackBudgetStore(BudgetStore shared, EmbeddedBudgetStore local, double localShare) {
    this.shared = Objects.requireNonNull(shared);
    this.local = Objects.requireNonNull(local);
    if (!(localShare > 0 && localShare <= 1)) {
      throw new IllegalArgumentException("localShare must be in (0, 1]: " + localShare);
    }
    this.localShare = localShare;
  }

  /** Reserves answered by the local store because the shared one failed. */
  public long fallbacks() {
    return fallbacks.sum();
  }

  @Override
  public ReserveResult reserve(String reservationId, List<Budget> budgets, long estimate)
      throws BudgetStoreException {
    try {
      return shared.reserve(reservationId, budgets, estimate);
    } catch (BudgetStoreException e) {
      fallbacks.increment();
      List<Budget> scaled = new ArrayList<>(budgets.size());
      for (Budget b : budgets) {
        scaled.add(
            new Budget(
                b.key(),
                b.window(),
                scale(b.limitTokens()),
                scale(b.limitRequests()),
                scale(b.maxConcurrent())));
      }
      return local.reserve(reservationId, scaled, estimate);
    }
  }

  private long scale(long limit) {
    return limit == Budget.UNLIMITED ? limit : (long) Math.floor(limit * localShare);
  }

  @Override
  public SettleResult settle(String reservationId, long actual) throws BudgetStoreException {
    SettleResult r = local.settle(reservationId, actual);
    return r.outcome() != SettleResult.Outcome.UNKNOWN ? r : shared.settle(reservationId, actual);
  }

  @Override
  public SettleResult release(String reservationId) throws BudgetStoreException {
    SettleResult r = local.release(reservationId);
    return r.outcome() != SettleResult.Outcome.UNKNOWN ? r : shared.release(reservationId);
  }

  @Override
  public Usage usage(Budget budget) throws BudgetStoreException {
    return shared.usage(budget);
  }

  @Override
  public void close() {
    shared.close();
    local.close();
  }
}
