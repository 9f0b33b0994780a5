package io.jrego.engine;

import io.jrego.engine.value.Value;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Per-query options of {@link PreparedPolicy#query(String, Optional, QueryOptions)}.
 *
 * @param coverage where to record the lines the query evaluates, or empty to record nothing (no
 *     cost)
 * @param print where this query's {@code print} output goes instead of the policy's print sink, or
 *     empty to use the policy's
 * @param testCases where each test case of a parametrized test ({@code test_x[name] if ...}) is
 *     reported, as the array of its key values, when evaluation reaches the point where its keys
 *     are known; empty to report nothing. Only policies compiled with {@link
 *     Rego.Builder#testMode(boolean)} report them.
 */
public record QueryOptions(
    Optional<Coverage> coverage,
    Optional<Consumer<String>> print,
    Optional<Consumer<Value>> testCases) {

  private static final QueryOptions NONE =
      new QueryOptions(Optional.empty(), Optional.empty(), Optional.empty());

  public QueryOptions {
    Objects.requireNonNull(coverage);
    Objects.requireNonNull(print);
    Objects.requireNonNull(testCases);
  }

  /** No options: the same as {@link PreparedPolicy#query(String, Optional)}. */
  public static QueryOptions none() {
    return NONE;
  }

  /** Records coverage into {@code coverage}. */
  public static QueryOptions withCoverage(Coverage coverage) {
    return NONE.coverage(coverage);
  }

  /** These options, recording coverage into {@code c}. */
  public QueryOptions coverage(Coverage c) {
    return new QueryOptions(Optional.of(c), print, testCases);
  }

  /** These options, sending {@code print} output to {@code sink}. */
  public QueryOptions print(Consumer<String> sink) {
    return new QueryOptions(coverage, Optional.of(sink), testCases);
  }

  /** These options, reporting the test cases of parametrized tests to {@code sink}. */
  public QueryOptions testCases(Consumer<Value> sink) {
    return new QueryOptions(coverage, print, Optional.of(sink));
  }
}
