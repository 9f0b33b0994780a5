package io.jrego.engine;

import java.util.Optional;

/**
 * Per-query options of {@link PreparedPolicy#query(String, Optional, QueryOptions)}.
 *
 * @param coverage where to record the lines the query evaluates, or empty to record nothing (no
 *     cost)
 */
public record QueryOptions(Optional<Coverage> coverage) {

  private static final QueryOptions NONE = new QueryOptions(Optional.empty());

  /** No options: the same as {@link PreparedPolicy#query(String, Optional)}. */
  public static QueryOptions none() {
    return NONE;
  }

  /** Records coverage into {@code coverage}. */
  public static QueryOptions withCoverage(Coverage coverage) {
    return new QueryOptions(Optional.of(coverage));
  }
}
