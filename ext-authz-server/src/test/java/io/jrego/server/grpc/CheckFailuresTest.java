package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.value.Json;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 at the Check handler: a stack overflow in a check is answered (finding 2: a {@code
 * StackOverflowError} used to kill the thread, log about 1,000 lines and let Envoy's {@code
 * failure_mode_allow} pass the request; the {@link ErrorBoundary} around the call answers it now),
 * parse limits are answered 400 rather than {@code internal}, and one deadline covers the whole
 * check.
 */
class CheckFailuresTest {

  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private final LogCapture logged = new LogCapture("io.jrego.server.check");
  private InProcessCheck check;

  @AfterEach
  void tearDown() throws InterruptedException {
    logged.close();
    if (check != null) {
      check.close();
    }
  }

  private AuthorizationGrpc.AuthorizationBlockingStub start(
      AuthorizationService.Config config, PreparedPolicy policy) throws IOException {
    logged.attach();
    check = InProcessCheck.start(new AuthorizationService(policies, metrics, config), policies, 2);
    policies.activate(ActivePolicy.oneBundle(policy, "rev-1", "test", Instant.now()));
    return AuthorizationGrpc.newBlockingStub(check.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static CheckRequest request(Map<String, String> headers, String body) {
    return TestRequests.post("/v1/chat/completions").headers(headers).body(body).build();
  }

  private static String header(CheckResponse r, String name) {
    return r.getDeniedResponse().getHeadersList().stream()
        .map(HeaderValueOption::getHeader)
        .filter(h -> h.getKey().equals(name))
        .map(h -> h.getValue())
        .findFirst()
        .orElse("");
  }

  /** Recurses until the stack runs out: a policy (or a bug) that overflows the check thread. */
  private static int descend(int n) {
    return n == Integer.MAX_VALUE ? n : 1 + descend(n + 1);
  }

  /** The defaults with a deadline no cold first check on a busy machine can miss. */
  private static AuthorizationService.Config relaxed() {
    return AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30));
  }

  private static AuthorizationService.Config denyOnError() {
    return relaxed().withOnError(OnError.DENY, 403);
  }

  @Test
  void issue14_aStackOverflowIsDeniedCountedLoggedOnceAndTheThreadServesOn() throws Exception {
    var stub =
        start(
            denyOnError(),
            new FakePolicy(
                (path, input) ->
                    input.toString().contains("overflow")
                        ? Optional.of(Json.parse("" + descend(0)))
                        : Optional.of(Json.parse("true"))));
    for (int i = 0; i < 3; i++) { // more checks than threads: a dead thread would show
      CheckResponse r = stub.check(request(Map.of("x-case", "overflow"), ""));
      assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
      assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
      assertThat(header(r, "x-jrego-error")).isEqualTo("internal");
      assertThat(r.getDeniedResponse().getBody()).isEqualTo("internal");
    }
    assertThat(stub.check(request(Map.of(), "")).getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"internal\",result=\"error\",service=\"ext_authz\"} 3.0");
    assertThat(logged.records).hasSize(3);
    assertThat(logged.records)
        .allSatisfy(
            r -> {
              assertThat(r.getThrown()).isNull(); // one line, no stack trace
              assertThat(r.getMessage()).startsWith("check died by");
              assertThat(String.valueOf(r.getParameters()[0]))
                  .startsWith("java.lang.StackOverflowError");
            });
  }

  @Test
  void issue14_aStackOverflowFailsTheRpcInGrpcErrorMode() throws Exception {
    var stub =
        start(relaxed(), new FakePolicy((path, input) -> Optional.of(Json.parse("" + descend(0)))));
    assertThatThrownBy(() -> stub.check(request(Map.of(), "")))
        .hasMessage("INTERNAL: internal: StackOverflowError");
  }

  @Test
  void issue14_everyReasonsSeriesExistsBeforeTheFirstCheckWithIt() throws Exception {
    ServerMetrics fresh = new ServerMetrics();
    var unused =
        new ExternalProcessorService(
            policies, fresh, relaxed(), ExternalProcessorService.Config.defaults());
    var stub =
        start(denyOnError(), new FakePolicy((path, input) -> Optional.of(Json.parse("true"))));
    String series = "jrego_checks_total{phase=\"check\",reason=\"request_parse_error\",result=";
    assertThat(metrics.scrape())
        .contains(series + "\"deny\",service=\"ext_authz\"} 0.0")
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"timeout\",result=\"error\",service=\"ext_authz\"} 0.0",
            "jrego_checks_total{phase=\"check\",reason=\"overloaded\",result=\"error\",service=\"ext_authz\"} 0.0",
            "jrego_checks_total{phase=\"check\",reason=\"policy\",result=\"deny\",service=\"ext_authz\"} 0.0")
        .doesNotContain("service=\"ext_proc\"");
    assertThat(fresh.scrape())
        .contains(
            "jrego_checks_total{phase=\"response\",reason=\"body_too_large\",result=\"error\",service=\"ext_proc\"} 0.0",
            "jrego_checks_total{phase=\"stream\",reason=\"overloaded\",result=\"error\",service=\"ext_proc\"} 0.0")
        .doesNotContain("phase=\"stream\",reason=\"policy\"");

    stub.check(request(Map.of("content-type", "application/json"), "{\"n\": 1e100000000}"));

    assertThat(metrics.scrape()).contains(series + "\"deny\",service=\"ext_authz\"} 1.0");
  }

  @Test
  void issue14_requestsBeyondTheParseLimitsAreAnswered400NotInternal() throws Exception {
    var stub =
        start(denyOnError(), new FakePolicy((path, input) -> Optional.of(Json.parse("true"))));
    Map<String, String> json = Map.of("content-type", "application/json");
    for (String body :
        List.of(
            "[".repeat(5_000) + "]".repeat(5_000),
            "[".repeat(50_000) + "]".repeat(50_000),
            "{\"n\": 1e100000000}",
            "[" + "1".repeat(1_001) + "]")) {
      CheckResponse r = stub.check(request(json, body));
      assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(400);
      assertThat(r.getDeniedResponse().getBody()).startsWith("request_parse_error: invalid JSON");
    }
    CheckResponse form =
        stub.check(
            request(
                Map.of("content-type", "application/x-www-form-urlencoded"),
                "a=1" + "&a=1".repeat(10_000)));
    assertThat(form.getDeniedResponse().getBody())
        .isEqualTo("request_parse_error: number of URL query parameters exceeded limit");
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"request_parse_error\",result=\"deny\",service=\"ext_authz\"} 5.0")
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"internal\",result=\"error\",service=\"ext_authz\"} 0.0");
  }

  @Test
  void issue14_aCheckOutlivingItsDeadlineFailsWithReasonTimeout() throws Exception {
    PreparedPolicy slow =
        Rego.builder()
            .module(
                "slow.rego",
                """
                package envoy.authz
                default allow := false
                allow if count([1 | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000)]) < 0
                """)
            .compile();
    var stub = start(denyOnError().withEvalTimeout(Duration.ofMillis(50)), slow);
    CheckResponse r = stub.check(request(Map.of(), ""));
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(header(r, "x-jrego-error")).isEqualTo("timeout");
    assertThat(r.getStatus().getMessage())
        .isEqualTo("timeout: evaluation passed the check's deadline of 50 ms");
    assertThat(metrics.scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"timeout\",result=\"error\",service=\"ext_authz\"} 1.0");
  }
}
