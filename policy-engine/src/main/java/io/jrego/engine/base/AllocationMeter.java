package io.jrego.engine.base;

import java.lang.management.ManagementFactory;

/**
 * Counts the bytes the current thread allocates from a starting point, using HotSpot's per-thread
 * allocation counter ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}: a
 * read of the thread's own statistics, tens of nanoseconds, no safepoint). Allocation bounds
 * retention from above, so a limit on what one evaluation or one bundle load allocates also bounds
 * the heap it can hold, garbage included. Where the JVM offers no counter, nothing is counted and
 * no limit applies.
 *
 * <p>The counter is first read when the meter is first asked ({@link #allocated}, {@link
 * #exceeded}), not when it starts: an evaluation too short to reach a checkpoint then costs no read
 * at all, and what is allocated before the first question (at most one checkpoint interval, or the
 * value a builtin is about to reserve) is not counted.
 *
 * <p>A meter belongs to the thread that started it; it is not thread-safe.
 */
public final class AllocationMeter {

  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private static final long UNREAD = Long.MIN_VALUE;

  private long start = UNREAD;
  private final long limit;

  private AllocationMeter(long limit) {
    this.limit = limit;
  }

  /**
   * A meter on the current thread.
   *
   * @param limit the bytes {@link #exceeded} allows; {@link Long#MAX_VALUE} for no limit
   */
  public static AllocationMeter start(long limit) {
    return new AllocationMeter(limit);
  }

  /** Whether the JVM counts allocations per thread; without it meters count nothing. */
  public static boolean supported() {
    return THREADS != null;
  }

  /** Bytes allocated by this thread since the meter was first asked. */
  public long allocated() {
    long now = current();
    if (start == UNREAD) {
      start = now;
    }
    return now - start;
  }

  /**
   * Runs {@code work} without counting what it allocates: for one-time loads of shared, cached
   * tables (a tokenizer vocabulary, tens of MB the first time, nothing after) that the whole JVM
   * keeps and that no query can repeat, so they are no evaluation's own cost.
   */
  public <T> T uncounted(java.util.function.Supplier<T> work) {
    long before = current();
    try {
      return work.get();
    } finally {
      if (start != UNREAD) {
        start += current() - before;
      }
    }
  }

  /** The limit this meter was started with. */
  public long limit() {
    return limit;
  }

  /** Whether allocating {@code more} bytes on top of what was allocated passes the limit. */
  public boolean exceeded(long more) {
    // no test of the limit: without one (Long.MAX_VALUE) the sum is never passed. A test of it was
    // compiled with one side only (the checks' meters, or the bundle loader's) and the other's
    // first question threw the compiled code out (fault matrix, cpu-policy swap, session 18).
    return more > limit - allocated();
  }

  private static long current() {
    return THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes();
  }

  private static com.sun.management.ThreadMXBean threads() {
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
          && t.isThreadAllocatedMemorySupported()) {
        if (!t.isThreadAllocatedMemoryEnabled()) {
          t.setThreadAllocatedMemoryEnabled(true);
        }
        return t;
      }
    } catch (UnsupportedOperationException | SecurityException e) {
      // no counter: meters count nothing
    }
    return null;
  }
}
