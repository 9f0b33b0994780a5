package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.JregoServer;
import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RedisBudgetStore;
import io.jrego.server.budget.RedisServer;
import io.jrego.server.budget.Window;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The concurrency proof through the real Envoy: a burst of 200 requests at once on a budget
 * that fits 50 admits exactly 50, and the settled total equals what the model reported, with one
 * jrego on the embedded store, one jrego on a real {@code redis-server}, and three jrego replicas
 * sharing one Redis. With three, Envoy's jrego cluster lists all of them and balances each Check
 * and each ext_proc stream on its own, so a request is usually reserved by one replica and settled
 * by another.
 */
class BudgetReplicasEndToEndIT {

  private static final int BURST = 200;
  private static final int FITS = 50;

  /** Where the budgets live and how many jrego share them. */
  enum Topology {
    ONE_EMBEDDED(1, false),
    ONE_ON_REDIS(1, true),
    THREE_ON_REDIS(3, true);

    final int replicas;
    final boolean redis;

    Topology(int replicas, boolean redis) {
      this.replicas = replicas;
      this.redis = redis;
    }
  }

  private final HttpClient http = EnvoyRunner.http1().build();

  @ParameterizedTest
  @EnumSource(Topology.class)
  void aBurstAdmitsExactlyWhatFits_andSettlesWhatTheModelReported(Topology topology)
      throws Exception {
    Mesh mesh = Mesh.start(topology);
    try {
      burst(mesh);
      if (mesh.replicas.size() > 1) {
        assertEveryReplicaServed(mesh);
      }
    } finally {
      mesh.stop();
    }
  }

  private void burst(Mesh mesh) throws Exception {
    String run = UUID.randomUUID().toString();
    long estimate = 8 + 100; // the prompt's 8 tokens + max_tokens
    long limit = FITS * estimate;
    UsageUpstream upstream = mesh.upstream;
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
                          BudgetEndToEndIT.chat(
                              mesh.envoy.plainPort,
                              run,
                              limit,
                              BudgetEndToEndIT.body(stream, 100),
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
      assertThat(mesh.stores.getFirst().usage(b))
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
    BudgetStore.Usage u = BudgetEndToEndIT.settled(mesh.stores.getLast(), run, limit);
    assertThat(upstream.reported).hasSize(FITS);
    assertThat(u).isEqualTo(new BudgetStore.Usage(upstream.reportedTotal(), 0, FITS, 0));
  }

  /** Envoy spread the Checks and ext_proc streams over every replica. */
  private void assertEveryReplicaServed(Mesh mesh) throws Exception {
    String clusters =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + mesh.envoy.adminPort + "/clusters"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (JregoServer r : mesh.replicas) {
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

  /** Redis (when the topology uses it), the jrego replicas, the model and one Envoy in front. */
  private static final class Mesh {
    private RedisServer redis;
    private UsageUpstream upstream;
    private final List<BudgetStore> stores = new ArrayList<>();
    private final List<JregoServer> replicas = new ArrayList<>();
    private EnvoyRunner envoy;

    static Mesh start(Topology topology) throws Exception {
      Mesh m = new Mesh();
      try {
        m.open(topology);
        return m;
      } catch (Exception | Error e) {
        m.stop();
        throw e;
      }
    }

    private void open(Topology topology) throws Exception {
      String name = "budget-burst-" + topology.name().toLowerCase(java.util.Locale.ROOT);
      Path work = Files.createDirectories(EnvoyRunner.MODULE.resolve("target").resolve(name));
      Path bundle = Files.createDirectories(work.resolve("bundle"));
      Files.writeString(bundle.resolve("policy.rego"), BudgetEndToEndIT.POLICY);
      if (topology.redis) {
        Path data = work.resolve("redis");
        if (Files.exists(data)) {
          try (var files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
        redis = RedisServer.start(Files.createDirectories(data));
      }
      Path certs = Files.createDirectories(work.resolve("certs"));
      TestPki.forEnvoy(certs);
      upstream = new UsageUpstream();
      for (int i = 0; i < topology.replicas; i++) {
        BudgetStore s =
            topology.redis
                ? new RedisBudgetStore(
                    redis.uri(), Duration.ofSeconds(2), "jrego:budget:", LeasePolicy.DEFAULT)
                : new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 10_000);
        stores.add(s);
        replicas.add(
            InProcessJrego.serving(bundle).evalTimeout(Duration.ofSeconds(2)).budgets(s).start());
      }
      envoy =
          EnvoyRunner.start(
              name,
              replicas.getFirst().grpcPort(),
              upstream.port(),
              certs,
              s -> everyEndpoint(ExtProcEndToEndIT.PATIENT.apply(s)));
    }

    /** The jrego cluster (the first to name jrego's port) with one endpoint per replica. */
    private String everyEndpoint(String config) {
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
  }
}
