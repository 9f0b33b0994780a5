package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.jrego.engine.builtins.ai.TokenCounter;
import io.jrego.engine.testing.RepoRoot;
import io.jrego.engine.value.Json;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetMetrics;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.Window;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token budgets on the Check path, with the example bundle {@code
 * rego-policies/jrego-examples/token-budgets}: the policy computes keys, limits and the estimate,
 * the server reserves and answers 429 when a budget is spent.
 */
class BudgetCheckTest {

  private static final String CALLER = "spiffe://cluster.local/ns/ai/sa/orchestrator";

  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  // Half-way through a minute, and frozen: on the wall clock the test's checks and its read of the
  // minute window could fall in two different minutes.
  private static final long HALF_MINUTE = 1_780_000_000_000L / 60_000 * 60_000 + 30_000;

  private final BudgetStore store =
      new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 10_000, () -> HALF_MINUTE);
  private InProcessCheck check;
  private AuthorizationGrpc.AuthorizationBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    policies.activate(
        JregoServer.load(RepoRoot.path().resolve("rego-policies/jrego-examples/token-budgets")));
    AuthorizationService.Config config =
        AuthorizationService.Config.builder()
            .decisionPath("budget_example/allow")
            .evalTimeout(Duration.ofSeconds(30))
            .build();
    AuthorizationService service =
        new AuthorizationService(
            policies,
            metrics,
            config,
            Optional.of(new BudgetGate(store, new BudgetMetrics(metrics.registry()))));
    check = InProcessCheck.start(service, policies, 2);
    stub = AuthorizationGrpc.newBlockingStub(check.channel);
  }

  @AfterEach
  void stop() throws InterruptedException {
    check.close();
  }

  private static CheckRequest chat(String body) {
    return TestRequests.post("/v1/chat/completions").principal(CALLER).json(body).build();
  }

  private static Map<String, String> headers(Iterable<HeaderValueOption> hs) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (HeaderValueOption h : hs) {
      out.put(h.getHeader().getKey(), h.getHeader().getValue());
    }
    return out;
  }

  @Test
  void reservesThePolicysEstimateAndAnswers429WhenTheMinuteBudgetIsSpent() throws Exception {
    String body =
        "{\"model\":\"gpt-4o-mini\",\"max_tokens\":600,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the incident report.\"}]}";
    long prompt =
        TokenCounter.standard()
            .countMessages(
                Json.parse("[{\"role\":\"user\",\"content\":\"Summarise the incident report.\"}]"),
                "gpt-4o-mini");
    long estimate = prompt + 600;
    Budget minute =
        new Budget(
            "caller:" + CALLER + "/model:gpt-4o-mini", Window.MINUTE, 2000, Budget.UNLIMITED, 4);

    CheckResponse first = stub.check(chat(body));
    assertThat(first.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    Map<String, String> h = headers(first.getOkResponse().getResponseHeadersToAddList());
    assertThat(h).containsEntry("x-ratelimit-limit-tokens", "2000");
    assertThat(h).containsEntry("x-ratelimit-remaining-tokens", Long.toString(2000 - estimate));
    var meta =
        first.getDynamicMetadata().getFieldsOrThrow(BudgetGate.METADATA_KEY).getStructValue();
    assertThat(meta.getFieldsOrThrow("estimate").getNumberValue()).isEqualTo((double) estimate);
    assertThat(meta.getFieldsOrThrow("reservation_id").getStringValue())
        .isEqualTo(first.getDynamicMetadata().getFieldsOrThrow("decision_id").getStringValue());
    assertThat(store.usage(minute).reserved()).isEqualTo(estimate);

    int admitted = 1;
    CheckResponse last = first;
    for (int i = 0; i < 10 && last.getStatus().getCode() == Code.OK_VALUE; i++) {
      last = stub.check(chat(body));
      if (last.getStatus().getCode() == Code.OK_VALUE) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo((int) (2000 / estimate));
    assertThat(last.getDeniedResponse().getStatus().getCode())
        .isEqualTo(StatusCode.TooManyRequests);
    Map<String, String> denied = headers(last.getDeniedResponse().getHeadersList());
    assertThat(Long.parseLong(denied.get("retry-after"))).isBetween(1L, 60L);
    assertThat(denied)
        .containsEntry("x-ratelimit-limit-tokens", "2000")
        .containsEntry("x-ratelimit-remaining-tokens", Long.toString(2000 - admitted * estimate))
        .containsEntry("content-type", "application/json");
    assertThat(Json.parse(last.getDeniedResponse().getBody()))
        .isEqualTo(
            Json.parse(
                "{\"error\":{\"type\":\"rate_limit_exceeded\",\"message\":\"token budget of "
                    + CALLER
                    + " (team agents) is spent; retry later\"}}"));
    assertThat(metrics.scrape())
        .contains("jrego_budget_rejections_total{budget=\"caller:" + CALLER)
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"budget\",result=\"deny\",service=\"ext_authz\"}");
  }

  @Test
  void anUnknownCallerIsDeniedByThePolicyWithoutReserving() {
    CheckResponse r =
        stub.check(
            chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .toBuilder()
                .setAttributes(
                    chat("{}").getAttributes().toBuilder()
                        .setSource(
                            AttributeContext.Peer.newBuilder()
                                .setPrincipal("spiffe://cluster.local/ns/x/sa/stranger")))
                .build());
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getStatus().getCode()).isEqualTo(StatusCode.Forbidden);
    assertThat(metrics.scrape()).doesNotContain("jrego_budget_tokens_total{");
  }
}
