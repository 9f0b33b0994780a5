package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PhaseCostTest {

  private final AtomicLong clock = new AtomicLong();
  private final PhaseCost cost = new PhaseCost(clock::get);

  private void evaluation(long nanos) {
    long from = cost.now();
    clock.addAndGet(nanos);
    cost.ended(from);
  }

  @Test
  void aPhaseIsCheapAfterAStreakOfCheapEvaluations() {
    for (int i = 0; i < PhaseCost.STREAK; i++) {
      assertThat(cost.cheap()).as("after %d cheap evaluations", i).isFalse();
      evaluation(PhaseCost.BOUND_NANOS);
    }
    assertThat(cost.cheap()).isTrue();
  }

  @Test
  void oneExpensiveEvaluation_sendsTheNextStreakBackToTheCheckThreads() {
    for (int i = 0; i < PhaseCost.STREAK; i++) {
      evaluation(1_000);
    }
    evaluation(PhaseCost.BOUND_NANOS + 1);
    assertThat(cost.cheap()).isFalse();
    for (int i = 0; i < PhaseCost.STREAK - 1; i++) {
      evaluation(1_000);
    }
    assertThat(cost.cheap()).isFalse();
    evaluation(1_000);
    assertThat(cost.cheap()).isTrue();
  }

  @Test
  void anExpensiveEvaluationInAStreak_startsItAgain() {
    for (int i = 0; i < PhaseCost.STREAK - 1; i++) {
      evaluation(1_000);
    }
    evaluation(PhaseCost.BOUND_NANOS * 10);
    evaluation(1_000);
    assertThat(cost.cheap()).isFalse();
  }
}
