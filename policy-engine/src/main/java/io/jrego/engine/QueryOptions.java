package io.jrego.engine;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Per-query options of {@link PreparedPolicy#query(String, Optional, QueryOptions)} and {@link
 * PreparedPolicy#evaluate(String, io.jrego.engine.value.Value, QueryOptions)}.
 *
 * @param coverage where to record the lines the query evaluates, or empty to record nothing (no
 *     cost)
 * @param deadline a {@link System#nanoTime()} instant after which evaluation ends with {@code
 *     eval_cancel_error}, as it does once {@link EngineOptions#timeout()} has passed (whichever
 *     comes first); empty for the engine's timeout alone. A caller whose own work shares one budget
 *     with the evaluation (a server answering within a deadline) passes that budget's end here.
 */
public record QueryOptions(Optional<Coverage> coverage, OptionalLong deadline) {

  private static final QueryOptions NONE = new QueryOptions(Optional.empty(), OptionalLong.empty());

  /** No options: the same as {@link PreparedPolicy#query(String, Optional)}. */
  public static QueryOptions none() {
    return NONE;
  }

  /** Records coverage into {@code coverage}. */
  public static QueryOptions withCoverage(Coverage coverage) {
    return new QueryOptions(Optional.of(coverage), OptionalLong.empty());
  }

  /** These options, ending evaluation at {@code nanoTime} (a {@link System#nanoTime()} value). */
  public QueryOptions withDeadline(long nanoTime) {
    return new QueryOptions(coverage, OptionalLong.of(nanoTime));
  }
}
