package io.jrego.cli;

import io.jrego.server.e2e.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/jrego} (the launcher users run, on the packaged jar) in a process of its own, for the
 * tests that run after {@code package}: no {@code JREGO_*} variable from the build's environment,
 * this JVM's {@code JAVA_HOME}, stdout and stderr in {@code out.txt} and {@code err.txt} of a
 * folder. {@link #close()} stops it.
 */
final class LauncherProcess implements AutoCloseable {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

  final Process process;
  private final Path dir;

  private LauncherProcess(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
  }

  /**
   * Starts {@code bin/jrego args...} with {@code JREGO_JAVA_OPTS=javaOpts}, writing to {@code dir}.
   */
  static LauncherProcess start(Path dir, String javaOpts, String... args) throws IOException {
    return start(dir, Map.of(), javaOpts, args);
  }

  /** {@link #start(Path, String, String...)} with {@code env} (e.g. {@code JREGO_GC}) set too. */
  static LauncherProcess start(Path dir, Map<String, String> env, String javaOpts, String... args)
      throws IOException {
    return start(dir, List.of(), env, javaOpts, args);
  }

  /**
   * {@link #start(Path, Map, String, String...)} run by {@code wrapper} (e.g. {@code taskset -c 0},
   * which runs it on those CPUs), or directly when it is empty.
   */
  static LauncherProcess start(
      Path dir, List<String> wrapper, Map<String, String> env, String javaOpts, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.add(MODULE.resolve("bin/jrego").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("JREGO_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JREGO_JAVA_OPTS", javaOpts);
    pb.environment().putAll(env);
    pb.redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile());
    return new LauncherProcess(pb.start(), dir);
  }

  /**
   * What the launcher printed on stderr when {@code serve}, started with {@code env} in {@code
   * dir}, refused to start: a failed test unless it exited with status 2 within 60 s.
   */
  static String refusal(Path dir, Map<String, String> env)
      throws IOException, InterruptedException {
    try (LauncherProcess jrego = start(dir, env, "", "serve", "--warm-up", "0s")) {
      if (!jrego.process.waitFor(60, TimeUnit.SECONDS) || jrego.process.exitValue() != 2) {
        throw new AssertionError("bin/jrego serve did not stop with status 2:\n" + jrego.err());
      }
      return jrego.err();
    }
  }

  /**
   * The port in group 1 of {@code printed} once stdout shows it; a failed test with what the
   * launcher printed if it exits or {@code within} passes first.
   */
  int awaitPort(Pattern printed, Duration within) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      Matcher m = printed.matcher(out());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("bin/jrego serve did not start:\n" + out() + err());
  }

  String out() throws IOException {
    return Files.readString(dir.resolve("out.txt"));
  }

  String err() throws IOException {
    return Files.readString(dir.resolve("err.txt"));
  }

  /** Asks it to stop, and ends it if it has not within 20 s (at once if interrupted). */
  @Override
  public void close() {
    Processes.stop(process);
  }
}
