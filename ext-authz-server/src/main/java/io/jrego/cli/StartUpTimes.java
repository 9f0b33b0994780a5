package io.jrego.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Where {@code jrego serve}'s time to ready went, for its start-up log line: from the process's
 * start (the launcher script execs the JVM, so it is counted) to {@code main}, the command line
 * (picocli reading serve's options), the set-up (options checked, metrics registry, bundle
 * sources), the first bundles (read and compiled), the servers (gRPC, admin) and the warm-up. Each
 * phase is measured on the monotonic clock except the first, which takes the operating system's
 * process start time (10 ms resolution on Linux).
 *
 * @param toMain process start to {@code main}, or empty when the system does not say when the
 *     process started
 * @param commandLine {@code main} to the command's first line
 * @param setUp the command's first line to the first poll of its bundle sources
 * @param bundles the first poll of every bundle source
 * @param servers starting the servers, the warm-up left out
 * @param warmUp the warm-up before SERVING
 */
record StartUpTimes(
    Optional<Duration> toMain,
    Duration commandLine,
    Duration setUp,
    Duration bundles,
    Duration servers,
    Duration warmUp) {

  /**
   * The times of a start whose phases ended at the given {@link System#nanoTime()} readings.
   *
   * @param processStart when the operating system started the process, if known
   * @param mainAt {@code main}'s {@link Instant} at its first line, {@code mainNanos} its nanoTime
   */
  static StartUpTimes of(
      Optional<Instant> processStart,
      Instant mainAt,
      long mainNanos,
      long commandNanos,
      long setUpNanos,
      long bundlesNanos,
      long readyNanos,
      Duration warmUp) {
    Duration servers = Duration.ofNanos(readyNanos - bundlesNanos).minus(warmUp);
    return new StartUpTimes(
        processStart.map(s -> Duration.between(s, mainAt)).map(StartUpTimes::notNegative),
        notNegative(Duration.ofNanos(commandNanos - mainNanos)),
        notNegative(Duration.ofNanos(setUpNanos - commandNanos)),
        notNegative(Duration.ofNanos(bundlesNanos - setUpNanos)),
        notNegative(servers),
        notNegative(warmUp));
  }

  /** From the process start (or {@code main} when that is unknown) to ready. */
  Duration total() {
    return toMain
        .orElse(Duration.ZERO)
        .plus(commandLine)
        .plus(setUp)
        .plus(bundles)
        .plus(servers)
        .plus(warmUp);
  }

  /**
   * The log line: {@code jrego: ready 1.23 s after the process started (launcher and JVM 0.20 s,
   * command line 0.22 s, set-up 0.05 s, bundles 0.31 s, servers 0.20 s, warm-up 0.50 s)}.
   */
  String describe() {
    return String.format(
        Locale.ROOT,
        "jrego: ready %s after %s (%scommand line %s, set-up %s, bundles %s, servers %s,"
            + " warm-up %s)",
        seconds(total()),
        toMain.isPresent() ? "the process started" : "main",
        toMain.map(d -> "launcher and JVM " + seconds(d) + ", ").orElse(""),
        seconds(commandLine),
        seconds(setUp),
        seconds(bundles),
        seconds(servers),
        seconds(warmUp));
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
  }

  private static Duration notNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }
}
