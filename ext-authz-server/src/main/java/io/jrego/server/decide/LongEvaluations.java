package io.jrego.server.decide;

import io.jrego.server.policy.LongRecall;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Keeps expensive evaluations from taking the CPU that cheap ones need: an evaluation that has used
 * a short quick budget ({@link Settings#quick}) of CPU becomes <em>long</em>. Long evaluations run
 * one at a time per slot ({@link Settings#slots}, one by default) and, while they run, in a duty
 * cycle: {@link #SLICE} of work, then a pause, so that together they take at most {@code slots ×
 * duty} of one CPU; the longer one holds its slot, the smaller its share ({@link #HALF_LIFE}). They
 * still end at the check's deadline ({@code --eval-timeout}) as before, waiting for a slot or
 * pausing included. A cheap check never notices: before its quick budget has passed, its pacer only
 * reads the clock.
 *
 * <p>The budget is CPU, not wall time: on busy cores a cheap evaluation can be preempted past the
 * budget without doing any more work, and pacing it would only add to its latency. Reading a
 * thread's CPU time costs more than reading the clock, so it is read only once the wall-clock
 * budget has passed: from then on the evaluation is a <em>candidate</em>, and it becomes long when
 * it has used a further quick budget of CPU since (its CPU before that moment is not known, and is
 * at most the wall time). A preempted cheap check ends as a candidate, never paced; an expensive
 * one becomes long after between one and two budgets of work (while every slot is held, after a
 * fifth of a budget more: {@link #BUSY_QUICK_DIVISOR}). Where the JVM cannot tell a thread's CPU
 * time, the wall-clock budget alone decides, as if all of it was work.
 *
 * <p>A class of evaluations (the checks of one decision under one policy) remembers that one of its
 * evaluations went long ({@link LongRecall}): for {@link #RECALL} after that, its evaluations start
 * on a fifth of the budget, in wall time and in CPU, so that an attack repeating one expensive
 * request pays the full unpaced budget once rather than per request. A cheap check of such a class
 * still only reads the clock.
 *
 * <p>Each evaluation gets its own {@link Pace}, handed to the engine as the query's pacer ({@code
 * QueryOptions.pacer}), which runs it at every limit checkpoint (about every thousand evaluation
 * steps, and inside builtins that loop over large operands). The pace holds the evaluating thread:
 * a long evaluation waiting for a slot holds a check thread (and its input), so at most {@link
 * Settings#maxWaiting} wait; one more ends at once ({@link Pace#refused}). A server sizes its check
 * threads so that the {@link Settings#threadsHeld} threads long evaluations can hold come on top of
 * those cheap checks need.
 *
 * <p>Thread-safe; one per server, shared by Check and ext_proc.
 */
public final class LongEvaluations {

  /** The work a long evaluation does between two pauses. */
  static final Duration SLICE = Duration.ofMillis(1);

  /**
   * How long a long evaluation holds its slot at each share of the CPU: its duty ({@link
   * Settings#dutyPercent}) for the first half-life, half of it for the next, and so on down to
   * {@link #MAX_HALVINGS} halvings. Least attained service: among expensive evaluations, the ones
   * that need a little more work get it soon, and one that keeps going takes less and less of the
   * CPU the cheap checks need (with the defaults at most about 13 ms of paced work per evaluation,
   * however long its deadline, where a constant duty gave a quarter of the whole deadline). In the
   * fault matrix's cpu-policy phase every long evaluation ran until its caller's cancel: all the
   * CPU they were given was lost (2.1 CPU-s of paced work in a 31 s phase on the attacked replica).
   */
  static final Duration HALF_LIFE = Duration.ofMillis(25);

  /**
   * While every slot is held, a candidate becomes long after this fraction of the quick budget's
   * CPU (1 ms of the default 5): an expensive evaluation that arrives then would only wait for a
   * slot (or be refused) after its full budget, and in the fault matrix's cpu-policy phase that
   * budget, run at full speed beside the checks, was half of what the hostile evaluations took (2.6
   * of 4.7 CPU-s on the attacked replica; the paced work the other half). A cheap check that was
   * only preempted past the wall-clock budget uses far less than that since (the shipped bundle
   * decides a 2 KB chat in about 0.03 ms) and is still spared.
   */
  static final int BUSY_QUICK_DIVISOR = 5;

  /**
   * How long a class of evaluations ({@link LongRecall}) is remembered to have gone long: from each
   * evaluation of it that became long. While it is, its evaluations are candidates after a fifth of
   * the quick budget in wall time and long after a fifth of it in CPU ({@link
   * #BUSY_QUICK_DIVISOR}). In the fault matrix's cpu-policy phase the unpaced start of each hostile
   * evaluation (5 ms of wall time, then up to 5 ms of CPU, at full speed beside the checks) was the
   * larger part of what they took (about 2.3 of 3.5 CPU-s on the attacked replica), paid again by
   * every request of the same rule a few hundred milliseconds apart. Forgotten once none has gone
   * long for this long: a class that only went long once, or whose attack stopped, is back on the
   * whole budget.
   */
  static final Duration RECALL = Duration.ofSeconds(10);

  /** The most times the duty is halved: a sixteenth of it (about 1.6% of a CPU by default). */
  static final int MAX_HALVINGS = 4;

  /**
   * How evaluations are paced.
   *
   * @param quick how long an evaluation runs unpaced; zero turns pacing off
   * @param slots long evaluations running at once
   * @param dutyPercent the share of a CPU one running long evaluation may take, 1 to 100
   * @param maxWaiting long evaluations that may wait for a slot, holding their check thread; more
   *     end at once
   */
  public record Settings(Duration quick, int slots, int dutyPercent, int maxWaiting) {

    /** Pacing off: every evaluation runs as fast as it can until its deadline. */
    public static final Settings OFF = new Settings(Duration.ZERO, 1, 100, 0);

    /** Checks the values are in range. */
    public Settings {
      if (quick.isNegative()) {
        throw new IllegalArgumentException("quick budget must not be negative: " + quick);
      }
      if (slots < 1) {
        throw new IllegalArgumentException("long evaluation slots must be at least 1: " + slots);
      }
      if (dutyPercent < 1 || dutyPercent > 100) {
        throw new IllegalArgumentException(
            "long evaluation duty must be 1 to 100 (percent): " + dutyPercent);
      }
      if (maxWaiting < 0) {
        throw new IllegalArgumentException("waiting long evaluations must be >= 0: " + maxWaiting);
      }
    }

    /**
     * jrego serve's defaults: long after 5 ms, one slot, a 25% duty cycle, and one long evaluation
     * waiting for the slot. A waiting evaluation holds its input document as well as its thread
     * until the slot frees or its deadline passes: in the fault matrix's cpu-policy phase, four
     * waiting 1,500-message checks per replica outlived several young collections and were
     * promoted, and each replica took a full collection of 100-160 ms.
     */
    public static Settings defaults() {
      return new Settings(Duration.ofMillis(5), 1, 25, 1);
    }

    /**
     * The check threads long evaluations can hold at once, running (paused included) or waiting:
     * {@code slots + maxWaiting}; none when pacing is off. A server gives them threads of their own
     * on top of the ones cheap checks need.
     */
    public int threadsHeld() {
      return on() ? slots + maxWaiting : 0;
    }

    boolean on() {
      return !quick.isZero();
    }
  }

  /**
   * The calling thread's CPU time ({@link #threadCpu}): the one supplier every real pacing reads,
   * an object of one class, which the rehearsal ({@link #rehearse}) reads too.
   */
  private static final LongSupplier THREAD_CPU = LongEvaluations::threadCpu;

  private static final LongEvaluations OFF =
      new LongEvaluations(Settings.OFF, System::nanoTime, THREAD_CPU, nanos -> {});

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Settings settings;
  private final LongSupplier clock;
  private final LongSupplier cpu;
  private final LongConsumer pause;
  private final Semaphore slots;
  private final long quickNanos;
  private final long busyQuickNanos;
  private final long sliceNanos;
  private final long[] pauseNanos; // by halvings of the duty
  private final long halfLifeNanos;
  private final long recallNanos;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong becameLong = new AtomicLong();
  private final AtomicLong spared = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong recalledLong = new AtomicLong();
  private final LongAdder candidateCpu = new LongAdder();
  private final LongAdder longCpu = new LongAdder();
  private final Pace idle;

  /** Pacing as {@code settings} say, on the real clock. */
  public LongEvaluations(Settings settings) {
    this(settings, System::nanoTime, THREAD_CPU, LockSupport::parkNanos);
  }

  /**
   * @param clock {@link System#nanoTime()} or a test's
   * @param cpu the calling thread's CPU time in nanoseconds, -1 if unknown ({@link #threadCpu}), or
   *     a test's
   * @param pause parks the thread for that many nanoseconds, or a test's record of it
   */
  LongEvaluations(Settings settings, LongSupplier clock, LongSupplier cpu, LongConsumer pause) {
    this.settings = settings;
    this.clock = clock;
    this.cpu = cpu;
    this.pause = pause;
    this.slots = new Semaphore(settings.slots());
    this.quickNanos = settings.quick().toNanos();
    this.busyQuickNanos = quickNanos / BUSY_QUICK_DIVISOR;
    this.sliceNanos = SLICE.toNanos();
    this.pauseNanos = new long[MAX_HALVINGS + 1];
    for (int k = 0; k <= MAX_HALVINGS; k++) {
      // a share of duty / 2^k: a slice of work, then (100 * 2^k / duty - 1) slices of pause
      pauseNanos[k] = sliceNanos * (100L << k) / settings.dutyPercent() - sliceNanos;
    }
    this.halfLifeNanos = HALF_LIFE.toNanos();
    this.recallNanos = RECALL.toNanos();
    this.idle = new Pace(0, 0, Cancellation.NEVER, null);
  }

  /** No pacing. */
  public static LongEvaluations off() {
    return OFF;
  }

  /** How evaluations are paced. */
  public Settings settings() {
    return settings;
  }

  /** Where this pacing reads a thread's CPU time, for tests. */
  LongSupplier cpu() {
    return cpu;
  }

  /** Evaluations that became long, since start. */
  public long longTotal() {
    return becameLong.get();
  }

  /**
   * Evaluations that ran past the quick budget in wall time but ended without using it in CPU
   * (preempted or waiting, not working), since start: they were never paced.
   */
  public long sparedTotal() {
    return spared.get();
  }

  /** Long evaluations ended because {@link Settings#maxWaiting} already waited, since start. */
  public long refusedTotal() {
    return refused.get();
  }

  /**
   * Evaluations ended because their caller cancelled the call (Envoy's timeout, a client gone),
   * since start.
   */
  public long cancelledTotal() {
    return cancelled.get();
  }

  /**
   * Evaluations that became long on the shorter budget of a class remembered to have gone long
   * ({@link LongRecall}), since start; also counted in {@link #longTotal}.
   */
  public long recalledTotal() {
    return recalledLong.get();
  }

  /**
   * CPU nanoseconds long evaluations used before they were paced, since start: from the first
   * checkpoint past the wall-clock quick budget (when the evaluation became a candidate) until it
   * became long; the CPU before that (at most the quick budget) is not known. Counted where the
   * thread's CPU time can be read.
   */
  public long candidateCpuNanos() {
    return candidateCpu.sum();
  }

  /**
   * CPU nanoseconds long evaluations used once long (paced, or after waiting for a slot), until
   * they ended, since start. Counted where the thread's CPU time can be read.
   */
  public long longCpuNanos() {
    return longCpu.sum();
  }

  /** Long evaluations running now (holding a slot). */
  public int running() {
    return settings.slots() - slots.availablePermits();
  }

  /** Long evaluations waiting for a slot now. */
  public int waiting() {
    return waiting.get();
  }

  /**
   * The pace of one evaluation that starts now and must end by {@code deadline} (a {@link
   * System#nanoTime()} instant); {@link Pace#close} it when the evaluation ends, however it ends.
   */
  Pace start(long deadline) {
    return start(deadline, Cancellation.NEVER);
  }

  /**
   * The pace of one evaluation for a caller that may give up ({@code caller}): past the quick
   * budget, each checkpoint also asks whether it has, and ends the evaluation if so ({@link
   * Pace#cancelled}).
   */
  Pace start(long deadline, Cancellation caller) {
    return start(deadline, caller, null);
  }

  /**
   * The pace of one evaluation of a class that remembers whether its evaluations went long ({@code
   * recall}; null for none): if one did within {@link #RECALL}, this one starts on a fifth of the
   * quick budget; if this one becomes long, the class remembers it from then.
   */
  Pace start(long deadline, Cancellation caller, LongRecall recall) {
    return settings.on() ? new Pace(clock.getAsLong(), deadline, caller, recall) : idle;
  }

  /** Whether the caller of an evaluation gave up: its call was cancelled. */
  public interface Cancellation {
    /** A caller that never gives up. */
    Cancellation NEVER = () -> false;

    /** Whether the call was cancelled; cheap, thread-safe. */
    boolean cancelled();
  }

  /** How long a long evaluation waits for a slot between two looks at its caller. */
  static final Duration WAIT_STEP = Duration.ofMillis(10);

  /**
   * The calling thread's CPU time in nanoseconds, or -1 where the JVM cannot tell (a virtual
   * thread, or a JVM without thread CPU time).
   */
  static long threadCpu() {
    try {
      return THREADS.getCurrentThreadCpuTime();
    } catch (UnsupportedOperationException e) {
      return -1;
    }
  }

  /**
   * Runs made-up evaluations' paces through every way a real one goes, on a clock, a CPU and pauses
   * of their own and slots no real evaluation uses: a cheap one, one spared, a long one with the
   * slot and its pauses, one waiting for the slot until its deadline, one refused, one whose caller
   * cancelled, and a cheap and a long one of a class remembered to have gone long ({@link
   * LongRecall}), and a long one on the thread's real CPU time, read through the supplier every
   * real pacing reads. For the warm-up (LimitedEvaluations' rounds), so that the compiled {@link
   * Pace}, which the checks' evaluation inlines, has seen each before the first expensive request:
   * the cpu-policy swap's first long evaluation threw out {@code Pace.close} inlined in {@code
   * Decider.evaluate} on the check threads (fault matrix, session 18 and 19), and, while the
   * rehearsal's made-up CPU was the only one a long evaluation's close had read, its first real one
   * did again at every swap (session 22: {@code Pace.close@16 class_check}). Counts nothing real;
   * thread-safe; takes a few microseconds.
   */
  public static void rehearse() {
    Rehearsal.run();
  }

  /** The three pacings {@link #rehearse} runs its made-up evaluations on, for tests. */
  static List<LongEvaluations> rehearsals() {
    return List.of(Rehearsal.WAITING, Rehearsal.REFUSING, Rehearsal.REAL_CPU);
  }

  /** The made-up evaluations of {@link #rehearse}. */
  private static final class Rehearsal {
    private static final long QUICK = Settings.defaults().quick().toNanos();
    private static long now;
    private static long cpuNow;

    /** One waiting place, and none (for the refusal); each clock read moves a microsecond on. */
    private static final LongEvaluations WAITING = made(1);

    private static final LongEvaluations REFUSING = made(0);

    /**
     * Reads the thread's CPU time through {@link #THREAD_CPU}, on a budget of a nanosecond: an
     * evaluation becomes long after two checkpoints, and its close reads that supplier as a real
     * long evaluation's does.
     */
    private static final LongEvaluations REAL_CPU =
        new LongEvaluations(
            new Settings(Duration.ofNanos(1), 1, 25, 0),
            () -> now += 1_000,
            THREAD_CPU,
            nanos -> now += nanos);

    /**
     * The most checkpoints the real-CPU evaluation takes to become long (the CPU clock's steps).
     */
    private static final int REAL_CPU_CHECKPOINTS = 1_000;

    private static LongEvaluations made(int maxWaiting) {
      return new LongEvaluations(
          new Settings(Duration.ofNanos(QUICK), 1, 25, maxWaiting),
          () -> now += 1_000,
          () -> cpuNow,
          nanos -> now += nanos);
    }

    static synchronized void run() {
      // cheap: ends before the quick budget
      Pace cheap = WAITING.start(now + 100 * QUICK);
      cheap.run();
      cheap.close();
      // spared: past the quick budget in wall time, not in CPU
      Pace spared = WAITING.start(now + 100 * QUICK);
      now += 2 * QUICK;
      spared.run();
      spared.run();
      spared.close();
      // long, holding the slot, paused once
      Pace holding = becomeLong(WAITING, now + 100 * QUICK, Cancellation.NEVER);
      now += 2 * SLICE.toNanos();
      holding.run();
      // waiting for the taken slot until its deadline (a few microseconds of this clock)
      Pace waiting = WAITING.start(now + 2 * QUICK + 10_000);
      now += 2 * QUICK;
      waiting.run();
      cpuNow += 2 * QUICK;
      waiting.run();
      waiting.run();
      waiting.close();
      // cancelled by its caller while it holds the slot
      Pace cancelled = WAITING.start(now + 100 * QUICK, () -> true);
      now += 2 * QUICK;
      try {
        cancelled.run();
      } catch (CancellationException e) {
        // as the engine turns it into eval_cancel_error
      }
      cancelled.close();
      holding.close();
      // refused: the slot taken and no place to wait
      Pace other = becomeLong(REFUSING, now + 100 * QUICK, Cancellation.NEVER);
      try {
        becomeLong(REFUSING, now + 100 * QUICK, Cancellation.NEVER);
      } catch (CancellationException e) {
        // refused
      }
      other.close();
      // a class one of whose evaluations went long: its next ones start on the shorter budget
      LongRecall recall = new LongRecall();
      becomeLong(WAITING, now + 100 * QUICK, recall).close();
      Pace recalledCheap = WAITING.start(now + 100 * QUICK, Cancellation.NEVER, recall);
      recalledCheap.run();
      recalledCheap.close();
      Pace recalled = WAITING.start(now + 100 * QUICK, Cancellation.NEVER, recall);
      now += 2 * QUICK / BUSY_QUICK_DIVISOR;
      recalled.run(); // a candidate a fifth of the way into the budget
      cpuNow += 2 * QUICK / BUSY_QUICK_DIVISOR;
      recalled.run(); // long a fifth of the budget's CPU later
      recalled.close();
      // long on the thread's real CPU time: its close reads the supplier the checks' close reads
      try (Pace real = REAL_CPU.start(now + 100 * QUICK)) {
        for (int i = 0; i < REAL_CPU_CHECKPOINTS && !real.wasLong(); i++) {
          real.run();
        }
      } catch (CancellationException e) {
        // refused: only if the slot were held, which every rehearsal gives back
      }
    }

    /** A pace past its quick budget in wall time and CPU: long, with the slot if free. */
    private static Pace becomeLong(LongEvaluations e, long deadline, Cancellation caller) {
      return becomeLong(e, deadline, caller, null);
    }

    private static Pace becomeLong(LongEvaluations e, long deadline, LongRecall recall) {
      return becomeLong(e, deadline, Cancellation.NEVER, recall);
    }

    private static Pace becomeLong(
        LongEvaluations e, long deadline, Cancellation caller, LongRecall recall) {
      Pace p = e.start(deadline, caller, recall);
      now += 2 * QUICK;
      p.run();
      cpuNow += 2 * QUICK;
      p.run();
      return p;
    }
  }

  /** One evaluation's pacing: the engine runs it at each checkpoint. Used by one thread. */
  final class Pace implements Runnable, AutoCloseable {
    private final long start;
    private final long deadline;
    private final Cancellation caller;
    private final LongRecall recall;
    private final boolean recalled;
    private final long wallBudget;
    private boolean wasCancelled;
    private boolean candidate;
    private long cpuFrom;
    private long cpuAtLong = -1;
    private boolean isLong;
    private boolean holding;
    private boolean wasRefused;
    private long sliceStart;
    private long heldFrom;

    private Pace(long start, long deadline, Cancellation caller, LongRecall recall) {
      this.start = start;
      this.deadline = deadline;
      this.caller = caller;
      this.recall = recall;
      this.recalled = recall != null && recall.recent(start);
      this.wallBudget = recalled ? busyQuickNanos : quickNanos;
    }

    /** Whether this pacer is a no-op (pacing off): the engine need not be given it. */
    boolean idle() {
      return !settings.on();
    }

    @Override
    public void run() {
      if (!settings.on()) {
        return;
      }
      long now = clock.getAsLong();
      if (!isLong) {
        if (now - start < wallBudget) {
          return;
        }
        endIfCancelled();
        long cpuNow = cpu.getAsLong();
        if (cpuNow >= 0) {
          if (!candidate) {
            candidate = true;
            cpuFrom = cpuNow;
            return;
          }
          if (cpuNow - cpuFrom
              < (recalled || slots.availablePermits() == 0 ? busyQuickNanos : quickNanos)) {
            return;
          }
          candidateCpu.add(cpuNow - cpuFrom);
          cpuAtLong = cpuNow;
        }
        isLong = true;
        becameLong.incrementAndGet();
        if (recall != null) {
          if (recalled) {
            recalledLong.incrementAndGet();
          }
          recall.wentLong(now, recallNanos);
        }
        takeSlot(now);
        return;
      }
      if (!holding) {
        return; // the deadline passed while it waited: the engine's deadline check ends it
      }
      endIfCancelled();
      if (now - sliceStart >= sliceNanos) {
        long halvings = Math.min((now - heldFrom) / halfLifeNanos, MAX_HALVINGS);
        long rest = Math.min(pauseNanos[(int) halvings], deadline - now);
        if (rest > 0) {
          pause.accept(rest);
        }
        sliceStart = clock.getAsLong();
      }
    }

    private void takeSlot(long now) {
      if (slots.tryAcquire()) {
        holding = true;
        sliceStart = now;
        heldFrom = now;
        return;
      }
      if (waiting.incrementAndGet() > settings.maxWaiting()) {
        waiting.decrementAndGet();
        refused.incrementAndGet();
        wasRefused = true;
        throw new CancellationException(
            "evaluation ran past its quick budget of "
                + settings.quick().toMillis()
                + " ms while "
                + settings.maxWaiting()
                + " long evaluations already waited for the "
                + settings.slots()
                + " long-evaluation slot(s)");
      }
      try {
        // in steps, so that an evaluation whose caller gave up leaves its waiting place
        long step = WAIT_STEP.toNanos();
        long left = deadline - now;
        while (!holding && left > 0 && !caller.cancelled()) {
          holding = slots.tryAcquire(Math.min(step, left), TimeUnit.NANOSECONDS);
          left = deadline - clock.getAsLong();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the engine's checkpoint ends the evaluation
      } finally {
        waiting.decrementAndGet();
      }
      endIfCancelled();
      sliceStart = clock.getAsLong();
      heldFrom = sliceStart;
    }

    /**
     * Ends the evaluation when its caller gave up: nobody waits for its answer, and its thread, its
     * slot and its CPU are for the checks somebody does wait for.
     */
    private void endIfCancelled() {
      if (wasCancelled || caller.cancelled()) {
        if (!wasCancelled) {
          wasCancelled = true;
          cancelled.incrementAndGet();
        }
        throw new CancellationException("the caller cancelled the call");
      }
    }

    /** Whether this evaluation was ended because its caller cancelled the call. */
    boolean cancelled() {
      return wasCancelled;
    }

    /** Whether this evaluation was ended for want of a place to wait (reason overloaded). */
    boolean refused() {
      return wasRefused;
    }

    /** Whether this evaluation ran past the quick budget in wall time (long or not). */
    boolean wasCandidate() {
      return candidate || isLong;
    }

    /** Whether this evaluation became long. */
    boolean wasLong() {
      return isLong;
    }

    /** Gives the slot back, if it holds one, and counts a long evaluation's CPU. */
    @Override
    public void close() {
      if (cpuAtLong >= 0) {
        long cpuNow = cpu.getAsLong();
        if (cpuNow >= cpuAtLong) {
          longCpu.add(cpuNow - cpuAtLong);
        }
        cpuAtLong = -1; // counted once, however often it is closed
      }
      if (candidate && !isLong && !wasCancelled) {
        candidate = false; // counted once, however often it is closed
        spared.incrementAndGet();
      }
      if (holding) {
        holding = false;
        slots.release();
      }
    }
  }
}
