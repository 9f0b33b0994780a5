package io.jrego.server.bundle;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The bundle thread's share of a CPU while it reads, compiles and warms a new policy: at each
 * checkpoint ({@link #checkpoint}), once it has used {@link #SLICE} of its own CPU time since the
 * last pause, it pauses for as long as keeps its work at {@code percent} of one CPU over the swap.
 * A swap is a few hundred milliseconds of CPU (fault matrix, cpu-policy phase, session 23: read
 * 8-24 ms, compile 27-129 ms, warm-up 200 ms); unpaced, the two replicas of a 2-CPU machine
 * swapping at once took both CPUs from their checks for that long.
 *
 * <p>The checkpoints are the loader's: after each module parsed, between the compiler's stages,
 * after the compile and the decisions' preparing, and between the warm-up's evaluations. A step
 * between two checkpoints that used more than a slice is followed by a pause in proportion (at most
 * {@link #MAX_PAUSE}), so the share holds on average however coarse the steps. Used by one thread
 * at a time (the bundle thread, under {@link BundleManager}'s lock).
 */
final class CpuShare {

  /**
   * The bundle thread's share of one CPU during a swap: half, so that two replicas swapping at once
   * on a 2-CPU machine leave one CPU to the checks.
   */
  static final int PERCENT = 50;

  /** How much of its own CPU the thread uses between two pauses, at least. */
  static final Duration SLICE = Duration.ofMillis(2);

  /** The longest single pause, after a step that ran long between two checkpoints. */
  static final Duration MAX_PAUSE = Duration.ofMillis(50);

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static final CpuShare WHOLE = new CpuShare(100, () -> -1, System::nanoTime, n -> {});

  private final int percent;
  private final long sliceNanos;
  private final long maxPauseNanos;
  private final LongSupplier cpu;
  private final LongSupplier clock;
  private final LongConsumer pause;
  private boolean on; // pauses at checkpoints; begin(false) stops it until the next begin
  private long mark = -1; // the thread's CPU time at the last pause or begin(); -1: not read yet
  private long paused; // nanoseconds paused, since this was made

  /** {@link #PERCENT} of a CPU, on the calling thread's CPU clock. */
  static CpuShare ofOneCpu() {
    return new CpuShare(PERCENT, CpuShare::threadCpu, System::nanoTime, CpuShare::sleep);
  }

  /** No pauses: the whole CPU. */
  static CpuShare whole() {
    return WHOLE;
  }

  /**
   * @param percent the share of one CPU, 1 to 100 (100: never pauses)
   * @param cpu the calling thread's CPU time in nanoseconds, -1 if unknown (then never pauses)
   * @param clock {@link System#nanoTime()} or a test's
   * @param pause parks the thread for that many nanoseconds, or a test's record of it
   */
  CpuShare(int percent, LongSupplier cpu, LongSupplier clock, LongConsumer pause) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("a CPU share is 1 to 100 percent, got " + percent);
    }
    this.percent = percent;
    this.sliceNanos = SLICE.toNanos();
    this.maxPauseNanos = MAX_PAUSE.toNanos();
    this.cpu = cpu;
    this.clock = clock;
    this.pause = pause;
    this.on = percent < 100;
  }

  /**
   * Starts counting the thread's CPU afresh: a load begins (its idle polls before are not work).
   */
  void begin() {
    begin(true);
  }

  /**
   * Starts counting the thread's CPU afresh, or (with {@code pace} false) stops pausing until the
   * next begin: a server's first load, before any policy serves, has no checks to leave a CPU to.
   */
  void begin(boolean pace) {
    on = pace && percent < 100;
    if (on) {
      mark = cpu.getAsLong();
    }
  }

  /** Pauses the thread if it has used a slice of CPU since the last pause (see the class). */
  void checkpoint() {
    if (!on) {
      return;
    }
    long now = cpu.getAsLong();
    if (now < 0) {
      return;
    }
    if (mark < 0 || now < mark) {
      mark = now;
      return;
    }
    long used = now - mark;
    if (used < sliceNanos) {
      return;
    }
    long p = Math.min(maxPauseNanos, used * (100 - percent) / percent);
    long t0 = clock.getAsLong();
    pause.accept(p);
    paused += clock.getAsLong() - t0;
    mark = cpu.getAsLong();
  }

  /** Nanoseconds this has paused the thread, since it was made. */
  long pausedNanos() {
    return paused;
  }

  /**
   * Parks the calling thread for {@code nanos}, again after an early wake-up; at once when it is
   * interrupted (the manager closing).
   */
  private static void sleep(long nanos) {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0 && !Thread.currentThread().isInterrupted(); ) {
      LockSupport.parkNanos(left);
      left = end - System.nanoTime();
    }
  }

  /** The calling thread's CPU time in nanoseconds, or -1 where the JVM cannot tell. */
  static long threadCpu() {
    try {
      return THREADS.getCurrentThreadCpuTime();
    } catch (UnsupportedOperationException e) {
      return -1;
    }
  }
}
