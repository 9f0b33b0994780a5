package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.decide.LongEvaluations;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, the cpu-policy phase of the fault matrix: a check whose evaluation uses the quick
 * budget's CPU becomes a long one ({@link LongEvaluations}), is counted, still ends at its
 * deadline, and one that finds the long-evaluation slot taken and no place left to wait ends at
 * once with reason {@code overloaded}, leaving the check threads to cheap checks. A cheap check is
 * not counted.
 */
class LongEvaluationsCheckTest {

  /** Cheap when {@code input.attributes.request.http.path} is short; cubic in its length. */
  private static final String POLICY =
      """
      package envoy.authz
      default allow := false
      allow if not expensive
      expensive if {
        n := count(input.attributes.request.http.path)
        n > 100
        some i in numbers.range(1, n)
        some j in numbers.range(1, n)
        some k in numbers.range(1, n)
        i + j + k < 0
      }
      """;

  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private InProcessCheck check;
  private LongEvaluations pacing;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (check != null) {
      check.close();
    }
  }

  private AuthorizationGrpc.AuthorizationFutureStub start(int maxWaiting) throws Exception {
    return start(new LongEvaluations.Settings(Duration.ofMillis(5), 1, 25, maxWaiting), 4, 3);
  }

  private AuthorizationGrpc.AuthorizationFutureStub start(
      LongEvaluations.Settings settings, int threads, int deadlineSeconds) throws Exception {
    // no engine timeout of its own before the check's deadline
    PreparedPolicy policy =
        Rego.builder()
            .module("p.rego", POLICY)
            .options(EngineOptions.defaults().withTimeout(Duration.ofMinutes(5)))
            .compile();
    pacing = new LongEvaluations(settings);
    AuthorizationService.Config config =
        AuthorizationService.Config.defaults()
            .withEvalTimeout(Duration.ofSeconds(deadlineSeconds))
            .withOnError(OnError.DENY, 403)
            .withPacing(pacing);
    check =
        InProcessCheck.start(
            new AuthorizationService(policies, metrics, config),
            policies,
            threads,
            Duration.ofSeconds(1));
    policies.activate(ActivePolicy.oneBundle(policy, "rev-1", "test", Instant.now()));
    return AuthorizationGrpc.newFutureStub(check.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static CheckRequest request(String path) {
    return TestRequests.get(path).build();
  }

  private static String error(CheckResponse r) {
    return r.getDeniedResponse().getHeadersList().stream()
        .map(HeaderValueOption::getHeader)
        .filter(h -> h.getKey().equals("x-jrego-error"))
        .map(h -> h.getValue())
        .findFirst()
        .orElse("");
  }

  @Test
  void issue14_aCheapCheckIsNotPacedAndALongOneIsCountedAndStillEndsAtItsDeadline()
      throws Exception {
    var stub = start(4);
    CheckResponse cheap = stub.check(request("/v1/models")).get(30, TimeUnit.SECONDS);
    assertThat(cheap.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(metrics.scrape()).contains("jrego_long_evaluations_total 0.0");

    CheckResponse expensive =
        stub.check(request("/" + "x".repeat(3_000))).get(30, TimeUnit.SECONDS);
    assertThat(error(expensive)).isEqualTo("timeout");
    assertThat(metrics.scrape())
        .contains("jrego_long_evaluations_total 1.0")
        .contains("jrego_long_evaluations_running 0.0")
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"timeout\",result=\"error\",service=\"ext_authz\"} 1.0");
    assertThat(
            series(
                metrics.scrape(), "jrego_long_evaluations_cpu_seconds_total{part=\"candidate\"}"))
        .as("it became long after using the quick budget's CPU")
        .isGreaterThan(0);
    assertThat(series(metrics.scrape(), "jrego_long_evaluations_cpu_seconds_total{part=\"long\"}"))
        .as("and was paced until its deadline")
        .isGreaterThan(0);
  }

  private static double series(String scrape, String name) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no series " + name + " in\n" + scrape));
  }

  @Test
  void issue14_aDecisionThatWentLongIsRememberedUntilANewPolicyIsActivated() throws Exception {
    // a 2 s deadline: time enough to become long on a loaded machine, and the second check starts
    // well within the 10 s the decision is remembered
    var stub = start(new LongEvaluations.Settings(Duration.ofMillis(5), 1, 25, 1), 4, 2);
    String path = "/" + "x".repeat(3_000);
    for (int i = 0; i < 2; i++) {
      assertThat(error(stub.check(request(path)).get(30, TimeUnit.SECONDS))).isEqualTo("timeout");
    }
    assertThat(pacing.longTotal()).isEqualTo(2);
    assertThat(pacing.recalledTotal())
        .as("the second started on the shorter budget of a decision that went long")
        .isEqualTo(1);
    assertThat(metrics.scrape()).contains("jrego_long_evaluations_recalled_total 1.0");
    CheckResponse cheap = stub.check(request("/v1/models")).get(30, TimeUnit.SECONDS);
    assertThat(cheap.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(pacing.longTotal()).as("a cheap check of that decision is not paced").isEqualTo(2);

    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder()
                .module("p.rego", POLICY)
                .options(EngineOptions.defaults().withTimeout(Duration.ofMinutes(5)))
                .compile(),
            "rev-2",
            "test",
            Instant.now()));
    assertThat(error(stub.check(request(path)).get(30, TimeUnit.SECONDS))).isEqualTo("timeout");
    assertThat(pacing.longTotal()).isEqualTo(3);
    assertThat(pacing.recalledTotal()).as("a new policy remembers nothing").isEqualTo(1);
  }

  @Test
  void issue14_aLongCheckWithNoPlaceToWaitForTheSlotEndsAtOnceAsOverloaded() throws Exception {
    var stub = start(0);
    String path = "/" + "x".repeat(3_000);
    // two expensive checks at once on two of the four check threads: one holds the slot until
    // its 3 s deadline, the other finds it taken with no place to wait
    List<CompletableFuture<CheckResponse>> both =
        List.of(toFuture(stub.check(request(path))), toFuture(stub.check(request(path))));
    List<String> errors = both.stream().map(f -> error(f.join())).sorted().toList();
    assertThat(errors).containsExactly("overloaded", "timeout");
    assertThat(metrics.scrape())
        .contains("jrego_long_evaluations_total 2.0")
        .contains("jrego_long_evaluations_refused_total 1.0")
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"overloaded\",result=\"error\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void issue14_withThreadsOnTopForLongEvaluationsACheapCheckIsAnsweredWhileTheyHoldTheirs()
      throws Exception {
    // jrego serve's defaults (one slot, one waiting place) on one check thread for cheap checks
    // plus the ones long evaluations may hold, as ServeCommand sizes the pool
    LongEvaluations.Settings settings = LongEvaluations.Settings.defaults();
    // deadlines no test waits for: the server's shutdown (tearDown) interrupts them
    var stub = start(settings, 1 + settings.threadsHeld(), 120);
    String path = "/" + "x".repeat(3_000);
    List<CompletableFuture<CheckResponse>> expensive =
        List.of(toFuture(stub.check(request(path))), toFuture(stub.check(request(path))));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((pacing.running() < 1 || pacing.waiting() < 1) && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(pacing.running()).as("one long evaluation holds the slot").isEqualTo(1);
    assertThat(pacing.waiting()).as("and one waits for it").isEqualTo(1);

    CheckResponse cheap = stub.check(request("/v1/models")).get(30, TimeUnit.SECONDS);
    assertThat(cheap.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(expensive)
        .as("the cheap check was answered on its own thread, not after the long ones")
        .noneMatch(CompletableFuture::isDone);
    assertThat(pacing.running() + pacing.waiting()).isEqualTo(2);
  }

  private static <T> CompletableFuture<T> toFuture(
      com.google.common.util.concurrent.ListenableFuture<T> f) {
    CompletableFuture<T> out = new CompletableFuture<>();
    f.addListener(
        () -> {
          try {
            out.complete(f.get());
          } catch (Exception e) {
            out.completeExceptionally(e);
          }
        },
        Runnable::run);
    return out;
  }
}
