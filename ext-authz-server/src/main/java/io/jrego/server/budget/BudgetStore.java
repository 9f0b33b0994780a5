package io.jrego.server.budget;

import java.util.List;

/**
 * Token and request budgets: reserve an estimate before a call, settle the actual usage after.
 *
 * <p>{@link #reserve} admits a request only if, for every budget it names, {@code used + reserved +
 * estimate <= limit_tokens}, {@code requests + 1 <= limit_requests} and {@code in_flight + 1 <=
 * max_concurrent}; it then holds the estimate against all of them at once (all or nothing). {@link
 * #settle} replaces the estimate by the actual usage: the overshoot of a longer answer is charged,
 * the rest refunded. A reservation neither settled nor released by the end of its lease is ended by
 * the store as {@link LeasePolicy#onExpiry} says. Every call is idempotent by reservation id: a
 * second reserve of an id answers the first one's admission without charging again, a second settle
 * or release changes nothing.
 *
 * <p>Implementations are thread-safe. Two exist: {@link EmbeddedBudgetStore} (one replica, in
 * memory) and {@link RedisBudgetStore} (replicas sharing one Redis, one atomic script per call).
 */
public interface BudgetStore extends AutoCloseable {

  /**
   * Reserves {@code estimate} tokens and one request against every budget.
   *
   * @param reservationId a unique id chosen by the caller (the check's decision id)
   * @param budgets the budgets, at least one; the first refusing one is reported
   * @param estimate tokens to hold, {@code >= 0}
   * @throws BudgetStoreException when the store cannot answer (Redis unreachable); nothing is known
   *     to be reserved
   */
  ReserveResult reserve(String reservationId, List<Budget> budgets, long estimate)
      throws BudgetStoreException;

  /**
   * Settles a reservation with the tokens actually used.
   *
   * @param actual tokens used, {@code >= 0}, as the upstream reported them
   * @throws BudgetStoreException when the store cannot answer
   */
  SettleResult settle(String reservationId, long actual) throws BudgetStoreException;

  /**
   * Ends a reservation whose usage will never be known (the client went away, the upstream failed)
   * now rather than at the end of its lease, as {@link LeasePolicy#onExpiry} says.
   *
   * @throws BudgetStoreException when the store cannot answer
   */
  SettleResult release(String reservationId) throws BudgetStoreException;

  /**
   * The counters of a budget's current window, for metrics and tests.
   *
   * @throws BudgetStoreException when the store cannot answer
   */
  Usage usage(Budget budget) throws BudgetStoreException;

  @Override
  void close();

  /**
   * A budget's counters in its current window.
   *
   * @param used tokens settled (and estimates charged by expired leases)
   * @param reserved tokens held by open reservations
   * @param requests requests admitted
   * @param inFlight open reservations (not windowed)
   */
  record Usage(long used, long reserved, long requests, long inFlight) {}
}
