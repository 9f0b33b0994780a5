package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.JregoServer;
import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RedisBudgetStore;
import io.jrego.server.budget.RedisServer;
import io.jrego.server.budget.Window;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three jrego replicas sharing one real {@code redis-server}, behind one Envoy whose jrego cluster
 * lists all three: Envoy balances each Check and each ext_proc stream on its own, so a request is
 * usually reserved by one replica and settled by another. A burst of 200 requests at once on a
 * budget that fits 50 admits exactly 50, and the settled total equals what the model reported.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetReplicasEndToEndTest {

  private static final int REPLICAS = 3;
  private static final int BURST = 200;
  private static final int FITS = 50;

  private RedisServer redis;
  private UsageUpstream upstream;
  private final List<BudgetStore> stores = new ArrayList<>();
  private final List<JregoServer> replicas = new ArrayList<>();
  private EnvoyRunner envoy;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  void start() throws Exception {
    Path work = Files.createDirectories(EnvoyRunner.MODULE.resolve("target/budget-replicas-e2e"));
    Path bundle = Files.createDirectories(work.resolve("bundle"));
    Files.writeString(bundle.resolve("policy.rego"), BudgetEndToEndTest.POLICY);
    Path data = work.resolve("redis");
    if (Files.exists(data)) {
      try (var files = Files.walk(data)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    redis = RedisServer.start(Files.createDirectories(data));
    Path certs = Files.createDirectories(work.resolve("certs"));
    TestPki pki = new TestPki();
    TestPki.writePem(certs, "ca", pki.ca());
    TestPki.writePem(certs, "server", pki.server());
    TestPki.writePem(certs, "envoy", pki.client("envoy", EnvoyEndToEndTest.ENVOY));
    upstream = new UsageUpstream();
    for (int i = 0; i < REPLICAS; i++) {
      BudgetStore s =
          new RedisBudgetStore(
              redis.uri(), Duration.ofSeconds(2), "jrego:budget:", LeasePolicy.DEFAULT);
      stores.add(s);
      replicas.add(BudgetEndToEndTest.startJrego(bundle, s));
    }
    int first = replicas.getFirst().grpcPort();
    envoy =
        EnvoyRunner.start(
            "budget-replicas-e2e",
            first,
            upstream.port(),
            certs,
            s -> threeEndpoints(ExtProcEndToEndTest.PATIENT.apply(s)));
  }

  /** The jrego cluster (the first to name jrego's port) with one endpoint per replica. */
  private String threeEndpoints(String config) {
    String one =
        """
                - endpoint:
                    address:
                      socket_address: { address: 127.0.0.1, port_value: %d }
        """;
    String endpoint = one.formatted(replicas.getFirst().grpcPort());
    assertThat(config).contains(endpoint);
    StringBuilder all = new StringBuilder();
    for (JregoServer r : replicas) {
      all.append(one.formatted(r.grpcPort()));
    }
    int at = config.indexOf(endpoint);
    return config.substring(0, at) + all + config.substring(at + endpoint.length());
  }

  @AfterAll
  void stop() throws Exception {
    if (envoy != null) {
      envoy.close();
    }
    for (JregoServer r : replicas) {
      r.shutdown();
    }
    stores.forEach(BudgetStore::close);
    if (upstream != null) {
      upstream.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aBurstOnThreeReplicasAdmitsExactlyWhatFits_andSettlesWhatTheModelReported()
      throws Exception {
    String run = UUID.randomUUID().toString();
    long estimate = 8 + 100; // the prompt's 8 tokens + max_tokens
    long limit = FITS * estimate;
    upstream.hold(); // admitted requests wait at the model until every answer is known
    AtomicInteger refused = new AtomicInteger();
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < BURST; i++) {
        boolean stream = i % 2 == 0;
        long completion = 40L + i % 90; // some under, some over the estimate
        answers.add(
            clients.submit(
                () -> {
                  HttpResponse<String> r =
                      http.send(
                          BudgetEndToEndTest.chat(
                              envoy.plainPort,
                              run,
                              limit,
                              BudgetEndToEndTest.body(stream, 100),
                              8,
                              completion),
                          HttpResponse.BodyHandlers.ofString());
                  if (r.statusCode() == 429) {
                    refused.incrementAndGet();
                  }
                  return r;
                }));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (upstream.arrived.get() + refused.get() < BURST && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      int admitted = upstream.arrived.get();
      assertThat(admitted + refused.get()).as("every request answered or held").isEqualTo(BURST);
      assertThat(admitted).isEqualTo(FITS);
      Budget b = Budget.tokens("run:" + run, Window.DAY, limit);
      assertThat(stores.getFirst().usage(b))
          .isEqualTo(new BudgetStore.Usage(0, FITS * estimate, FITS, FITS));
      upstream.release();
      for (Future<HttpResponse<String>> f : answers) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 429);
      }
    } finally {
      upstream.release();
      clients.shutdownNow();
    }
    BudgetStore.Usage u = BudgetEndToEndTest.settled(stores.get(1), run, limit);
    assertThat(upstream.reported).hasSize(FITS);
    assertThat(u).isEqualTo(new BudgetStore.Usage(upstream.reportedTotal(), 0, FITS, 0));
    // Envoy spread the Checks and ext_proc streams over all three replicas
    String clusters =
        http.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + envoy.adminPort + "/clusters"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (JregoServer r : replicas) {
      String prefix = "jrego::127.0.0.1:" + r.grpcPort() + "::rq_total::";
      long served =
          clusters
              .lines()
              .filter(l -> l.startsWith(prefix))
              .mapToLong(l -> Long.parseLong(l.substring(prefix.length())))
              .sum();
      assertThat(served).as("calls to the replica on port " + r.grpcPort()).isGreaterThan(20);
    }
  }
}
