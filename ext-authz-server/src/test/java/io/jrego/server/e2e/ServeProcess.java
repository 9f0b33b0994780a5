package io.jrego.server.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A jrego command ({@code jrego serve}, as users run it) in its own JVM on the test class path,
 * with no {@code JREGO_*} variable of the test's environment, its output in {@code out.txt} and
 * {@code err.txt} of a folder. {@link #awaitServing} waits for the line that gives its ports;
 * {@link #close()} stops it with SIGTERM, then SIGKILL after 20 s.
 */
final class ServeProcess implements AutoCloseable {

  private static final Pattern SERVING =
      Pattern.compile("jrego serving .+ on 127\\.0\\.0\\.1:(\\d+) \\(admin :(\\d+)\\)");

  /** A reply of the admin server. */
  record Reply(int status, String body) {}

  private final Process process;
  private final Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int grpcPort;
  private int adminPort;

  private ServeProcess(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
  }

  /**
   * Starts {@code java <jvmFlags> -cp <test class path> io.jrego.cli.JregoCommand <args>}.
   *
   * @param dir where {@code out.txt} and {@code err.txt} go
   */
  static ServeProcess start(Path dir, List<String> jvmFlags, List<String> args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", classpath, "io.jrego.cli.JregoCommand"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("JREGO_"));
    pb.redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile());
    return new ServeProcess(pb.start(), dir);
  }

  /**
   * {@code jrego serve} with {@code args}, on loopback ports the system picks, polling its bundle
   * servers every 100-200 ms, with a 30 s evaluation deadline: a fresh JVM's first checks are slow,
   * and their deadline is not what these tests are about.
   */
  static List<String> servePolling(List<String> args) {
    List<String> all = new ArrayList<>(List.of("serve"));
    all.addAll(args);
    all.addAll(
        List.of(
            "--bundle-min-delay",
            "100ms",
            "--bundle-max-delay",
            "200ms",
            "--addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
            "--eval-timeout",
            "30s"));
    return all;
  }

  /**
   * The value of the Prometheus sample in {@code metrics} whose line starts with {@code prefix}, or
   * -1.
   */
  static double sample(String metrics, String prefix) {
    for (String line : metrics.lines().toList()) {
      if (line.startsWith(prefix + " ")) {
        return Double.parseDouble(line.substring(prefix.length() + 1).trim());
      }
    }
    return -1;
  }

  /** Waits until the server prints its ports, at most {@code wait}; fails with its output. */
  ServeProcess awaitServing(Duration wait) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      Matcher m = SERVING.matcher(Files.readString(dir.resolve("out.txt")));
      if (m.find()) {
        grpcPort = Integer.parseInt(m.group(1));
        adminPort = Integer.parseInt(m.group(2));
        return this;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "jrego serve did not start (alive " + process.isAlive() + "):\n" + log());
  }

  Process process() {
    return process;
  }

  /** The gRPC port, once {@link #awaitServing} has returned. */
  int grpcPort() {
    return grpcPort;
  }

  /** The admin port, once {@link #awaitServing} has returned. */
  int adminPort() {
    return adminPort;
  }

  /** What the process wrote to stderr so far. */
  String err() throws IOException {
    return Files.readString(dir.resolve("err.txt"));
  }

  /**
   * Waits until the process's stdout holds each of {@code texts}, at most {@code wait}, and returns
   * it; fails with its output. A line reports a state that is visible before it is printed (a
   * bundle is active, and {@code /ready} says so, before "activated" is written), so a test that
   * has seen the state waits for the line rather than reading the file once.
   */
  String awaitOut(Duration wait, String... texts) throws Exception {
    return awaitFile("out.txt", wait, texts);
  }

  /** As {@link #awaitOut}, for stderr. */
  String awaitErr(Duration wait, String... texts) throws Exception {
    return awaitFile("err.txt", wait, texts);
  }

  private String awaitFile(String name, Duration wait, String... texts) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      String text = Files.readString(dir.resolve(name));
      List<String> missing = Arrays.stream(texts).filter(t -> !text.contains(t)).toList();
      if (missing.isEmpty()) {
        return text;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            name + " did not come to hold " + missing + " within " + wait + ":\n" + log());
      }
      Thread.sleep(50);
    }
  }

  /** Its stdout and stderr so far, for a failure message. */
  String log() throws IOException {
    return "--- stdout\n" + Files.readString(dir.resolve("out.txt")) + "--- stderr\n" + err();
  }

  /** GETs {@code path} of the admin server. */
  Reply admin(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  /** Polls {@code path} of the admin server until its reply satisfies {@code cond}. */
  Reply awaitAdmin(String path, Predicate<Reply> cond, Duration wait) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    Reply last = null;
    while (System.nanoTime() < deadline && process.isAlive()) {
      last = admin(path);
      if (cond.test(last)) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "gave up waiting on " + path + "; last reply " + last + "; log:\n" + log());
  }

  @Override
  public void close() {
    Processes.stop(process);
  }
}
