package io.jrego.server.budget;

/**
 * What {@link BudgetStore#settle} and {@link BudgetStore#release} answer.
 *
 * @param outcome what happened to the reservation
 * @param charged tokens added to the budgets' used count by this call (the actual usage on a
 *     settle; the estimate on a release that charges; 0 when nothing happened); on a late settle of
 *     an expired lease, the correction (actual minus the charged estimate, possibly negative)
 * @param refunded tokens of the estimate given back (estimate minus actual when positive)
 * @param overshoot tokens charged beyond the estimate (actual minus estimate when positive)
 */
public record SettleResult(Outcome outcome, long charged, long refunded, long overshoot) {

  /** What a settle or release did. */
  public enum Outcome {
    /** The reservation was open and is now settled (or released). */
    SETTLED,
    /** The lease had expired and its estimate was charged; the actual usage replaced it. */
    CORRECTED_AFTER_EXPIRY,
    /** Settled or released before: nothing changed (settle is idempotent). */
    ALREADY_SETTLED,
    /** The store knows no such reservation (never made, or forgotten after its retention). */
    UNKNOWN
  }

  static SettleResult nothing(Outcome outcome) {
    return new SettleResult(outcome, 0, 0, 0);
  }

  static SettleResult settled(long estimate, long actual) {
    return new SettleResult(
        Outcome.SETTLED, actual, Math.max(0, estimate - actual), Math.max(0, actual - estimate));
  }
}
