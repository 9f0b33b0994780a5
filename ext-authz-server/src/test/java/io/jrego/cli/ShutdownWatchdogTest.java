package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Issue 14: whatever blocks the orderly stop, the process halts after the grace and a margin. */
class ShutdownWatchdogTest {

  @Test
  void issue14_theWatchdogHaltsWith143WhenShutdownDoesNotFinish() throws Exception {
    List<Integer> halts = new CopyOnWriteArrayList<>();
    Thread t = Shutdown.afterLimit(Duration.ofMillis(200), halts::add);
    assertThat(t.isDaemon()).as("an orderly exit is not held up by it").isTrue();
    t.join(5_000);
    assertThat(halts).containsExactly(143);
  }

  @Test
  void issue14_theWatchdogWaitsTheGracePlusItsMargin() throws Exception {
    List<Integer> halts = new CopyOnWriteArrayList<>();
    Thread t = Shutdown.watchdog(Duration.ofMillis(100), halts::add);
    t.join(500);
    assertThat(halts).isEmpty();
    assertThat(t.isAlive()).isTrue();
    t.interrupt(); // ends it without halting
    t.join(5_000);
    assertThat(halts).isEmpty();
    assertThat(Shutdown.MARGIN).isEqualTo(Duration.ofSeconds(10));
  }
}
