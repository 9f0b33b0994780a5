package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.Rego;
import io.jrego.engine.value.Json;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.DecisionMapper;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The one place a Check hands its decision on: what the decision log and the tracer get. */
class DecisionRecordingTest {

  private static final String POLICY =
      """
      package envoy.authz

      default allow := false

      allow if input.attributes.request.http.method == "GET"
      """;

  private final PolicyHolder policies = new PolicyHolder();
  private final List<DecisionEvent> events = new CopyOnWriteArrayList<>();

  private AuthorizationService service(boolean dryRun) throws Exception {
    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder().module("p.rego", POLICY).compile(),
            "rev-9",
            "bundles/main",
            Instant.now()));
    AuthorizationService.Config config =
        AuthorizationService.Config.builder()
            .dryRun(dryRun)
            .evalTimeout(Duration.ofSeconds(30))
            .build();
    return new AuthorizationService(policies, new ServerMetrics(), config, events::add);
  }

  private static CheckRequest request(String method, String traceparent) {
    TestRequests.Http request = TestRequests.http(method, "/v1/models");
    if (traceparent != null) {
      request.header("traceparent", traceparent).header("tracestate", "vendor=abc");
    }
    return request.build();
  }

  @Test
  void eventCarriesTheDecisionIdEnvoyGetsAndWhatWasDecided() throws Exception {
    AuthorizationService s = service(false);
    CheckResponse response =
        RecordingObserver.check(
            s, request("GET", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    assertThat(events).hasSize(1);
    DecisionEvent e = events.get(0);
    assertThat(e.decisionId())
        .isEqualTo(
            response
                .getDynamicMetadata()
                .getFieldsOrThrow(DecisionMapper.DECISION_ID)
                .getStringValue());
    assertThat(e.path()).isEqualTo("envoy/authz/allow");
    assertThat(e.outcome()).isEqualTo("allow");
    assertThat(e.reason()).isEqualTo("policy");
    assertThat(e.result().map(Json::write)).contains("true");
    assertThat(e.input().map(Json::write).orElseThrow()).contains("\"method\":\"GET\"");
    assertThat(e.bundle().orElseThrow().revision()).isEqualTo("rev-9");
    assertThat(e.bundle().orElseThrow().name()).isEqualTo("bundles/main");
    assertThat(e.traceContext().traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(e.traceContext().parentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(e.traceContext().state()).isEqualTo("vendor=abc");
    assertThat(e.timings().evalNanos()).isPositive();
    assertThat(e.timings().inputNanos()).isPositive();
    assertThat(e.timings().totalNanos())
        .isGreaterThanOrEqualTo(e.timings().evalNanos() + e.timings().inputNanos());
    assertThat(e.error()).isEmpty();
  }

  @Test
  void dryRunLogsWhatWouldHaveHappened() throws Exception {
    AuthorizationService s = service(true);
    CheckResponse response = RecordingObserver.check(s, request("POST", null));
    assertThat(response.getStatus().getCode()).isZero(); // allowed, as dry-run answers
    DecisionEvent e = events.get(0);
    assertThat(e.dryRun()).isTrue();
    assertThat(e.reason()).isEqualTo("dry_run");
    assertThat(e.result().map(Json::write)).contains("false"); // the policy's own answer
    assertThat(e.traceContext().isPresent()).isFalse();
  }

  @Test
  void failedChecksAreRecordedWithTheirReason() throws Exception {
    AuthorizationService s =
        new AuthorizationService(
            new PolicyHolder(),
            new ServerMetrics(),
            AuthorizationService.Config.defaults(),
            events::add);
    RecordingObserver.check(s, request("GET", null));
    DecisionEvent e = events.get(0);
    assertThat(e.outcome()).isEqualTo("error");
    assertThat(e.reason()).isEqualTo("no_policy");
    assertThat(e.error().orElseThrow().message()).isEqualTo("no_policy: no policy is active");
    assertThat(e.bundle()).isEmpty();
  }

  @Test
  void aRecorderThatThrowsNeverReachesEnvoy() throws Exception {
    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder().module("p.rego", POLICY).compile(), "rev-9", "b", Instant.now()));
    AuthorizationService s =
        new AuthorizationService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)),
            e -> {
              throw new IllegalStateException("recorder broke");
            });
    assertThat(RecordingObserver.check(s, request("GET", null)).getStatus().getCode()).isZero();
  }
}
