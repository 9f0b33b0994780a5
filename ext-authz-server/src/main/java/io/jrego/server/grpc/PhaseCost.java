package io.jrego.server.grpc;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Whether one phase's evaluations under one activated policy have been cheap enough to run on the
 * transport thread that received the message, instead of a check thread: the last {@link #STREAK}
 * of them each used at most {@link #BOUND_NANOS} of CPU (input, evaluation and decision together).
 * One that used more, wherever it ran, sends the next {@link #STREAK} back to the check threads. So
 * a policy whose phase is expensive, or only sometimes, costs the transport thread at most one
 * expensive evaluation after every {@link #STREAK} cheap ones, and each of those still ends at the
 * check's deadline as everywhere else. CPU rather than wall time: an evaluation preempted on a busy
 * machine did no more work. Thread-safe.
 */
final class PhaseCost {

  /** The most CPU an evaluation may use to count as cheap. */
  static final long BOUND_NANOS = 500_000;

  /** Cheap evaluations in a row before the phase runs where its message arrives. */
  static final int STREAK = 32;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final boolean CPU = THREADS.isCurrentThreadCpuTimeSupported();

  private final AtomicInteger streak = new AtomicInteger();
  private final LongSupplier clock;

  PhaseCost() {
    this(CPU ? THREADS::getCurrentThreadCpuTime : System::nanoTime);
  }

  /** A cost measured with {@code clock} (tests). */
  PhaseCost(LongSupplier clock) {
    this.clock = clock;
  }

  /** Whether the phase may run on the transport thread. */
  boolean cheap() {
    return streak.get() >= STREAK;
  }

  /** A point to measure from: the thread's CPU time, or the clock where that is not known. */
  long now() {
    return clock.getAsLong();
  }

  /** An evaluation that began at {@code from} ({@link #now}) has ended. */
  void ended(long from) {
    if (now() - from > BOUND_NANOS) {
      streak.set(0);
    } else if (streak.get() < STREAK) {
      streak.incrementAndGet();
    }
  }
}
