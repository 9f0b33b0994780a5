package io.jrego.cli;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where {@code jrego serve}'s time to ready went, for its start-up log line: from the process's
 * start (the launcher script execs the JVM, so it is counted) to {@code main}, the command line
 * (picocli reading serve's options), the set-up (options checked, metrics registry, bundle
 * sources), the first bundles (read and compiled), the servers (gRPC, admin) and the warm-up. Each
 * phase is measured on the monotonic clock except the first, which takes the process's age from the
 * operating system (10 ms resolution on Linux).
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
   * @param processAge how long the process had run at the reading {@code ageNanos}, if known
   */
  static StartUpTimes of(
      Optional<Duration> processAge,
      long ageNanos,
      long mainNanos,
      long commandNanos,
      long setUpNanos,
      long bundlesNanos,
      long readyNanos,
      Duration warmUp) {
    Duration servers = Duration.ofNanos(readyNanos - bundlesNanos).minus(warmUp);
    return new StartUpTimes(
        processAge.map(a -> a.minusNanos(ageNanos - mainNanos)).map(StartUpTimes::notNegative),
        notNegative(Duration.ofNanos(commandNanos - mainNanos)),
        notNegative(Duration.ofNanos(setUpNanos - commandNanos)),
        notNegative(Duration.ofNanos(bundlesNanos - setUpNanos)),
        notNegative(servers),
        notNegative(warmUp));
  }

  /**
   * How long this process has run, from Linux's {@code /proc} (its start in clock ticks since boot
   * against the system's uptime, both in hundredths of a second), or empty elsewhere. Not {@link
   * ProcessHandle.Info#startInstant()}: that adds the boot time, which Linux gives in whole
   * seconds, and was measured up to 0.7 s off.
   */
  static Optional<Duration> processAge() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      // the fields after the command name, which is in parentheses and may hold spaces: the
      // state is field 3 of the line, the start time (USER_HZ ticks, 100 a second) field 22
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      long startTicks = Long.parseLong(fields[22 - 3]);
      String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII);
      BigDecimal up = new BigDecimal(uptime.substring(0, uptime.indexOf(' ')));
      return Optional.of(Duration.ofMillis(up.movePointRight(3).longValue() - startTicks * 10));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // not Linux, or no /proc: the line counts from main
    }
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
