package io.jrego.server.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, the cpu-policy phase's swap: the bundle thread works at a share of one CPU, pausing in
 * proportion to the CPU it used since its last pause, on a made-up CPU clock and pause here.
 */
class CpuShareTest {

  private static final long MS = 1_000_000;

  /** A thread's CPU clock the test moves, a wall clock that the pauses move, the pauses taken. */
  private long cpu;

  private long wall;
  private final List<Long> pauses = new ArrayList<>();

  private CpuShare share(int percent) {
    return new CpuShare(
        percent,
        () -> cpu,
        () -> wall,
        n -> {
          pauses.add(n);
          wall += n;
        });
  }

  @Test
  void belowASliceOfCpuItDoesNotPause() {
    CpuShare s = share(50);
    s.begin();
    cpu += CpuShare.SLICE.toNanos() - 1;
    s.checkpoint();
    assertThat(pauses).isEmpty();
    assertThat(s.pausedNanos()).isZero();
  }

  @Test
  void afterASliceItPausesSoThatItsWorkIsItsShareOfTheTime() {
    CpuShare half = share(50);
    half.begin();
    cpu += 3 * MS;
    half.checkpoint();
    assertThat(pauses).containsExactly(3 * MS); // 3 ms of work, 3 of pause: 50%
    cpu += 1 * MS;
    half.checkpoint();
    assertThat(pauses).as("counted from the pause: under a slice again").hasSize(1);
    cpu += 1 * MS;
    half.checkpoint();
    assertThat(pauses).containsExactly(3 * MS, 2 * MS);
    assertThat(half.pausedNanos()).isEqualTo(5 * MS);

    pauses.clear();
    CpuShare quarter = share(25);
    quarter.begin();
    cpu += 4 * MS;
    quarter.checkpoint();
    assertThat(pauses).containsExactly(12 * MS); // 4 of 16 ms: 25%
  }

  @Test
  void aLongStepIsFollowedByAPauseOfAtMostTheCap() {
    CpuShare s = share(50);
    s.begin();
    cpu += 400 * MS;
    s.checkpoint();
    assertThat(pauses).containsExactly(CpuShare.MAX_PAUSE.toNanos());
  }

  @Test
  void theCpuUsedBeforeBeginIsNotCharged() {
    CpuShare s = share(50);
    s.begin();
    cpu += 1 * MS;
    s.checkpoint();
    cpu += 30 * MS; // idle polls between two loads
    s.begin();
    cpu += 1 * MS;
    s.checkpoint();
    assertThat(pauses).isEmpty();
  }

  @Test
  void withoutAThreadCpuClockOrAtTheWholeCpuItNeverPauses() {
    CpuShare unknown = new CpuShare(50, () -> -1, () -> wall, pauses::add);
    unknown.begin();
    unknown.checkpoint();
    unknown.checkpoint();
    CpuShare whole = share(100);
    whole.begin();
    cpu += 100 * MS;
    whole.checkpoint();
    CpuShare.whole().begin();
    CpuShare.whole().checkpoint();
    assertThat(pauses).isEmpty();
  }

  @Test
  void begunWithoutPacingItDoesNotPauseUntilTheNextBegin() {
    CpuShare s = share(50);
    s.begin(false);
    cpu += 10 * MS;
    s.checkpoint();
    assertThat(pauses).isEmpty();
    s.begin(true);
    cpu += 3 * MS;
    s.checkpoint();
    assertThat(pauses).containsExactly(3 * MS);
  }

  @Test
  void aShareOutsideOneToAHundredPercentIsRefused() {
    assertThatThrownBy(() -> share(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> share(101)).isInstanceOf(IllegalArgumentException.class);
  }

  /** The real clock: a thread that works a few slices is paused about as long as it worked. */
  @Test
  void onTheRealCpuClockTheThreadIsPausedAboutAsLongAsItWorked() {
    CpuShare s = CpuShare.ofOneCpu();
    long cpu0 = CpuShare.threadCpu();
    if (cpu0 < 0) {
      return; // no thread CPU clock on this JVM: checked by the made-up clock above
    }
    s.begin();
    long sink = 0;
    while (CpuShare.threadCpu() - cpu0 < 20 * MS) {
      for (int i = 0; i < 10_000; i++) {
        sink += i ^ (sink >>> 3);
      }
      s.checkpoint();
    }
    long worked = CpuShare.threadCpu() - cpu0;
    assertThat(sink).isNotEqualTo(42);
    // parkNanos sleeps at least as long as asked, on a loaded machine longer
    assertThat(s.pausedNanos()).isGreaterThanOrEqualTo(worked / 2);
  }
}
