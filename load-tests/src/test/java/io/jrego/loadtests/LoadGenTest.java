package io.jrego.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadGenTest {

  @Test
  void stoppedFalling_isFalseWhileEachSliceIsMarkedlyCheaper() {
    // a JIT warming up: CPU per check still dropping by more than 5% between windows
    assertThat(LoadGen.stoppedFalling(List.of(2900.0, 1250.0, 970.0, 780.0, 720.0, 620.0)))
        .isFalse();
    assertThat(LoadGen.stoppedFalling(List.of(300.0, 290.0, 280.0, 250.0, 245.0, 240.0))).isFalse();
  }

  @Test
  void stoppedFalling_isTrueOnceTheLastThreeSlicesAreNoCheaperThanTheThreeBefore() {
    assertThat(LoadGen.stoppedFalling(List.of(900.0, 400.0, 140.0, 132.0, 131.0, 130.0, 131.0)))
        .isFalse();
    assertThat(LoadGen.stoppedFalling(List.of(140.0, 132.0, 131.0, 130.0, 131.0, 133.0))).isTrue();
  }

  @Test
  void stoppedFalling_toleratesNoiseOfAFewPercentAndARisingCost() {
    assertThat(LoadGen.stoppedFalling(List.of(130.0, 128.0, 135.0, 126.0, 133.0, 129.0))).isTrue();
    assertThat(LoadGen.stoppedFalling(List.of(100.0, 100.0, 100.0, 150.0, 160.0, 155.0))).isTrue();
  }

  @Test
  void stoppedFalling_needsTwoWindowsOfThreeSlices() {
    assertThat(LoadGen.stoppedFalling(List.of(130.0, 130.0, 130.0, 130.0, 130.0))).isFalse();
  }

  @Test
  void stoppedFalling_countsASliceWithoutCpuTimeAsTheMostExpensive() {
    // NaN: the server's CPU time could not be read; the median of a window ignores one of them
    assertThat(LoadGen.stoppedFalling(List.of(130.0, 130.0, 130.0, 130.0, Double.NaN, 129.0)))
        .isTrue();
  }

  @Test
  void cpuSeconds_addsUserAndSystemTicksAfterTheCommandName() {
    String stat =
        "4242 (java) S 1 4242 4242 0 -1 4194560 12345 0 3 0 250 50 0 0 20 0 31 0 900 "
            + "5000000000 120000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";

    assertThat(LoadGen.cpuSeconds(stat, 100)).isCloseTo(3.0, within(1e-9));
  }

  @Test
  void cpuSeconds_readsFieldsAfterTheLastParenthesisWhenTheNameHasSpacesAndParentheses() {
    String stat =
        "77 (a b) (c)) R 1 77 77 0 -1 0 0 0 0 0 1000 234 0 0 20 0 1 0 5 1 1 1 1 1 0 0 0 0 0 0"
            + " 0 0 0 0 0 0";

    assertThat(LoadGen.cpuSeconds(stat, 100)).isCloseTo(12.34, within(1e-9));
  }
}
