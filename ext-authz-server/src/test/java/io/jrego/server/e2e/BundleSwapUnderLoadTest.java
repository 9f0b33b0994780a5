package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.server.JregoServer;
import io.jrego.server.bundle.BundleManager;
import io.jrego.server.bundle.HttpBundleSource;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The real gRPC server (Netty, a loopback socket) serving a bundle polled over HTTP, swapped from
 * revision r1 to r2 while clients send Checks, then offered a revision that does not compile.
 */
class BundleSwapUnderLoadTest {

  private static final int THREADS = 4;
  private static final int MAX_CALLS_PER_THREAD = 3_000;
  private static final int CALLS_BEFORE_SWAP = 300;
  private static final int CALLS_AFTER_SWAP = 500;
  private static final Duration LOAD_LIMIT = Duration.ofSeconds(90);

  /** The revision both injected headers name, or what was wrong with the answer. */
  private static String revisionOf(CheckResponse r) {
    if (r.getStatus().getCode() != Code.OK_VALUE) {
      return "status " + r.getStatus().getCode();
    }
    Map<String, String> h = new java.util.HashMap<>();
    for (HeaderValueOption o : r.getOkResponse().getHeadersList()) {
      h.put(o.getHeader().getKey(), o.getHeader().getValue());
    }
    String module = h.getOrDefault("x-revision", "none");
    String data = h.getOrDefault("x-data-revision", "none");
    return module.equals(data) ? module : "MIX " + module + "/" + data;
  }

  private static CheckRequest request(int i) {
    return TestRequests.get("/v1/models/" + i).host("api.example").build();
  }

  private static void waitFor(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void checks_seeOneRevisionOrTheOtherAcrossAHotSwapAndKeepTheLastGoodOne() throws Exception {
    PolicyHolder policies = new PolicyHolder();
    AtomicBoolean r2Active = new AtomicBoolean();
    List<BundleManager.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (BundleHttpServer bundles = new BundleHttpServer()) {
      bundles.serve(BundleHttpServer.revision("r1"), "e1");
      HttpBundleSource source =
          new HttpBundleSource(
              bundles.url(),
              BundleLoader.Options.defaults(),
              new HttpBundleSource.HttpOptions(
                  Duration.ofMillis(20),
                  Duration.ofMillis(40),
                  Duration.ofSeconds(5),
                  Optional.empty(),
                  Optional.empty()));
      try (BundleManager manager =
          new BundleManager(
              List.of(source),
              policies,
              EngineOptions.defaults(),
              e -> {
                events.add(e);
                // called after the swap: a check started from now on must see r2
                if (e instanceof BundleManager.Activated a && a.policy().revision().equals("r2")) {
                  r2Active.set(true);
                }
              })) {
        assertThat(manager.pollAll()).isTrue();
        try (JregoServer server =
            InProcessJrego.serving(policies)
                .server(s -> s.threads(THREADS).warmUp(Duration.ofSeconds(1)))
                .evalTimeout(Duration.ofSeconds(30))
                .start()) {
          manager.start();
          ManagedChannel ch =
              NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
          try {
            runLoadAcrossTheSwap(ch, bundles, r2Active);
            assertBrokenRevisionIsRefused(ch, bundles, manager, policies);
          } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          }
        }
      }
    }
    assertThat(events).filteredOn(e -> e instanceof BundleManager.Activated).hasSize(2);
  }

  private static void runLoadAcrossTheSwap(
      ManagedChannel ch, BundleHttpServer bundles, AtomicBoolean r2Active) throws Exception {
    AuthorizationGrpc.AuthorizationBlockingStub stub = AuthorizationGrpc.newBlockingStub(ch);
    Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger afterSwap = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> staleAfterSwap = new ConcurrentLinkedQueue<>();
    CountDownLatch warm = new CountDownLatch(THREADS);
    long deadline = System.nanoTime() + LOAD_LIMIT.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        done.add(
            pool.submit(
                () -> {
                  int after = 0;
                  for (int i = 0;
                      i < MAX_CALLS_PER_THREAD
                          && after < CALLS_AFTER_SWAP
                          && System.nanoTime() < deadline;
                      i++) {
                    if (i == CALLS_BEFORE_SWAP) {
                      warm.countDown();
                    }
                    boolean swapped = r2Active.get(); // read before the call is sent
                    try {
                      String rev =
                          revisionOf(
                              stub.withDeadlineAfter(10, TimeUnit.SECONDS).check(request(i)));
                      answers.computeIfAbsent(rev, k -> new AtomicInteger()).incrementAndGet();
                      if (swapped && !rev.equals("r2")) {
                        staleAfterSwap.add(rev);
                      }
                    } catch (StatusRuntimeException e) {
                      failures.add(e.getStatus().toString());
                    }
                    calls.incrementAndGet();
                    if (swapped) {
                      after++;
                      afterSwap.incrementAndGet();
                    }
                  }
                  warm.countDown(); // in case the loop ended early
                }));
      }
      assertThat(warm.await(60, TimeUnit.SECONDS))
          .as("every client sent its first checks")
          .isTrue();
      bundles.serve(BundleHttpServer.revision("r2"), "e2");
      for (Future<?> f : done) {
        f.get(LOAD_LIMIT.toSeconds() + 30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf(
        "swap under load: %d checks, %d after r2 was active, answers %s, failures %d%n",
        calls.get(), afterSwap.get(), answers, failures.size());
    assertThat(failures).as("failed RPCs").isEmpty();
    assertThat(answers.keySet()).as("every answer is all-r1 or all-r2").containsOnly("r1", "r2");
    assertThat(answers).containsKeys("r1", "r2");
    assertThat(answers.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(calls.get());
    assertThat(afterSwap.get()).as("checks sent once r2 was active").isPositive();
    assertThat(staleAfterSwap).as("answers other than r2 once r2 was active").isEmpty();
    assertThat(bundles.fetches()).as("bundles downloaded: r1 then r2").isEqualTo(2);
    assertThat(bundles.notModified()).as("polls answered 304").isPositive();
  }

  private static void assertBrokenRevisionIsRefused(
      ManagedChannel ch, BundleHttpServer bundles, BundleManager manager, PolicyHolder policies)
      throws Exception {
    bundles.serve(
        BundleHttpServer.bundle(
            "r3", "package envoy.authz\n\nallow := {\"allowed\": undefined_thing}\n"),
        "e3");
    waitFor("r3 to be refused", () -> manager.lastFailure().isPresent());
    assertThat(manager.lastFailure().orElseThrow().message())
        .contains("does not compile", "envoy/authz/policy.rego", "undefined_thing");
    assertThat(policies.current().map(ActivePolicy::revision)).contains("r2");
    AuthorizationGrpc.AuthorizationBlockingStub stub = AuthorizationGrpc.newBlockingStub(ch);
    Map<String, Integer> answers = new ConcurrentHashMap<>();
    for (int i = 0; i < 200; i++) {
      answers.merge(
          revisionOf(stub.withDeadlineAfter(10, TimeUnit.SECONDS).check(request(i))),
          1,
          Integer::sum);
    }
    System.out.printf("after the broken r3: answers %s%n", answers);
    assertThat(answers).containsOnly(Map.entry("r2", 200));
  }
}
