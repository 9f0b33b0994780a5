package io.jrego.engine.builtins.spi;

import io.jrego.engine.base.AllocationMeter;
import io.jrego.engine.value.Value;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What a builtin may see of the evaluation calling it. One context serves one query, so values that
 * OPA fixes per query ({@code time.now_ns}, {@code rand.intn}, {@code uuid.rfc4122}) are taken once
 * and cached here. Not thread-safe: one evaluation uses it at a time.
 */
public final class BuiltinContext {

  private final Clock clock;
  private final Consumer<String> printSink;
  private final boolean strict;
  private final AllocationMeter allocations;
  private Map<Object, Value> queryCache; // created on first use: most queries never need it
  private long nowNanos = Long.MIN_VALUE;
  private Runnable limits = () -> {};
  private int sinceCheck;

  /**
   * @param clock the source of {@code time.now_ns}
   * @param printSink where {@code print} output goes
   * @param strict whether builtin errors are raised (OPA's strict-builtin-errors) rather than
   *     making the call undefined
   */
  public BuiltinContext(Clock clock, Consumer<String> printSink, boolean strict) {
    this(clock, printSink, strict, Long.MAX_VALUE);
  }

  /**
   * @param maxAllocationBytes what the query may allocate from now on (see {@link
   *     io.jrego.engine.base.EngineOptions#maxAllocationBytes}); {@link Long#MAX_VALUE} for no
   *     limit
   */
  public BuiltinContext(
      Clock clock, Consumer<String> printSink, boolean strict, long maxAllocationBytes) {
    this.clock = clock;
    this.printSink = printSink;
    this.strict = strict;
    this.allocations = AllocationMeter.start(maxAllocationBytes);
  }

  /**
   * Called by a builtin before it builds a value of about {@code bytes} (a long string, a range, a
   * padded format): ends the query when that would pass the query's allocation limit.
   *
   * @throws LimitExceededException naming the limit
   */
  public void reserve(long bytes) {
    if (allocations.exceeded(bytes)) {
      throw new LimitExceededException(overLimit(bytes));
    }
  }

  /**
   * Runs {@code load}, a one-time load of a table shared by every query in the JVM (cached, so no
   * query can make it twice), without charging what it allocates to this query's limit.
   */
  public <T> T sharedLoad(java.util.function.Supplier<T> load) {
    return allocations.uncounted(load);
  }

  /** The query's allocation limit, {@link Long#MAX_VALUE} when it has none. */
  public long allocationLimit() {
    return allocations.limit();
  }

  /**
   * Whether the query has allocated more than its limit; checked at the evaluator's checkpoints.
   */
  public boolean allocationExceeded() {
    return allocations.exceeded(0);
  }

  /** The message of an evaluation over its allocation limit. */
  public String overLimit(long more) {
    return (more > 0 ? "evaluation would allocate " : "evaluation allocated ")
        + (allocations.allocated() + more)
        + " bytes, more than the limit of "
        + allocations.limit()
        + " (EngineOptions.maxAllocationBytes)";
  }

  /** A context on the system clock that discards {@code print} output. */
  public static BuiltinContext standard() {
    return new BuiltinContext(Clock.systemUTC(), s -> {}, false);
  }

  /** Nanoseconds since the epoch, the same for every call in this query. */
  public long nowNanos() {
    if (nowNanos == Long.MIN_VALUE) {
      java.time.Instant now = clock.instant();
      nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
    return nowNanos;
  }

  /** The clock, for builtins that need a time zone database or the current instant. */
  public Clock clock() {
    return clock;
  }

  /** Writes one line of {@code print} output. */
  public void print(String line) {
    printSink.accept(line);
  }

  /**
   * What {@link #checkpoint()} runs: the evaluation's limit check (its deadline, cancellation,
   * allocation), which ends the query by throwing. Set by the evaluator that owns this context.
   */
  public void onCheckpoint(Runnable limitCheck) {
    this.limits = limitCheck;
  }

  /**
   * For builtins whose work grows with their operands: call once per element or step. Every 1024th
   * call runs the evaluation's limit check, which ends the query (with an unchecked exception the
   * builtin must let through) once a limit is passed, so one builtin call cannot hold a thread long
   * past its deadline.
   */
  public void checkpoint() {
    checkpoint(1);
  }

  /**
   * As {@link #checkpoint()}, for a step whose work is {@code units} of the elementary kind (one
   * comparison, one element copied): the limit check runs once 1024 units have been done since the
   * last, so a step that is itself long (one position tried against 50,000 patterns) is checked
   * every time rather than every 1024th time, when 1024 of them would run for seconds.
   */
  public void checkpoint(int units) {
    sinceCheck += Math.max(1, units);
    if (sinceCheck >= 1024) {
      sinceCheck = 0;
      limits.run();
    }
  }

  /** Whether builtin errors are raised rather than making calls undefined. */
  public boolean strict() {
    return strict;
  }

  /**
   * The value cached under {@code key} for this query, computing it on first use. Builtins whose
   * result OPA fixes per query and per operands ({@code rand.intn}, {@code uuid.rfc4122}) key by
   * name and operands.
   */
  public Value cached(Object key, Function<Object, Value> compute) {
    if (queryCache == null) {
      queryCache = new HashMap<>();
    }
    return queryCache.computeIfAbsent(key, compute);
  }
}
