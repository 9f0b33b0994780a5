package io.jrego.server.budget;

import java.time.Duration;
import java.util.List;

/** What {@link BudgetStore#reserve} answers. */
public sealed interface ReserveResult {

  /**
   * The request may go ahead; its estimate is held against every budget until settled, released or
   * its lease expires.
   *
   * @param reservationId the id to settle with
   * @param remaining per budget, in the request's order, what is left after this reservation
   */
  record Admitted(String reservationId, List<Remaining> remaining) implements ReserveResult {
    public Admitted {
      remaining = List.copyOf(remaining);
    }
  }

  /**
   * The request would exceed a budget; nothing was reserved anywhere.
   *
   * @param budget the first budget (in the request's order) that refused
   * @param limit which of its limits: {@link Limit#TOKENS}, {@link Limit#REQUESTS} or {@link
   *     Limit#CONCURRENT}
   * @param remaining what is left of that limit now
   * @param retryAfter when asking again can succeed: the window's end for tokens and requests,
   *     {@link #CONCURRENCY_RETRY} for concurrency (a stream in flight may end at any moment)
   */
  record Rejected(Budget budget, Limit limit, long remaining, Duration retryAfter)
      implements ReserveResult {

    /** The retry hint of a request refused for concurrency. */
    public static final Duration CONCURRENCY_RETRY = Duration.ofSeconds(1);
  }

  /** Which limit a request exceeded. */
  enum Limit {
    TOKENS,
    REQUESTS,
    CONCURRENT;

    /** The lower-case name used in bodies and metrics. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * What is left of one budget in the current window.
   *
   * @param budget the budget
   * @param tokens tokens left after used and reserved ones, or {@link Budget#UNLIMITED}
   * @param requests requests left, or {@link Budget#UNLIMITED}
   * @param reset time until the window ends
   */
  record Remaining(Budget budget, long tokens, long requests, Duration reset) {}
}
