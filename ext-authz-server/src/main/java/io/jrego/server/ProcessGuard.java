package io.jrego.server;

import io.jrego.server.admin.ServerMetrics;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * What the server process does with {@link Error}s and dying threads, so that it is never half dead
 * (checks answered while health, metrics or bundle polling died for good).
 *
 * <ul>
 *   <li>An {@link Error} caught where jrego stops it (a check, a bundle poll) is counted in {@code
 *       jrego_errors_total} and logged on one line; the place that caught it answers as for any
 *       failure (a failed check, a refused bundle).
 *   <li>A thread ended by an uncaught throwable is counted in {@code jrego_thread_deaths_total} and
 *       logged on one line. A worker of jrego's own pools (check, admin, bundle polling) is
 *       replaced by its pool; any other thread (the admin server's dispatcher, the HTTP client's
 *       selector, {@code main}) cannot be, so the process exits with status {@value #EXIT_THREAD}.
 *   <li>An error that leaves the JVM unusable ({@link VirtualMachineError}s such as {@link
 *       OutOfMemoryError}, but not {@link StackOverflowError}, which unwinds cleanly) ends the
 *       process at once with status {@value #EXIT_FATAL}, wherever it was seen, for its supervisor
 *       to restart it. The launcher's {@code -XX:+ExitOnOutOfMemoryError} does the same for an
 *       OutOfMemoryError the JVM throws; this covers a JVM started without it.
 * </ul>
 *
 * <p>Nothing happens until {@link #install} (as {@code jrego serve} does): in tests and in other
 * programs that embed the server, errors are only counted and logged where caught.
 */
public final class ProcessGuard {

  /** Exit status after a fatal error: the status of {@code -XX:+ExitOnOutOfMemoryError}. */
  public static final int EXIT_FATAL = 3;

  /** Exit status after a thread no pool replaces died. */
  public static final int EXIT_THREAD = 70;

  private static final System.Logger LOG = System.getLogger("io.jrego.server");

  /** Thread-name prefixes of pools that replace a worker that dies. */
  private static final String[] REPLACED = {
    "jrego-check-", "jrego-warm-up-", "jrego-admin", "jrego-bundles", "jrego-bundle-deadline"
  };

  private record Installed(ServerMetrics metrics, IntConsumer halt) {}

  private static volatile Installed installed;

  private ProcessGuard() {}

  /** Installs for this process: the handler of uncaught throwables, and halting on fatal errors. */
  public static void install(ServerMetrics metrics) {
    install(metrics, status -> Runtime.getRuntime().halt(status));
  }

  /** As {@link #install(ServerMetrics)}, with {@code halt} in place of {@link Runtime#halt}. */
  static void install(ServerMetrics metrics, IntConsumer halt) {
    installed = new Installed(Objects.requireNonNull(metrics), Objects.requireNonNull(halt));
    Thread.setDefaultUncaughtExceptionHandler(ProcessGuard::uncaught);
  }

  /** Undoes {@link #install}, for tests. */
  static void uninstall() {
    installed = null;
    Thread.setDefaultUncaughtExceptionHandler(null);
  }

  /**
   * An error caught at {@code where} ({@code check}, {@code bundle ...}): counted by the caller's
   * metrics; ends the process when it is fatal and the guard is installed.
   */
  public static void caught(String where, Throwable t) {
    Installed g = installed;
    if (g != null && fatal(t)) {
      LOG.log(
          Level.ERROR, "fatal {0} in {1}: exiting with status {2}", describe(t), where, EXIT_FATAL);
      g.halt().accept(EXIT_FATAL);
    }
  }

  /** Whether {@code t} leaves the JVM unusable. */
  public static boolean fatal(Throwable t) {
    return t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
  }

  /** One line for a log: class, message and the frame that threw. */
  public static String describe(Throwable t) {
    StackTraceElement[] trace = t.getStackTrace();
    return t.getClass().getName()
        + (t.getMessage() == null ? "" : ": " + t.getMessage())
        + (trace.length == 0 ? "" : " at " + trace[0]);
  }

  static void uncaught(Thread thread, Throwable t) {
    Installed g = installed;
    String name = thread.getName().replaceAll("-?\\d+$", "");
    LOG.log(Level.ERROR, "thread {0} died: {1}", thread.getName(), describe(t));
    if (g == null) {
      return;
    }
    try {
      g.metrics().threadDied(name, t);
    } catch (RuntimeException | Error e) {
      // counting must not stop the decision below
    }
    if (fatal(t)) {
      LOG.log(Level.ERROR, "exiting with status {0}", EXIT_FATAL);
      g.halt().accept(EXIT_FATAL);
    } else if (!replaced(thread.getName())) {
      LOG.log(
          Level.ERROR,
          "no pool replaces thread {0}: exiting with status {1}",
          thread.getName(),
          EXIT_THREAD);
      g.halt().accept(EXIT_THREAD);
    }
  }

  private static boolean replaced(String thread) {
    for (String prefix : REPLACED) {
      if (thread.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
