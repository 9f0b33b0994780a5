package io.jrego.engine.base;

import java.time.Duration;

/**
 * Every limit the engine enforces, in one place, with safe defaults. A query that passes a limit
 * ends with an {@code eval_limit_error} naming the limit, never with a {@link StackOverflowError}
 * or {@link OutOfMemoryError}.
 *
 * @param timeout wall-clock time one evaluation may take
 * @param maxDepth nesting of rule, function and comprehension evaluation
 * @param maxResultSize elements in one collection the evaluator builds (comprehension, partial set,
 *     partial object)
 * @param maxInputBytes size of an input document accepted from outside
 * @param strictBuiltinErrors raise builtin errors instead of making the call undefined
 * @param maxAllocationBytes bytes one evaluation may allocate, garbage included (see {@link
 *     AllocationMeter}): checked with the deadline, after a builtin returns a large value, and by
 *     builtins before they build one (a long string, a range, a padded format), so a policy cannot
 *     fill the heap; {@link Long#MAX_VALUE} for no limit
 */
public record EngineOptions(
    Duration timeout,
    int maxDepth,
    long maxResultSize,
    long maxInputBytes,
    boolean strictBuiltinErrors,
    long maxAllocationBytes) {

  /**
   * Defaults: 5 s, depth 2,000, 10 million elements, 64 MiB input, non-strict builtins, a quarter
   * of the heap allocated.
   */
  public static EngineOptions defaults() {
    return new EngineOptions(
        Duration.ofSeconds(5),
        2_000,
        10_000_000L,
        64L << 20,
        false,
        Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 4));
  }

  public EngineOptions withTimeout(Duration t) {
    return new EngineOptions(
        t, maxDepth, maxResultSize, maxInputBytes, strictBuiltinErrors, maxAllocationBytes);
  }

  public EngineOptions withMaxDepth(int d) {
    return new EngineOptions(
        timeout, d, maxResultSize, maxInputBytes, strictBuiltinErrors, maxAllocationBytes);
  }

  public EngineOptions withStrictBuiltinErrors(boolean s) {
    return new EngineOptions(
        timeout, maxDepth, maxResultSize, maxInputBytes, s, maxAllocationBytes);
  }

  public EngineOptions withMaxAllocationBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("maxAllocationBytes must be positive, got " + bytes);
    }
    return new EngineOptions(
        timeout, maxDepth, maxResultSize, maxInputBytes, strictBuiltinErrors, bytes);
  }
}
