package io.jrego.engine.base;

import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
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
 * @param with documents under {@code data} replaced for the whole evaluation, in order, as a {@code
 *     with data.a.b as v} modifier on the query would replace them ({@link With}); empty for none
 */
public record QueryOptions(
    Optional<Coverage> coverage,
    Optional<Consumer<String>> print,
    Optional<Consumer<Value>> testCases,
    OptionalLong deadline,
    Optional<Runnable> pacer,
    List<With> with) {

  /**
   * One document under {@code data} replaced for a whole evaluation: {@code with data.<path> as
   * <value>}, with OPA's meaning (every reference to it, or to a document above or below it, sees
   * the value; a rule at the path is not evaluated). Equal when path and value are.
   *
   * @param path the keys under {@code data}, such as {@code ["envoy", "authz", "allow"]}; not empty
   * @param value the replacement
   */
  public record With(List<String> path, Value value) {
    public With {
      path = List.copyOf(path);
      Objects.requireNonNull(value);
      if (path.isEmpty()) {
        throw new IllegalArgumentException("a with path names a document under data, got none");
      }
    }
  }

  private static final QueryOptions NONE =
      new QueryOptions(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          OptionalLong.empty(),
          Optional.empty(),
          List.of());

  public QueryOptions {
    Objects.requireNonNull(coverage);
    Objects.requireNonNull(print);
    Objects.requireNonNull(testCases);
    Objects.requireNonNull(deadline);
    Objects.requireNonNull(pacer);
    with = List.copyOf(with);
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
    return new QueryOptions(Optional.of(c), print, testCases, deadline, pacer, with);
  }

  /** These options, sending {@code print} output to {@code sink}. */
  public QueryOptions print(Consumer<String> sink) {
    return new QueryOptions(coverage, Optional.of(sink), testCases, deadline, pacer, with);
  }

  /** These options, reporting the test cases of parametrized tests to {@code sink}. */
  public QueryOptions testCases(Consumer<Value> sink) {
    return new QueryOptions(coverage, print, Optional.of(sink), deadline, pacer, with);
  }

  /** These options, ending evaluation at {@code nanoTime} (a {@link System#nanoTime()} value). */
  public QueryOptions withDeadline(long nanoTime) {
    return new QueryOptions(coverage, print, testCases, OptionalLong.of(nanoTime), pacer, with);
  }

  /** These options, running {@code p} at each limit checkpoint (see {@link #pacer()}). */
  public QueryOptions pacer(Runnable p) {
    return new QueryOptions(coverage, print, testCases, deadline, Optional.of(p), with);
  }

  /**
   * These options, replacing the document at {@code path} under {@code data} by {@code value} for
   * the whole evaluation, after any replacement already set ({@link With}).
   */
  public QueryOptions with(List<String> path, Value value) {
    List<With> w = new ArrayList<>(with);
    w.add(new With(path, value));
    return new QueryOptions(coverage, print, testCases, deadline, pacer, w);
  }
}
