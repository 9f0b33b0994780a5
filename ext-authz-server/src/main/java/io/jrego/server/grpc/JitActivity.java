package io.jrego.server.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * How much work the JIT compiler has done so far, for {@link WarmUp} to tell when it has settled.
 *
 * <p>On Linux: the CPU time of the JVM's compiler threads ({@code C1 CompilerThread}, {@code C2
 * CompilerThread}), read from {@code /proc/self/task}; it grows while a compilation runs.
 * Elsewhere: {@link CompilationMXBean#getTotalCompilationTime()}, which only grows when a
 * compilation ends, so a single long C2 compilation (up to a second on a busy machine) looks like a
 * quiet compiler until it finishes; {@link WarmUp} asks for two quiet windows in a row for that
 * reason.
 */
final class JitActivity {

  private static final Path TASKS = Path.of("/proc/self/task");
  private static final long NANOS_PER_TICK = TimeUnit.SECONDS.toNanos(1) / 100; // USER_HZ

  private final CompilationMXBean mxBean = ManagementFactory.getCompilationMXBean();
  private final boolean proc = readCompilerTicks() >= 0;

  /** Whether the compiler's work can be watched at all. */
  boolean supported() {
    return proc || (mxBean != null && mxBean.isCompilationTimeMonitoringSupported());
  }

  /** The compiler's work so far, in nanoseconds; only differences mean anything. */
  long nanos() {
    if (proc) {
      long ticks = readCompilerTicks();
      if (ticks >= 0) {
        return ticks * NANOS_PER_TICK;
      }
    }
    return supported() ? TimeUnit.MILLISECONDS.toNanos(mxBean.getTotalCompilationTime()) : 0;
  }

  /** utime + stime of the compiler threads in clock ticks, or -1 when /proc cannot say. */
  private static long readCompilerTicks() {
    if (!Files.isDirectory(TASKS)) {
      return -1;
    }
    long total = 0;
    boolean found = false;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException | UncheckedIOException e) {
          continue; // the thread ended meanwhile
        }
        // pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
          continue;
        }
        String name = stat.substring(open + 1, close);
        if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
          continue;
        }
        String[] fields = stat.substring(close + 2).split(" ", -1);
        if (fields.length > 12) {
          total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
          found = true;
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException | SecurityException e) {
      return -1;
    }
    return found ? total : -1;
  }
}
