package io.jrego.server.e2e;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping a process a test started: jrego ({@link ServeProcess}, the launcher tests), Envoy. */
public final class Processes {

  private Processes() {}

  /**
   * Asks {@code process} to stop (SIGTERM: jrego's shutdown hook drains and stops), and ends it if
   * it has not within 20 s, or at once if this thread is interrupted.
   */
  public static void stop(Process process) {
    stop(process, Duration.ofSeconds(20));
  }

  /**
   * Sends SIGTERM, then SIGKILL if {@code process} is still running after {@code grace} (waiting
   * half as long again for it to go), or at once if this thread is interrupted.
   */
  static void stop(Process process, Duration grace) {
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(grace.toMillis() / 2, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
