package io.jrego.server.policy;

/**
 * What one class of evaluations (the checks of one decision under one policy: {@link
 * Decisions.Decision}) remembers of its expensive ones, for the pacing of long evaluations ({@code
 * LongEvaluations}): the clock instant until which its evaluations start on a shorter budget, moved
 * on each time one of them becomes long. One per decision of an active policy, so a new policy
 * starts with nothing remembered. Reading it is one volatile read per evaluation; it is written
 * only when an evaluation becomes long. Thread-safe.
 */
public final class LongRecall {

  private volatile long until; // a clock instant; 0: none went long

  /** Nothing remembered yet. */
  public LongRecall() {}

  /**
   * Whether an evaluation of this class became long recently enough that one starting at {@code
   * now} (a clock instant, {@link System#nanoTime()} or a test's) is to be paced sooner.
   */
  public boolean recent(long now) {
    long u = until;
    return u != 0 && u - now > 0;
  }

  /** An evaluation of this class became long at {@code now}: remembered for {@code forNanos}. */
  public void wentLong(long now, long forNanos) {
    long u = now + forNanos;
    until = u == 0 ? 1 : u;
  }

  @Override
  public String toString() {
    return until == 0 ? "LongRecall[never]" : "LongRecall[until=" + until + "]";
  }
}
