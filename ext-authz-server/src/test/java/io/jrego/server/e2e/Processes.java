package io.jrego.server.e2e;

import java.util.concurrent.TimeUnit;

/** Stopping a jrego started in a process of its own ({@link ServeProcess}, the launcher tests). */
public final class Processes {

  private Processes() {}

  /**
   * Asks {@code process} to stop (SIGTERM: jrego's shutdown hook drains and stops), and ends it if
   * it has not within 20 s, or at once if this thread is interrupted.
   */
  public static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
