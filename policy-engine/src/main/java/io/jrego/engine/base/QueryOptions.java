package io.jrego.engine.base;

import io.jrego.engine.value.Value;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Per-query options of {@link io.jrego.engine.PreparedPolicy#query(String, Optional, QueryOptions)}
 * and {@link io.jrego.engine.PreparedPolicy#evaluate(String, Value, QueryOptions)}.
 *
 * @param coverage where to record the lines the query evaluates, or empty to record nothing (no
 *     cost)
 * @param print where this query's {@code print} output goes instead of the policy's print sink, or
 *     empty to use the policy's
 * @param testCases where each test case of a parametrized test ({@code test_x[name] if ...}) is
 *     reported, as the array of its key values, when evaluation reaches the point where its keys
 *     are known; empty to report nothing. Only policies compiled with {@link
 *     io.jrego.engine.Rego.Builder#testMode(boolean)} report them.
 * @param deadline a {@link System#nanoTime()} instant after which evaluation ends with {@code
 *     eval_cancel_error}, as it does once {@link EngineOptions#timeout()} has passed (whichever
 *     comes first); empty for the engine's timeout alone. A caller whose own work shares one budget
 *     with the evaluation (a server answering within a deadline) passes that budget's end here.
 * @param pacer run on the evaluating thread at each of the evaluation's limit checkpoints (about
 *     every thousand steps, and inside builtins that loop over large operands), before the deadline
 *     is checked; empty for none. A caller that shares CPU among evaluations may pause the thread
 *     there, or end the evaluation by throwing a {@link
 *     java.util.concurrent.CancellationException}: the query then fails with {@code
 *     eval_cancel_error} and that exception's message.
 */
public record QueryOptions(
    Optional<Coverage> coverage,
    Optional<Consumer<String>> print,
    Optional<Consumer<Value>> testCases,
    OptionalLong deadline,
    Optional<Runnable> pacer) {

  private static final QueryOptions NONE =
      new QueryOptions(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          OptionalLong.empty(),
          Optional.empty());

  public QueryOptions {
    Objects.requireNonNull(coverage);
    Objects.requireNonNull(print);
    Objects.requireNonNull(testCases);
    Objects.requireNonNull(deadline);
    Objects.requireNonNull(pacer);
  }

  /** No options: the same as {@link io.jrego.engine.PreparedPolicy#query(String, Optional)}. */
  public static QueryOptions none() {
    return NONE;
  }

  /** Records coverage into {@code coverage}. */
  public static QueryOptions withCoverage(Coverage coverage) {
    return NONE.coverage(coverage);
  }

  /** These options, recording coverage into {@code c}. */
  public QueryOptions coverage(Coverage c) {
    return new QueryOptions(Optional.of(c), print, testCases, deadline, pacer);
  }

  /** These options, sending {@code print} output to {@code sink}. */
  public QueryOptions print(Consumer<String> sink) {
    return new QueryOptions(coverage, Optional.of(sink), testCases, deadline, pacer);
  }

  /** These options, reporting the test cases of parametrized tests to {@code sink}. */
  public QueryOptions testCases(Consumer<Value> sink) {
    return new QueryOptions(coverage, print, Optional.of(sink), deadline, pacer);
  }

  /** These options, ending evaluation at {@code nanoTime} (a {@link System#nanoTime()} value). */
  public QueryOptions withDeadline(long nanoTime) {
    return new QueryOptions(coverage, print, testCases, OptionalLong.of(nanoTime), pacer);
  }

  /** These options, running {@code p} at each limit checkpoint (see {@link #pacer()}). */
  public QueryOptions pacer(Runnable p) {
    return new QueryOptions(coverage, print, testCases, deadline, Optional.of(p));
  }
}
