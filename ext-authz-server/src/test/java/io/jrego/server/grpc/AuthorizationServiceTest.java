package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuthorizationServiceTest {

  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private final AtomicReference<Value> lastInput = new AtomicReference<>();
  private InProcessCheck check;
  private Duration grace = Duration.ofSeconds(5);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() throws InterruptedException {
    if (check != null) {
      check.close();
    }
    pool.shutdownNow();
  }

  private AuthorizationGrpc.AuthorizationBlockingStub start(
      AuthorizationService.Config config, FakePolicy.Decide decide, boolean activate)
      throws IOException {
    AuthorizationService service = new AuthorizationService(policies, metrics, config);
    check = InProcessCheck.start(service, policies, 2, grace);
    if (activate) {
      activate(decide);
    }
    return AuthorizationGrpc.newBlockingStub(check.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private void activate(FakePolicy.Decide decide) {
    FakePolicy.Decide recording =
        (path, input) -> {
          lastInput.set(input);
          return decide.decide(path, input);
        };
    policies.activate(
        ActivePolicy.oneBundle(new FakePolicy(recording), "rev-1", "test", Instant.now()));
  }

  /** The defaults with a deadline no cold first check on a busy machine can miss. */
  private static AuthorizationService.Config relaxed() {
    return AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30));
  }

  private AuthorizationGrpc.AuthorizationBlockingStub start(FakePolicy.Decide decide)
      throws IOException {
    return start(relaxed(), decide, true);
  }

  private static CheckRequest request(String path) {
    return TestRequests.get(path).principal("spiffe://cluster.local/ns/ai/sa/orchestrator").build();
  }

  @Test
  void check_allowsWithHeadersAndPassesTheInputAtTheDecisionPath() throws Exception {
    AtomicReference<String> seenPath = new AtomicReference<>();
    var stub =
        start(
            (path, input) -> {
              seenPath.set(path);
              return Optional.of(
                  Json.parse("{\"allowed\": true, \"headers\": {\"x-jrego-caller\": \"me\"}}"));
            });
    CheckResponse r = stub.check(request("/v1/models?x=1"));
    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(r.getOkResponse().getHeaders(0).getHeader().getValue()).isEqualTo("me");
    assertThat(r.getDynamicMetadata().getFieldsOrThrow("decision_id").getStringValue())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(seenPath.get()).isEqualTo("envoy/authz/allow");
    ObjectValue input = (ObjectValue) lastInput.get();
    assertThat(input.get("parsed_path")).contains(Json.parse("[\"v1\",\"models\"]"));
    assertThat(input.get("parsed_query")).contains(Json.parse("{\"x\":[\"1\"]}"));
    assertThat(((ObjectValue) input.get("spiffe").orElseThrow()).get("service_account"))
        .contains(StringValue.of("orchestrator"));
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"policy\",result=\"allow\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void check_decisionIdsAreFreshPerCheck() throws Exception {
    var stub = start((path, input) -> Optional.of(Json.parse("true")));
    String a =
        stub.check(request("/"))
            .getDynamicMetadata()
            .getFieldsOrThrow("decision_id")
            .getStringValue();
    String b =
        stub.check(request("/"))
            .getDynamicMetadata()
            .getFieldsOrThrow("decision_id")
            .getStringValue();
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void check_deniesWithThePolicysStatusBodyAndHeaders() throws Exception {
    var stub =
        start(
            (path, input) ->
                Optional.of(
                    Json.parse(
                        "{\"allowed\": false, \"http_status\": 429, \"body\": \"slow down\","
                            + " \"headers\": {\"retry-after\": \"5\"}}")));
    CheckResponse r = stub.check(request("/"));
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.TooManyRequests);
    assertThat(r.getDeniedResponse().getBody()).isEqualTo("slow down");
    assertThat(r.getDeniedResponse().getHeaders(0).getHeader().getKey()).isEqualTo("retry-after");
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"policy\",result=\"deny\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void check_answersAParseErrorWith400AndNoDecisionId() throws Exception {
    var stub = start((path, input) -> Optional.of(Json.parse("true")));
    CheckResponse r = stub.check(request("/a%zz"));
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getStatus().getMessage())
        .isEqualTo("request_parse_error: invalid URL escape \"%zz\"");
    assertThat(r.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.BadRequest);
    assertThat(r.getDeniedResponse().getBody()).isEqualTo(r.getStatus().getMessage());
    assertThat(r.hasDynamicMetadata()).isFalse();
    assertThat(lastInput.get()).isNull();
  }

  @Test
  void check_failsWithUnknownOnAnUndefinedDecision() throws Exception {
    var stub = start((path, input) -> Optional.empty());
    assertThatThrownBy(() -> stub.check(request("/")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("undefined_decision: undefined decision");
            });
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"undefined_decision\",result=\"error\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void check_failsWithUnknownOnEvalErrorsAndBadShapes() throws Exception {
    AtomicReference<Integer> mode = new AtomicReference<>(0);
    var stub =
        start(
            (path, input) -> {
              if (mode.get() == 0) {
                throw new RegoException(
                    RegoError.of(
                        RegoError.EVAL_CONFLICT,
                        "complete rules must not produce multiple outputs"));
              }
              if (mode.get() == 1) {
                return Optional.of(Json.parse("{\"allowed\": \"yes\"}"));
              }
              throw new IllegalStateException("boom");
            });
    assertThatThrownBy(() -> stub.check(request("/")))
        .hasMessageContaining("UNKNOWN: eval_error: eval_conflict_error: complete rules");
    mode.set(1);
    assertThatThrownBy(() -> stub.check(request("/")))
        .hasMessageContaining(
            "UNKNOWN: invalid_decision: expected allowed to be of type 'boolean'");
    mode.set(2);
    assertThatThrownBy(() -> stub.check(request("/")))
        .hasMessageContaining("UNKNOWN: internal: java.lang.IllegalStateException: boom");
  }

  @Test
  void check_onErrorDenyAnswersTheConfiguredStatus() throws Exception {
    var config = AuthorizationService.Config.builder().onError(OnError.DENY, 503).build();
    var stub = start(config, (path, input) -> Optional.empty(), true);
    CheckResponse r = stub.check(request("/"));
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
    assertThat(r.getDeniedResponse().getBody()).isEqualTo("undefined_decision");
    assertThat(r.getDynamicMetadata().getFieldsMap()).containsKey("decision_id");
  }

  @Test
  void check_dryRunAllowsADeny() throws Exception {
    var config = AuthorizationService.Config.builder().dryRun(true).build();
    var stub = start(config, (path, input) -> Optional.of(Json.parse("false")), true);
    assertThat(stub.check(request("/")).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"dry_run\",result=\"allow\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void check_refusesAResponseLargerThanTheSendLimit() throws Exception {
    var config = AuthorizationService.Config.builder().maxSendBytes(100).build();
    var stub =
        start(
            config,
            (path, input) ->
                Optional.of(
                    new ObjectValue.Builder()
                        .put("allowed", Json.parse("false"))
                        .put("body", StringValue.of("x".repeat(200)))
                        .build()),
            true);
    assertThatThrownBy(() -> stub.check(request("/"))).hasMessageContaining("response_too_large");
  }

  @Test
  void check_withoutAPolicyFails() throws Exception {
    var stub = start(relaxed(), (p, i) -> Optional.empty(), false);
    assertThatThrownBy(() -> stub.check(request("/"))).hasMessageContaining("no_policy");
  }

  @Test
  void health_isNotServingUntilAPolicyIsActiveThenServingUntilShutdown() throws Exception {
    start(relaxed(), (p, i) -> Optional.of(Json.parse("true")), false);
    var health = HealthGrpc.newBlockingStub(check.channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    HealthCheckRequest all = HealthCheckRequest.getDefaultInstance();
    HealthCheckRequest authz =
        HealthCheckRequest.newBuilder().setService(AuthorizationGrpc.SERVICE_NAME).build();
    assertThat(health.check(all).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(health.check(authz).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    activate((p, i) -> Optional.of(Json.parse("true")));
    assertThat(health.check(all).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(authz).getStatus()).isEqualTo(ServingStatus.SERVING);
    // Watchers see the terminal NOT_SERVING before the server goes away.
    var watcher = HealthGrpc.newBlockingStub(check.channel).watch(all);
    assertThat(watcher.next().getStatus()).isEqualTo(ServingStatus.SERVING);
    Future<?> stopping = pool.submit(check.server::shutdown);
    assertThat(watcher.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    stopping.get(10, TimeUnit.SECONDS);
    assertThat(check.server.draining()).isTrue();
  }

  @Test
  void shutdown_finishesACheckInFlightAndRefusesNewOnes() throws Exception {
    // the check in flight must outlast the test's look, however slow: the grace period and its
    // hold end only when the test releases it
    grace = Duration.ofMinutes(2);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    var stub =
        start(
            (path, input) -> {
              if (!input.toString().contains("\"slow\"")) {
                return Optional.of(Json.parse("true"));
              }
              entered.countDown();
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.of(Json.parse("true"));
            });
    Future<CheckResponse> inFlight =
        pool.submit(() -> stub.withDeadlineAfter(60, TimeUnit.SECONDS).check(request("/slow")));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    Future<?> stopping = pool.submit(check.server::shutdown);
    // The server stops accepting calls while the first one is still running.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!check.server.draining() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    StatusRuntimeException refused = null;
    while (refused == null && System.nanoTime() < deadline) {
      try {
        AuthorizationGrpc.newBlockingStub(check.channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(request("/new"));
        Thread.sleep(10);
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(stopping.isDone()).isFalse();
    release.countDown();
    assertThat(inFlight.get(30, TimeUnit.SECONDS).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    stopping.get(30, TimeUnit.SECONDS);
  }
}
