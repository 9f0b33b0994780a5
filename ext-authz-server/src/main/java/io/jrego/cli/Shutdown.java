package io.jrego.cli;

import java.time.Duration;
import java.util.function.IntConsumer;

/**
 * The last guarantee of {@code jrego serve}'s shutdown: whatever blocks the orderly stop (a check
 * stuck in one long builtin call, a bundle download, a JVM short of memory), the process is gone a
 * few seconds after the grace period.
 */
final class Shutdown {

  /** Beyond the grace period: cancelling checks, closing the transport and the admin server. */
  static final Duration MARGIN = Duration.ofSeconds(10);

  /** The status of a process ended by SIGTERM, which the JVM would have exited with. */
  static final int STATUS = 143;

  private static final System.Logger LOG = System.getLogger("io.jrego.server");

  private Shutdown() {}

  /**
   * Starts a daemon thread that halts the process with {@link #STATUS} if it still runs {@code
   * grace} plus {@link #MARGIN} from now; an orderly exit before then ends the thread with the JVM.
   *
   * @return the thread, for tests
   */
  static Thread watchdog(Duration grace, IntConsumer halt) {
    return afterLimit(grace.plus(MARGIN), halt);
  }

  /** The watchdog, halting {@code limit} from now. */
  static Thread afterLimit(Duration limit, IntConsumer halt) {
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(limit.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              LOG.log(
                  System.Logger.Level.ERROR,
                  "shutdown did not finish within {0}: halting with status {1}",
                  limit,
                  STATUS);
              halt.accept(STATUS);
            },
            "jrego-shutdown-watchdog");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
