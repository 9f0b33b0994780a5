package io.jrego.loadtests;

import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RedisBudgetStore;
import io.jrego.server.budget.ReserveResult;
import io.jrego.server.budget.Window;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Token budgets (issue 11), measured two ways, each beside its alternative in the same run:
 *
 * <ol>
 *   <li><b>Cost.</b> Reserve + settle at a fixed rate (default 1,000/s, open loop: latency counted
 *       from each operation's scheduled start, so a stall delays the ones behind it too), with the
 *       embedded store and with a local Redis, beside an empty operation on the same schedule (the
 *       harness's own floor). Percentiles from HdrHistogram.
 *   <li><b>Admission under a burst.</b> Bursts of concurrent requests against one token budget in
 *       Redis: jrego's reserve/settle beside a settle-after scheme (admit while {@code used <
 *       limit}, charge the actual usage when the response ends, as envoyproxy/ratelimit with {@code
 *       apply_on_stream_done} and the AI gateways do), with the same requests and usages.
 * </ol>
 *
 * <p>It starts its own {@code redis-server} (Debian's, {@code .ci/install-redis.sh}) on a free
 * loopback port in a temporary directory. Run it on an otherwise idle machine: {@code java -cp
 * load-tests/target/benchmarks.jar io.jrego.loadtests.BudgetLoad [--rate 1000] [--seconds 20]
 * [--out FILE]}.
 */
public final class BudgetLoad {

  private BudgetLoad() {}

  public static void main(String[] args) throws Exception {
    int rate = 1000;
    int seconds = 20;
    Path outFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--out" -> outFile = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("jrego-budget-load");
    int port = freePort();
    int memPort = freePort();
    Process redis = startRedis(dir.resolve("aof"), port, true);
    Process memRedis = startRedis(dir.resolve("mem"), memPort, false);
    String uri = "redis://127.0.0.1:" + port + "/0";
    String memUri = "redis://127.0.0.1:" + memPort + "/0";
    StringBuilder report = new StringBuilder();
    StringBuilder server = new StringBuilder();
    try {
      waitForRedis(uri);
      waitForRedis(memUri);
      report.append(
          String.format(
              Locale.ROOT,
              "## Cost: reserve + settle at %d/s for %d s (open loop), microseconds%n%n",
              rate,
              seconds));
      report.append(
          "| operation | p50 | p90 | p99 | p99.9 | max | ops |\n|---|---|---|---|---|---|---|\n");
      RedisClient pingClient = RedisClient.create(uri);
      try (BudgetStore embedded = new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 200_000);
          BudgetStore shared =
              new RedisBudgetStore(uri, Duration.ofSeconds(1), "jrego:load:", LeasePolicy.DEFAULT);
          BudgetStore memory =
              new RedisBudgetStore(
                  memUri, Duration.ofSeconds(1), "jrego:load:", LeasePolicy.DEFAULT);
          StatefulRedisConnection<String, String> ping = pingClient.connect()) {
        RedisCommands<String, String> pings = ping.sync();
        Op empty = i -> {};
        Op pingTwice =
            i -> {
              pings.ping();
              pings.ping();
            };
        List<Budget> budgets = budgets();
        // Warm-up: JIT and the connections, not counted.
        cost(empty, rate, 5);
        cost(reserveSettle(embedded, budgets), rate, 5);
        cost(reserveSettle(shared, budgets), rate, 5);
        cost(reserveSettle(memory, budgets), rate, 5);
        cost(pingTwice, rate, 5);
        report.append(row("empty operation (harness floor)", cost(empty, rate, seconds)));
        report.append(
            row(
                "embedded: reserve + settle",
                cost(reserveSettle(embedded, budgets), rate, seconds)));
        resetServerStats(port);
        report.append(
            row("redis (AOF everysec): 2 x PING, same client", cost(pingTwice, rate, seconds)));
        server.append(serverStats("2 x PING", port));
        resetServerStats(port);
        report.append(
            row(
                "redis (AOF everysec): reserve + settle",
                cost(reserveSettle(shared, budgets), rate, seconds)));
        server.append(serverStats("reserve + settle, AOF everysec", port));
        resetServerStats(memPort);
        report.append(
            row(
                "redis (no persistence): reserve + settle",
                cost(reserveSettle(memory, budgets), rate, seconds)));
        server.append(serverStats("reserve + settle, no persistence", memPort));
        report.append(row("empty operation again", cost(empty, rate, seconds)));
        report.append('\n');
        report.append(
            "### Inside Redis during each row (INFO commandstats, SLOWLOG over 500 µs, LATENCY"
                + " events over 1 ms)\n\n"
                + "| row | calls | µs per call (server) | slowlog entries | latency events |\n"
                + "|---|---|---|---|---|\n");
        report.append(server).append('\n');
        report.append(burst(uri, shared));
      } finally {
        pingClient.shutdown();
      }
    } finally {
      for (Process p : List.of(redis, memRedis)) {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    PrintStream out = System.out;
    out.print(report);
    if (outFile != null) {
      Files.writeString(outFile, report.toString(), StandardCharsets.UTF_8);
    }
  }

  private static String row(String name, Histogram h) {
    return String.format(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %d |%n",
        name,
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0,
        h.getMaxValue() / 1000.0,
        h.getTotalCount());
  }

  /** One measured operation; {@code i} is its sequence number. */
  @FunctionalInterface
  private interface Op {
    void run(long i) throws Exception;
  }

  /** Many budget keys, as many callers: the tokens never run out within the run. */
  private static List<Budget> budgets() {
    List<Budget> budgets = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      budgets.add(
          new Budget(
              "load:caller-" + i + "/model:m",
              Window.MINUTE,
              Long.MAX_VALUE / 4,
              Budget.UNLIMITED,
              10_000));
    }
    return budgets;
  }

  private static Op reserveSettle(BudgetStore store, List<Budget> budgets) {
    return i -> {
      String id = UUID.randomUUID().toString();
      store.reserve(id, List.of(budgets.get((int) (i % budgets.size()))), 1000);
      store.settle(id, 700);
    };
  }

  /**
   * Runs {@code op} {@code rate} times a second for {@code seconds}, on 4 threads, each operation's
   * latency measured from its scheduled start.
   */
  private static Histogram cost(Op op, int rate, int seconds) throws Exception {
    int total = rate * seconds;
    long interval = 1_000_000_000L / rate;
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    long start = System.nanoTime() + 10_000_000;
    AtomicLong next = new AtomicLong();
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(
          pool.submit(
              () -> {
                Histogram local = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                for (long i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                  long due = start + i * interval;
                  long wait;
                  while ((wait = due - System.nanoTime()) > 0) {
                    if (wait > 200_000) {
                      java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                  try {
                    op.run(i);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  local.recordValue(Math.max(0, System.nanoTime() - due));
                }
                synchronized (h) {
                  h.add(local);
                }
                return null;
              }));
    }
    for (Future<?> w : workers) {
      w.get(seconds + 60L, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return h;
  }

  /** One burst scenario's outcome. */
  private record Burst(int admitted, long tokens) {}

  private static String burst(String uri, BudgetStore shared) throws Exception {
    int requests = 200;
    long limit = 50_000;
    long maxTokens = 1_000;
    long prompt = 500;
    long estimate = prompt + maxTokens;
    int waves = 3;
    Random random = new Random(11);
    // The same requests for both schemes: prompt 500 tokens, answers of 100 to 1,000 tokens.
    long[][] usage = new long[waves][requests];
    for (long[] wave : usage) {
      for (int i = 0; i < requests; i++) {
        wave[i] = prompt + 100 + random.nextInt((int) maxTokens - 99);
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "## Admission: %d waves of %d concurrent requests on a %,d-token budget (one window)%n%n"
                + "Each request: %d prompt tokens, max_tokens %d (estimate %d), actual answer 100 to"
                + " %d tokens (seeded). Within a wave every check happens before any response"
                + " ends; each wave's responses end before the next wave.%n%n",
            waves,
            requests,
            limit,
            prompt,
            maxTokens,
            estimate,
            maxTokens));
    sb.append(
        "| scheme | wave | admitted | tokens charged after the wave | budget |\n|---|---|---|---|---|\n");
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> redis = c.sync();
      String counter = "settle-after:" + UUID.randomUUID();
      long charged = 0;
      for (int w = 0; w < waves; w++) {
        Burst b = settleAfterWave(redis, counter, limit, usage[w]);
        charged = Long.parseLong(redis.get(counter) == null ? "0" : redis.get(counter));
        sb.append(
            String.format(
                Locale.ROOT,
                "| settle-after (check used < limit, charge at the end) | %d | %d | %,d | %,d |%n",
                w + 1,
                b.admitted(),
                charged,
                limit));
      }
      Budget budget = Budget.tokens("reserve-settle:" + UUID.randomUUID(), Window.DAY, limit);
      for (int w = 0; w < waves; w++) {
        Burst b = reserveSettleWave(shared, budget, estimate, usage[w]);
        sb.append(
            String.format(
                Locale.ROOT,
                "| jrego reserve/settle (Redis) | %d | %d | %,d | %,d |%n",
                w + 1,
                b.admitted(),
                shared.usage(budget).used(),
                limit));
      }
    } finally {
      client.shutdown();
    }
    return sb.toString();
  }

  private static Burst settleAfterWave(
      RedisCommands<String, String> redis, String counter, long limit, long[] usage)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Boolean>> checks = new ArrayList<>();
      for (int i = 0; i < usage.length; i++) {
        checks.add(
            pool.submit(
                () -> {
                  go.await();
                  String v = redis.get(counter);
                  return v == null || Long.parseLong(v) < limit;
                }));
      }
      go.countDown();
      boolean[] passed = new boolean[usage.length];
      for (int i = 0; i < usage.length; i++) {
        passed[i] = checks.get(i).get(30, TimeUnit.SECONDS);
      }
      // Every check has answered; now the responses end and are charged.
      int admitted = 0;
      long tokens = 0;
      for (int i = 0; i < usage.length; i++) {
        if (passed[i]) {
          admitted++;
          tokens += usage[i];
          redis.incrby(counter, usage[i]);
        }
      }
      return new Burst(admitted, tokens);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Burst reserveSettleWave(
      BudgetStore store, Budget budget, long estimate, long[] usage) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<String>> checks = new ArrayList<>();
      for (int i = 0; i < usage.length; i++) {
        checks.add(
            pool.submit(
                () -> {
                  go.await();
                  String id = UUID.randomUUID().toString();
                  return store.reserve(id, List.of(budget), estimate)
                          instanceof ReserveResult.Admitted
                      ? id
                      : null;
                }));
      }
      go.countDown();
      String[] ids = new String[usage.length];
      for (int i = 0; i < usage.length; i++) {
        ids[i] = checks.get(i).get(30, TimeUnit.SECONDS);
      }
      // Every reserve has answered; now the responses end and settle.
      int admitted = 0;
      long tokens = 0;
      for (int i = 0; i < usage.length; i++) {
        if (ids[i] != null) {
          admitted++;
          tokens += usage[i];
          store.settle(ids[i], usage[i]);
        }
      }
      return new Burst(admitted, tokens);
    } finally {
      pool.shutdownNow();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Process startRedis(Path dir, int port, boolean aof) throws IOException {
    Files.createDirectories(dir);
    return new ProcessBuilder(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--dir",
            dir.toString(),
            "--appendonly",
            aof ? "yes" : "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--logfile",
            dir.resolve("redis.log").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.out").toFile())
        .start();
  }

  /** Resets Redis's own counters, and has it record commands over 500 µs and events over 1 ms. */
  private static void resetServerStats(int port) throws Exception {
    cli(port, "CONFIG", "SET", "slowlog-log-slower-than", "500");
    cli(port, "CONFIG", "SET", "latency-monitor-threshold", "1");
    cli(port, "CONFIG", "RESETSTAT");
    cli(port, "SLOWLOG", "RESET");
    cli(port, "LATENCY", "RESET");
  }

  /** One table row: calls and server-side µs per call of the busiest command, slowlog, events. */
  private static String serverStats(String row, int port) throws Exception {
    String busiest = "";
    long calls = 0;
    String usec = "";
    for (String line : cli(port, "INFO", "commandstats").lines().toList()) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      long c = Long.parseLong(field(line, "calls"));
      if (c > calls) {
        calls = c;
        busiest = name;
        usec = field(line, "usec_per_call");
      }
    }
    String slow = cli(port, "SLOWLOG", "LEN").strip();
    String events =
        cli(port, "--csv", "LATENCY", "LATEST").strip().replace("\n", "; ").replace("\"", "");
    return String.format(
        Locale.ROOT,
        "| %s | %,d %s | %s | %s | %s |%n",
        row,
        calls,
        busiest,
        usec,
        slow,
        events.isEmpty() ? "none" : events + " (event, time, latest ms, max ms)");
  }

  private static String field(String statLine, String name) {
    String key = name + "=";
    int at = statLine.indexOf(key, statLine.indexOf(':'));
    while (at > 0 && statLine.charAt(at - 1) != ',' && statLine.charAt(at - 1) != ':') {
      at = statLine.indexOf(key, at + 1);
    }
    if (at < 0) {
      return "";
    }
    int end = statLine.indexOf(',', at);
    return statLine.substring(at + key.length(), end < 0 ? statLine.length() : end).strip();
  }

  private static String cli(int port, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("redis-cli " + String.join(" ", args) + ": " + out);
    }
    return out;
  }

  private static void waitForRedis(String uri) throws InterruptedException, IOException {
    RedisClient client = RedisClient.create(uri);
    try {
      for (int i = 0; i < 200; i++) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
          c.sync().ping();
          return;
        } catch (RuntimeException e) {
          Thread.sleep(50);
        }
      }
      throw new IOException("redis-server did not start at " + uri);
    } finally {
      client.shutdown();
    }
  }
}
