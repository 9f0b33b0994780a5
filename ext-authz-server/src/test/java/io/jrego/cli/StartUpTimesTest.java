package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Serve's start-up line: each phase from its two clock readings, and the total from them. */
class StartUpTimesTest {

  private static final long MS = 1_000_000L;

  @Test
  void phases_comeFromConsecutiveReadings_andAddUpToTheTotal() {
    StartUpTimes t =
        StartUpTimes.of(
            Optional.of(Duration.ofMillis(1_480)), // the process's age when ready
            2_280 * MS,
            1_000 * MS,
            1_220 * MS, // command line 220 ms after main
            1_270 * MS, // set-up 50 ms
            1_580 * MS, // bundles 310 ms
            2_280 * MS, // servers and warm-up 700 ms
            Duration.ofMillis(500));

    assertThat(t.toMain()).contains(Duration.ofMillis(200));
    assertThat(t.commandLine()).isEqualTo(Duration.ofMillis(220));
    assertThat(t.setUp()).isEqualTo(Duration.ofMillis(50));
    assertThat(t.bundles()).isEqualTo(Duration.ofMillis(310));
    assertThat(t.servers()).isEqualTo(Duration.ofMillis(200));
    assertThat(t.warmUp()).isEqualTo(Duration.ofMillis(500));
    assertThat(t.total()).isEqualTo(Duration.ofMillis(1_480));
    assertThat(t.describe())
        .isEqualTo(
            "jrego: ready 1.48 s after the process started (launcher and JVM 0.20 s, command line"
                + " 0.22 s, set-up 0.05 s, bundles 0.31 s, servers 0.20 s, warm-up 0.50 s)");
  }

  @Test
  void theProcessAge_comesFromProc_onLinux() {
    // this test's JVM has run for more than the 10 ms of a clock tick, and less than a day
    assertThat(StartUpTimes.processAge())
        .hasValueSatisfying(
            age -> assertThat(age).isBetween(Duration.ofMillis(10), Duration.ofDays(1)));
  }

  @Test
  void withoutTheProcessStart_theLineCountsFromMain() {
    StartUpTimes t =
        StartUpTimes.of(
            Optional.empty(), 600 * MS, 0, 100 * MS, 110 * MS, 400 * MS, 600 * MS, Duration.ZERO);

    assertThat(t.total()).isEqualTo(Duration.ofMillis(600));
    assertThat(t.describe())
        .isEqualTo(
            "jrego: ready 0.60 s after main (command line 0.10 s, set-up 0.01 s, bundles 0.29 s,"
                + " servers 0.20 s, warm-up 0.00 s)");
  }

  @Test
  void anAgeRoundedBelowMain_isNotANegativePhase() {
    // /proc counts in 10 ms ticks: an age read 15 ms after main may round to less than 15 ms
    StartUpTimes t =
        StartUpTimes.of(
            Optional.of(Duration.ofMillis(5)),
            25 * MS, // the age's reading
            10 * MS, // main
            10 * MS,
            10 * MS,
            10 * MS,
            10 * MS,
            Duration.ZERO);

    assertThat(t.toMain()).contains(Duration.ZERO);
    assertThat(t.total()).isEqualTo(Duration.ZERO);
  }
}
