package io.jrego.server.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.server.policy.LongRecall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link LongEvaluations} on a made-up clock and CPU: each checkpoint of a simulated evaluation
 * advances both by the work done since the last, each pause and each preemption only the clock, so
 * the assertions are about counts and shares, never about how long the test took. With a 5 ms quick
 * budget an evaluation that works without interruption is a candidate at 5 ms (the first reading of
 * its CPU) and long at 10 ms.
 */
class LongEvaluationsTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long STEP = MS / 10; // the work between two checkpoints
  private static final LongEvaluations.Cancellation NEVER = LongEvaluations.Cancellation.NEVER;

  private long now = 1_000 * MS;
  private long cpu = 300 * MS; // the thread's CPU time: it ran other checks before
  private int cpuReads;
  private final List<Long> pauses = new ArrayList<>();
  private final List<Long> pausedAt = new ArrayList<>();

  private LongEvaluations pacing(int slots, int duty, int maxWaiting) {
    return new LongEvaluations(
        new LongEvaluations.Settings(Duration.ofMillis(5), slots, duty, maxWaiting),
        () -> now,
        () -> {
          cpuReads++;
          return cpu;
        },
        nanos -> {
          pauses.add(nanos);
          pausedAt.add(now);
          now += nanos;
        });
  }

  /** Runs {@code steps} checkpoints of an evaluation, each after {@link #STEP} of work. */
  private void work(LongEvaluations.Pace pace, int steps) {
    for (int i = 0; i < steps; i++) {
      now += STEP;
      cpu += STEP;
      pace.run();
    }
  }

  @Test
  void aCheapEvaluationIsNeverPaused() {
    LongEvaluations pacing = pacing(1, 25, 4);
    try (LongEvaluations.Pace pace = pacing.start(now + 200 * MS)) {
      work(pace, 49); // 4.9 ms: inside the quick budget
      assertThat(pace.wasLong()).isFalse();
      assertThat(pacing.running()).isZero();
    }
    assertThat(pauses).isEmpty();
    assertThat(pacing.longTotal()).isZero();
    assertThat(cpuReads).as("a cheap check never reads its CPU time").isZero();
  }

  @Test
  void aCheapEvaluationPreemptedPastTheBudgetIsNotPaced() {
    LongEvaluations pacing = pacing(1, 25, 4);
    try (LongEvaluations.Pace pace = pacing.start(now + 200 * MS)) {
      work(pace, 10); // 1 ms of work
      now += 20 * MS; // the thread is preempted: wall time passes, its CPU does not
      work(pace, 30); // 3 ms more: 24 ms of wall time, 4 ms of CPU
      assertThat(pace.wasCandidate()).isTrue();
      assertThat(pace.wasLong()).isFalse();
      assertThat(pacing.running()).isZero();
    }
    assertThat(pauses).isEmpty();
    assertThat(pacing.longTotal()).isZero();
    assertThat(pacing.sparedTotal()).isEqualTo(1);
    assertThat(cpuReads)
        .as("read from the first checkpoint past the wall-clock budget")
        .isEqualTo(30);
  }

  @Test
  void aPreemptedEvaluationBecomesLongOnceItHasUsedTheBudgetsCpu() {
    LongEvaluations pacing = pacing(1, 25, 4);
    try (LongEvaluations.Pace pace = pacing.start(now + 200 * MS)) {
      now += 20 * MS; // preempted before its first checkpoint
      work(pace, 50); // a candidate at the first checkpoint; 4.9 ms of CPU since
      assertThat(pace.wasLong()).isFalse();
      work(pace, 1); // 5 ms of CPU since it became a candidate
      assertThat(pace.wasLong()).isTrue();
      assertThat(pacing.running()).isEqualTo(1);
    }
    assertThat(pacing.longTotal()).isEqualTo(1);
    assertThat(pacing.sparedTotal()).isZero();
  }

  @Test
  void withoutThreadCpuTimeTheWallClockBudgetDecides() {
    LongEvaluations pacing =
        new LongEvaluations(
            new LongEvaluations.Settings(Duration.ofMillis(5), 1, 25, 4),
            () -> now,
            () -> -1,
            pauses::add);
    try (LongEvaluations.Pace pace = pacing.start(now + 200 * MS)) {
      work(pace, 49);
      assertThat(pace.wasLong()).isFalse();
      work(pace, 1);
      assertThat(pace.wasLong()).isTrue();
    }
    assertThat(pacing.longTotal()).isEqualTo(1);
  }

  @Test
  void theRealSourceReadsThisThreadsCpuTime() {
    long first = LongEvaluations.threadCpu();
    assertThat(first).as("a platform thread on Linux has a CPU time").isPositive();
    assertThat(LongEvaluations.threadCpu()).isGreaterThanOrEqualTo(first);
  }

  @Test
  void aLongEvaluationGetsItsDutyShareOfTheCpuForAHalfLifeThenHalfOfItAndSoOn() {
    LongEvaluations pacing = pacing(1, 25, 4);
    long from;
    try (LongEvaluations.Pace pace = pacing.start(now + 10_000 * MS)) {
      work(pace, 100); // 5 ms: a candidate; 5 ms of CPU later: long
      assertThat(pace.wasLong()).isTrue();
      assertThat(pacing.running()).isEqualTo(1);
      assertThat(pauses).isEmpty();
      from = now;
      work(pace, 400); // 40 ms of work
      long paused = pauses.stream().mapToLong(Long::longValue).sum();
      assertThat(now - from).isEqualTo(400 * STEP + paused);
    }
    // each slice of 1 ms of work is followed by a pause of 3 ms (25%) while the evaluation has
    // held the slot for under 25 ms, 7 ms (12.5%) under 50 ms, 15 under 75, 31 under 100, then
    // 63 ms (a sixteenth of the duty) for as long as it goes on
    long[] expected = {3, 7, 15, 31, 63};
    for (int i = 0; i < pauses.size(); i++) {
      int halvings = (int) Math.min((pausedAt.get(i) - from) / (25 * MS), 4);
      assertThat(pauses.get(i)).as("pause %d", i).isEqualTo(expected[halvings] * MS);
    }
    assertThat(pauses.stream().distinct().toList())
        .containsExactly(3 * MS, 7 * MS, 15 * MS, 31 * MS, 63 * MS);
    // the first half-life at a quarter of a CPU: 1 ms of work in every 4
    long firstCycles = pausedAt.stream().filter(t -> t - from < 25 * MS).count();
    assertThat(firstCycles).isEqualTo(6); // slices ending at 1, 5, 9, 13, 17 and 21 ms
    assertThat(pacing.running()).isZero();
    assertThat(pacing.longTotal()).isEqualTo(1);
  }

  @Test
  void theShareFallsWithTheTimeTheSlotIsHeldNotWithTheTimeWaitedForIt() {
    LongEvaluations pacing = pacing(1, 25, 1);
    LongEvaluations.Pace first = pacing.start(now + 10_000 * MS);
    work(first, 100);
    LongEvaluations.Pace second = pacing.start(now + 10_000 * MS);
    now += 5 * MS;
    second.run(); // a candidate
    cpu += 5 * MS;
    first.close(); // the slot is free when the second one asks for it
    second.run();
    assertThat(second.wasLong()).isTrue();
    assertThat(pacing.running()).isEqualTo(1);
    now += 200 * MS; // preempted a long time after it took the slot: ...
    pauses.clear();
    work(second, 10);
    assertThat(pauses).as("... 1.6%%: a pause of 63 ms").containsExactly(63 * MS);
    second.close();
    LongEvaluations.Pace third = pacing.start(now + 10_000 * MS);
    work(third, 100);
    pauses.clear();
    work(third, 10);
    assertThat(pauses).as("a new holder starts at the whole duty").containsExactly(3 * MS);
    third.close();
  }

  @Test
  void whileTheSlotIsHeldACandidateBecomesLongAfterAFifthOfTheBudgetAndACheapOneIsStillSpared() {
    LongEvaluations pacing = pacing(1, 25, 1);
    LongEvaluations.Pace holder = pacing.start(now + 10_000 * MS);
    work(holder, 100);
    assertThat(pacing.running()).isEqualTo(1);

    try (LongEvaluations.Pace cheap = pacing.start(now + 200 * MS)) {
      now += 20 * MS; // preempted past the wall-clock budget
      cheap.run(); // a candidate
      cpu += MS / 2; // and half a millisecond of work since
      cheap.run();
      assertThat(cheap.wasLong()).isFalse();
    }
    assertThat(pacing.sparedTotal()).isEqualTo(1);

    LongEvaluations.Pace expensive = pacing.start(now + 6 * MS); // no wait past its deadline
    work(expensive, 50); // a candidate at 5 ms
    assertThat(expensive.wasCandidate()).isTrue();
    assertThat(expensive.wasLong()).isFalse();
    work(expensive, 9); // 0.9 ms of CPU since
    assertThat(expensive.wasLong()).isFalse();
    work(expensive, 1); // 1 ms: long, not 5 ms later; it waits for the held slot
    assertThat(expensive.wasLong()).isTrue();
    assertThat(pacing.candidateCpuNanos()).isEqualTo(5 * MS + MS);
    expensive.close();

    holder.close();
    LongEvaluations.Pace alone = pacing.start(now + 200 * MS);
    work(alone, 60); // with the slot free, 1 ms of CPU after the wall-clock budget is not enough
    assertThat(alone.wasLong()).isFalse();
    work(alone, 40);
    assertThat(alone.wasLong()).isTrue();
    alone.close();
  }

  @Test
  void aDecisionThatWentLongStartsItsNextEvaluationsOnAFifthOfTheBudget() {
    LongEvaluations pacing = pacing(1, 25, 4);
    LongRecall recall = new LongRecall();
    try (LongEvaluations.Pace first = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(first, 100); // a candidate at 5 ms, long 5 ms of CPU later: the whole budget
      assertThat(first.wasLong()).isTrue();
    }
    assertThat(pacing.recalledTotal()).as("the first pays the whole budget").isZero();
    assertThat(pacing.candidateCpuNanos()).isEqualTo(5 * MS);

    now += 2_000 * MS; // two seconds later, the same request again
    try (LongEvaluations.Pace next = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(next, 10); // a candidate at 1 ms of wall time
      assertThat(next.wasCandidate()).isTrue();
      assertThat(next.wasLong()).isFalse();
      work(next, 9);
      assertThat(next.wasLong()).isFalse();
      work(next, 1); // long after 1 ms of CPU since, with the slot free
      assertThat(next.wasLong()).isTrue();
      assertThat(pacing.running()).isEqualTo(1);
    }
    assertThat(pacing.longTotal()).isEqualTo(2);
    assertThat(pacing.recalledTotal()).isEqualTo(1);
    assertThat(pacing.candidateCpuNanos()).isEqualTo(5 * MS + MS);
  }

  @Test
  void aCheapCheckOfADecisionThatWentLongOnlyReadsTheClockAndAPreemptedOneIsSpared() {
    LongEvaluations pacing = pacing(1, 25, 4);
    LongRecall recall = new LongRecall();
    try (LongEvaluations.Pace expensive = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(expensive, 100);
    }
    int reads = cpuReads;
    try (LongEvaluations.Pace cheap = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(cheap, 9); // 0.9 ms, as a cheap check never takes
      assertThat(cheap.wasCandidate()).isFalse();
    }
    assertThat(cpuReads).as("a cheap check never reads its CPU time").isEqualTo(reads);
    try (LongEvaluations.Pace preempted = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(preempted, 1);
      now += 20 * MS; // preempted
      work(preempted, 5); // a candidate; 0.4 ms of work since
      assertThat(preempted.wasCandidate()).isTrue();
      assertThat(preempted.wasLong()).isFalse();
    }
    assertThat(pauses).isEmpty();
    assertThat(pacing.longTotal()).isEqualTo(1);
    assertThat(pacing.sparedTotal()).isEqualTo(1);
  }

  @Test
  void aDecisionIsForgottenTenSecondsAfterItsLastEvaluationWentLong() {
    LongEvaluations pacing = pacing(1, 25, 4);
    LongRecall recall = new LongRecall();
    try (LongEvaluations.Pace first = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(first, 100);
    }
    long wentLong = now; // its last checkpoint made it long
    now = wentLong + 6_000 * MS;
    try (LongEvaluations.Pace again = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(again, 20); // recalled: long after 1 ms + 1 ms, which moves the recall on
      assertThat(again.wasLong()).isTrue();
    }
    long movedOn = now;
    now = movedOn + 9_999 * MS;
    try (LongEvaluations.Pace stillRecalled = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(stillRecalled, 20);
      assertThat(stillRecalled.wasLong()).as("within 10 s of the last one").isTrue();
    }
    now += 10_000 * MS;
    try (LongEvaluations.Pace forgotten = pacing.start(now + 200 * MS, NEVER, recall)) {
      work(forgotten, 60); // 5 ms of wall time, then 1 ms of CPU: not enough any more
      assertThat(forgotten.wasLong()).isFalse();
      work(forgotten, 40);
      assertThat(forgotten.wasLong()).isTrue();
    }
    assertThat(pacing.recalledTotal()).isEqualTo(2);
    assertThat(pacing.longTotal()).isEqualTo(4);
  }

  @Test
  void anotherDecisionAndAnEvaluationOfNoDecisionAreNotRecalled() {
    LongEvaluations pacing = pacing(1, 25, 4);
    try (LongEvaluations.Pace first = pacing.start(now + 200 * MS, NEVER, new LongRecall())) {
      work(first, 100);
    }
    try (LongEvaluations.Pace other = pacing.start(now + 200 * MS, NEVER, new LongRecall())) {
      work(other, 60);
      assertThat(other.wasLong()).isFalse();
    }
    try (LongEvaluations.Pace none = pacing.start(now + 200 * MS)) {
      work(none, 60);
      assertThat(none.wasLong()).isFalse();
    }
    assertThat(pacing.recalledTotal()).isZero();
  }

  @Test
  void theCpuOfALongEvaluationIsCountedBeforeAndAfterItBecameLong() {
    LongEvaluations pacing = pacing(1, 25, 4);
    try (LongEvaluations.Pace cheap = pacing.start(now + 200 * MS)) {
      work(cheap, 30);
    }
    try (LongEvaluations.Pace spared = pacing.start(now + 200 * MS)) {
      now += 20 * MS; // preempted
      work(spared, 10);
    }
    assertThat(pacing.candidateCpuNanos()).as("cheap and spared ones count nothing").isZero();
    assertThat(pacing.longCpuNanos()).isZero();
    LongEvaluations.Pace pace = pacing.start(now + 200 * MS);
    work(pace, 100); // a candidate at 5 ms (first CPU reading), long 5 ms of CPU later
    assertThat(pace.wasLong()).isTrue();
    assertThat(pacing.candidateCpuNanos()).isEqualTo(5 * MS);
    work(pace, 70); // 7 ms of work, paused between slices
    pace.close();
    pace.close();
    assertThat(pacing.candidateCpuNanos()).isEqualTo(5 * MS);
    assertThat(pacing.longCpuNanos()).as("the work since, not its pauses; once").isEqualTo(7 * MS);
  }

  @Test
  void aPauseNeverOutlastsTheDeadline() {
    LongEvaluations pacing = pacing(1, 10, 4);
    long deadline = now + 12 * MS;
    try (LongEvaluations.Pace pace = pacing.start(deadline)) {
      work(pace, 110); // long at 10 ms; first slice ends at 11 ms, with 1 ms left to the deadline
    }
    assertThat(pauses).containsExactly(MS);
  }

  @Test
  void longEvaluationsBeyondTheSlotsWaitAndThoseBeyondTheWaitingLimitEndAtOnce() {
    LongEvaluations pacing = pacing(1, 25, 1);
    LongEvaluations.Pace first = pacing.start(now + 200 * MS);
    work(first, 100);
    assertThat(pacing.running()).isEqualTo(1);

    // a second long one finds the slot taken; its deadline has passed, so it waits no longer
    LongEvaluations.Pace second = pacing.start(now);
    now += 5 * MS;
    second.run(); // a candidate
    cpu += 5 * MS;
    second.run();
    assertThat(second.wasLong()).isTrue();
    assertThat(second.refused()).isFalse();
    assertThat(pacing.waiting()).isZero();
    second.run(); // without a slot it is never paused: the engine's deadline check ends it
    assertThat(pauses).isEmpty();
    second.close();
    assertThat(pacing.running()).isEqualTo(1);

    // with no place left to wait (maxWaiting 0), a long one ends at once
    LongEvaluations full = pacing(1, 25, 0);
    LongEvaluations.Pace holder = full.start(now + 200 * MS);
    work(holder, 100);
    LongEvaluations.Pace third = full.start(now + 200 * MS);
    now += 5 * MS;
    third.run(); // a candidate
    cpu += 5 * MS;
    assertThatThrownBy(third::run)
        .isInstanceOf(CancellationException.class)
        .hasMessageContaining("quick budget of 5 ms")
        .hasMessageContaining("0 long evaluations already waited");
    assertThat(third.refused()).isTrue();
    assertThat(full.refusedTotal()).isEqualTo(1);
    assertThat(full.longTotal()).isEqualTo(2);
    holder.close();
    first.close();
  }

  @Test
  void closingGivesTheSlotToTheNextLongEvaluation() {
    LongEvaluations pacing = pacing(1, 25, 0);
    try (LongEvaluations.Pace first = pacing.start(now + 200 * MS)) {
      work(first, 110);
    }
    assertThat(pacing.running()).isZero();
    try (LongEvaluations.Pace next = pacing.start(now + 200 * MS)) {
      work(next, 110);
      assertThat(next.refused()).isFalse();
      assertThat(pacing.running()).isEqualTo(1);
    }
    assertThat(pacing.longTotal()).isEqualTo(2);
  }

  @Test
  void offPacesNothing() {
    LongEvaluations off = LongEvaluations.off();
    LongEvaluations.Pace pace = off.start(Long.MAX_VALUE);
    assertThat(pace.idle()).isTrue();
    pace.run();
    pace.close();
    assertThat(off.longTotal()).isZero();
    assertThat(off.running()).isZero();
  }

  @Test
  void settingsOutOfRangeAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> new LongEvaluations.Settings(Duration.ofMillis(5), 0, 25, 1))
        .hasMessageContaining("slots must be at least 1: 0");
    assertThatThrownBy(() -> new LongEvaluations.Settings(Duration.ofMillis(5), 1, 0, 1))
        .hasMessageContaining("duty must be 1 to 100 (percent): 0");
    assertThatThrownBy(() -> new LongEvaluations.Settings(Duration.ofMillis(-1), 1, 25, 1))
        .hasMessageContaining("must not be negative");
  }

  /**
   * The warm-up's rehearsal goes through every way a pace goes (so that the compiled Pace has seen
   * each before the first expensive request), on pacings of its own: each round ends with no slot
   * held and none waiting, and a real pacing counts nothing of it.
   */
  @Test
  void rehearse_goesEveryWayOnItsOwnPacingsAndLeavesNothingHeld() {
    LongEvaluations real = new LongEvaluations(LongEvaluations.Settings.defaults());
    List<LongEvaluations> made = LongEvaluations.rehearsals();
    LongEvaluations waiting = made.get(0);
    LongEvaluations refusing = made.get(1);
    long longBefore = waiting.longTotal();
    long sparedBefore = waiting.sparedTotal();
    long recalledBefore = waiting.recalledTotal();
    long cancelledBefore = waiting.cancelledTotal();
    long refusedBefore = refusing.refusedTotal();
    long realCpuLongBefore = made.get(2).longTotal();
    for (int i = 0; i < 1_000; i++) {
      LongEvaluations.rehearse();
    }
    assertThat(waiting.longTotal() - longBefore)
        .as("holding, waiting, and a decision's first and recalled")
        .isEqualTo(4_000);
    assertThat(waiting.recalledTotal() - recalledBefore).isEqualTo(1_000);
    assertThat(waiting.sparedTotal() - sparedBefore).isEqualTo(1_000);
    assertThat(waiting.cancelledTotal() - cancelledBefore).isEqualTo(1_000);
    assertThat(refusing.refusedTotal() - refusedBefore).isEqualTo(1_000);
    LongEvaluations realCpu = made.get(2);
    assertThat(realCpu.cpu())
        .as("a long evaluation's close reads the supplier the checks' pacing reads")
        .isSameAs(real.cpu());
    if (LongEvaluations.threadCpu() >= 0) {
      assertThat(realCpu.longTotal() - realCpuLongBefore)
          .as("long on the thread's own CPU time, which moves on between checkpoints")
          .isPositive();
    }
    for (LongEvaluations e : made) {
      assertThat(e.running()).isZero();
      assertThat(e.waiting()).isZero();
    }
    assertThat(real.longTotal() + real.sparedTotal() + real.refusedTotal() + real.cancelledTotal())
        .isZero();
  }
}
