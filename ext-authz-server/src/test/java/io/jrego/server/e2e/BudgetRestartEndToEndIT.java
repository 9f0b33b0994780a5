package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RedisBudgetStore;
import io.jrego.server.budget.RedisServer;
import io.jrego.server.budget.Window;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code jrego serve} process with {@code --budget-store redis}, behind the real Envoy: usage
 * settled through Envoy survives {@code kill -9} of jrego. A new process on the same port and the
 * same Redis sees the used tokens and admits only what remains.
 */
class BudgetRestartEndToEndIT {

  private static final Pattern SERVING =
      Pattern.compile("jrego serving \\S+ on 127\\.0\\.0\\.1:(\\d+) \\(admin :(\\d+)\\)");

  @TempDir Path dir;

  private final HttpClient http = EnvoyRunner.http1().build();

  @Test
  void aKilledJregoLosesNoSettledUsage_andTheNextAdmitsOnlyWhatRemains() throws Exception {
    Path work = Files.createDirectories(EnvoyRunner.MODULE.resolve("target/budget-restart-e2e"));
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Files.writeString(bundle.resolve("policy.rego"), BudgetEndToEndIT.POLICY);
    Path certs = Files.createDirectories(work.resolve("certs"));
    TestPki.forEnvoy(certs);
    String run = UUID.randomUUID().toString();
    // the settled total before the kill, then room for one more request's estimate and a bit
    long before = 3 * (8 + 60);
    long limit = before + 120;
    Budget budget = Budget.tokens("run:" + run, Window.DAY, limit);
    try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        UsageUpstream upstream = new UsageUpstream();
        BudgetStore view =
            new RedisBudgetStore(
                redis.uri(), Duration.ofSeconds(2), "jrego:budget:", LeasePolicy.DEFAULT)) {
      // the first on a port the kernel gives it, bound at once (a port picked free and bound
      // later can be taken meanwhile); the second on the same port, where Envoy sends
      Served served = serve(0, redis.uri(), "first");
      Process first = served.process();
      int port = served.port();
      Process second = null;
      try (EnvoyRunner envoy =
          EnvoyRunner.start(
              "budget-restart-e2e", port, upstream.port(), certs, ExtProcEndToEndIT.PATIENT)) {
        awaitServing(envoy, limit);
        for (int i = 0; i < 3; i++) {
          HttpResponse<String> r =
              http.send(
                  BudgetEndToEndIT.chat(
                      envoy.plainPort, run, limit, BudgetEndToEndIT.body(i == 1, 100), 8, 60),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(BudgetEndToEndIT.settled(view, run, limit))
            .isEqualTo(new BudgetStore.Usage(before, 0, 3, 0));

        first.destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isEqualTo(137);
        second = serve(port, redis.uri(), "second").process();

        awaitServing(envoy, limit);
        // 120 left: an estimate of 108 fits, and says what remains
        HttpResponse<String> fits =
            http.send(
                BudgetEndToEndIT.chat(
                    envoy.plainPort, run, limit, BudgetEndToEndIT.body(false, 100), 8, 50),
                HttpResponse.BodyHandlers.ofString());
        assertThat(fits.statusCode()).as(fits.body()).isEqualTo(200);
        assertThat(fits.headers().firstValue("x-ratelimit-remaining-tokens")).contains("12");
        assertThat(BudgetEndToEndIT.settled(view, run, limit))
            .isEqualTo(new BudgetStore.Usage(before + 58, 0, 4, 0));
        // 62 left: the next estimate of 108 does not fit (it would, had the restart lost usage)
        int arrived = upstream.arrived.get();
        HttpResponse<String> over =
            http.send(
                BudgetEndToEndIT.chat(
                    envoy.plainPort, run, limit, BudgetEndToEndIT.body(false, 100), 8, 50),
                HttpResponse.BodyHandlers.ofString());
        assertThat(over.statusCode()).as(over.body()).isEqualTo(429);
        assertThat(over.headers().firstValue("x-ratelimit-remaining-tokens")).contains("62");
        assertThat(upstream.arrived.get()).isEqualTo(arrived);
        assertThat(view.usage(budget)).isEqualTo(new BudgetStore.Usage(before + 58, 0, 4, 0));
      } finally {
        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        if (second != null) {
          second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * Waits until a request passes Envoy and both of its filters to the jrego now serving, each try
   * on a budget of its own. Envoy may fail closed on a jrego it has not connected to yet (seen
   * once, in a clean-clone CI run at load 25: a 403 with an empty body on the very first request)
   * or may still hold the dead process's connection; and a try that was admitted and then failed in
   * the answer's phase leaves its reservation held until the lease ends (seen once: the retry of
   * the measured budget refused with "remaining 12"). So no try touches the budget the test
   * measures.
   */
  private void awaitServing(EnvoyRunner envoy, long limit) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      HttpResponse<String> r =
          http.send(
              BudgetEndToEndIT.chat(
                  envoy.plainPort,
                  "probe-" + UUID.randomUUID(),
                  limit,
                  BudgetEndToEndIT.body(false, 100),
                  8,
                  60),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return;
      }
      assertThat(System.nanoTime())
          .as(
              "no request passed Envoy to jrego within 60 s; the last: %s %s",
              r.statusCode(), r.body())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** A {@code jrego serve} process and the gRPC port it serves on. */
  private record Served(Process process, int port) {}

  /**
   * {@code jrego serve} in its own JVM on {@code port} (0: one the kernel gives), counting budgets
   * in Redis.
   */
  private Served serve(int port, String redisUri, String name) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                classpath,
                "io.jrego.cli.JregoCommand",
                "serve",
                "--bundle",
                dir.resolve("bundle").toString(),
                "--budget-store",
                "redis",
                "--budget-redis",
                redisUri,
                "--budget-redis-timeout",
                "2s",
                "--warm-up",
                "0s",
                // without a warm-up, a fresh JVM's first checks are slow on a loaded machine: the
                // default 200 ms deadline is not what this test is about
                "--eval-timeout",
                "30s",
                "--addr",
                "127.0.0.1:" + port,
                "--admin-addr",
                "127.0.0.1:0"));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("JREGO_"));
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      Matcher m = SERVING.matcher(read(out));
      if (m.find()) {
        return new Served(p, Integer.parseInt(m.group(1)));
      }
      Thread.sleep(50);
    }
    p.destroyForcibly();
    throw new AssertionError(
        "jrego serve did not start (alive " + p.isAlive() + "):\n" + read(out) + read(err));
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p) : "";
  }
}
