package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.value.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimits} on the embedded store, without a socket: the policy decides, the store counts.
 */
class RateLimitsTest {

  /** Tenants' hourly token budgets from data; {@code model} adds a daily request budget. */
  static final String LIMITS =
      """
      package envoy.ratelimit

      import rego.v1

      limits contains {
      \t"key": sprintf("tenant:%s", [input.descriptor.tenant]),
      \t"window": "hour",
      \t"limit_tokens": data.tenants[input.descriptor.tenant].tokens_per_hour,
      } if data.tenants[input.descriptor.tenant]

      limits contains {
      \t"key": sprintf("model:%s", [input.descriptor.model]),
      \t"window": "day",
      \t"limit_tokens": 1000,
      } if input.descriptor.model

      # a budget with a window the store does not know
      fortnight := [{"key": "k", "window": "fortnight", "limit_tokens": 5}]

      # two answers for one complete rule: an evaluation error
      conflict := 1 if input.domain
      conflict := 2 if input.domain

      # echoes what a descriptor is given, as a budget key
      echo contains {
      \t"key": sprintf("%s|%s|%d", [input.domain, concat(",", [sprintf("%s=%s", e) | some e in input.entries]), input.hits]),
      \t"window": "minute",
      \t"limit_tokens": 1000,
      }

      nothing := []
      """;

  static final String DATA = "{\"tenants\": {\"acme\": {\"tokens_per_hour\": 100}}}";

  private final EmbeddedBudgetStore store = new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 1_000);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final BudgetGate gate = new BudgetGate(store, new BudgetMetrics(registry));
  private final PreparedPolicy policy = compile();

  private static PreparedPolicy compile() {
    try {
      return Rego.builder().module("ratelimit.rego", LIMITS).data(Json.parse(DATA)).compile();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private RateLimits at(String rule) {
    return new RateLimits(gate, "envoy/ratelimit/" + rule);
  }

  private static RateLimitDescriptor descriptor(String... keyValues) {
    RateLimitDescriptor.Builder d = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      d.addEntries(
          RateLimitDescriptor.Entry.newBuilder().setKey(keyValues[i]).setValue(keyValues[i + 1]));
    }
    return d.build();
  }

  private static RateLimitRequest request(int hits, RateLimitDescriptor... descriptors) {
    RateLimitRequest.Builder r = RateLimitRequest.newBuilder().setDomain("ai");
    for (RateLimitDescriptor d : descriptors) {
      r.addDescriptors(d);
    }
    return r.setHitsAddend(hits).build();
  }

  private long used(String key, Window window, long limit) throws Exception {
    return store.usage(Budget.tokens(key, window, limit)).used();
  }

  @Test
  void aDescriptorIsChargedItsHits_onTheBudgetTheRuleNames() throws Exception {
    RateLimitResponse r =
        at("limits").shouldRateLimit(policy, request(30, descriptor("tenant", "acme")));

    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    DescriptorStatus s = r.getStatuses(0);
    assertThat(s.getCode()).isEqualTo(Code.OK);
    assertThat(s.getCurrentLimit().getName()).isEqualTo("tenant:acme");
    assertThat(s.getCurrentLimit().getRequestsPerUnit()).isEqualTo(100);
    assertThat(s.getCurrentLimit().getUnit()).isEqualTo(RateLimitResponse.RateLimit.Unit.HOUR);
    assertThat(s.getLimitRemaining()).isEqualTo(70);
    assertThat(s.getDurationUntilReset().getSeconds()).isBetween(0L, 3600L);
    assertThat(used("tenant:acme", Window.HOUR, 100)).isEqualTo(30);
  }

  @Test
  void theRuleSeesDomainEntriesInOrderAndHits() throws Exception {
    RateLimitResponse r =
        at("echo").shouldRateLimit(policy, request(7, descriptor("tenant", "acme", "model", "m")));

    assertThat(r.getStatuses(0).getCurrentLimit().getName()).isEqualTo("ai|tenant=acme,model=m|7");
  }

  @Test
  void hitsComeFromTheDescriptor_elseTheRequest_elseOne() throws Exception {
    RateLimitDescriptor own =
        descriptor("tenant", "acme").toBuilder().setHitsAddend(UInt64Value.of(11)).build();
    at("limits").shouldRateLimit(policy, request(30, own));
    assertThat(used("tenant:acme", Window.HOUR, 100)).isEqualTo(11);

    at("limits").shouldRateLimit(policy, request(30, descriptor("tenant", "acme")));
    assertThat(used("tenant:acme", Window.HOUR, 100)).isEqualTo(41);

    at("limits").shouldRateLimit(policy, request(0, descriptor("tenant", "acme")));
    assertThat(used("tenant:acme", Window.HOUR, 100)).isEqualTo(42);
  }

  @Test
  void aDescriptorTheRuleDoesNotBudget_isOkAndUncounted() throws Exception {
    RateLimitResponse r =
        at("limits").shouldRateLimit(policy, request(30, descriptor("tenant", "unknown-tenant")));
    RateLimitResponse empty =
        at("nothing").shouldRateLimit(policy, request(30, descriptor("tenant", "acme")));

    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0)).isEqualTo(DescriptorStatus.newBuilder().setCode(Code.OK).build());
    assertThat(empty.getOverallCode()).isEqualTo(Code.OK);
    assertThat(used("tenant:acme", Window.HOUR, 100)).isZero();
  }

  @Test
  void hitsThatDoNotFit_areOverLimit_withTheBudgetAndRetryHeaders_andChargeNothing()
      throws Exception {
    at("limits").shouldRateLimit(policy, request(90, descriptor("tenant", "acme")));

    RateLimitResponse r =
        at("limits").shouldRateLimit(policy, request(20, descriptor("tenant", "acme")));

    assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    DescriptorStatus s = r.getStatuses(0);
    assertThat(s.getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(s.getCurrentLimit().getName()).isEqualTo("tenant:acme");
    assertThat(s.getCurrentLimit().getRequestsPerUnit()).isEqualTo(100);
    assertThat(s.getLimitRemaining()).isEqualTo(10);
    assertThat(s.getDurationUntilReset().getSeconds()).isBetween(0L, 3600L);
    Map<String, String> headers =
        r.getResponseHeadersToAddList().stream()
            .collect(Collectors.toMap(HeaderValue::getKey, HeaderValue::getValue));
    assertThat(headers)
        .containsEntry("x-ratelimit-limit-tokens", "100")
        .containsEntry("x-ratelimit-remaining-tokens", "10")
        .containsKeys("retry-after", "x-ratelimit-reset-tokens");
    assertThat(Long.parseLong(headers.get("retry-after"))).isBetween(1L, 3600L);
    assertThat(used("tenant:acme", Window.HOUR, 100)).isEqualTo(90);
  }

  @Test
  void oneDescriptorOverLimit_makesTheCallOverLimit_theOthersStatusesStayOk() throws Exception {
    at("limits").shouldRateLimit(policy, request(95, descriptor("tenant", "acme")));

    RateLimitResponse r =
        at("limits")
            .shouldRateLimit(
                policy, request(10, descriptor("model", "m"), descriptor("tenant", "acme")));

    assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(r.getStatusesList())
        .extracting(DescriptorStatus::getCode)
        .containsExactly(Code.OK, Code.OVER_LIMIT);
  }

  @Test
  void aMalformedBudget_failsNamingTheRuleTheDescriptorAndTheField() {
    assertThatThrownBy(
            () ->
                at("fortnight")
                    .shouldRateLimit(
                        policy, request(1, descriptor("a", "b"), descriptor("tenant", "acme"))))
        .isInstanceOf(RateLimits.RateLimitException.class)
        .hasMessageStartingWith("invalid_decision: envoy/ratelimit/fortnight for descriptor 0: ")
        .hasMessageContaining("window");
  }

  @Test
  void aRuleThatFailsToEvaluate_failsAsAPolicyErrorNamingTheRule() {
    assertThatThrownBy(
            () -> at("conflict").shouldRateLimit(policy, request(1, descriptor("a", "b"))))
        .isInstanceOf(RateLimits.RateLimitException.class)
        .hasMessageStartingWith("policy_error: envoy/ratelimit/conflict: ");
  }

  @Test
  void everyCallIsCountedByResult() throws Exception {
    at("limits").shouldRateLimit(policy, request(60, descriptor("tenant", "acme")));
    at("limits").shouldRateLimit(policy, request(60, descriptor("tenant", "acme")));
    at("nothing").shouldRateLimit(policy, request(60, descriptor("tenant", "acme")));
    assertThatThrownBy(
            () -> at("fortnight").shouldRateLimit(policy, request(1, descriptor("a", "b"))))
        .isInstanceOf(RateLimits.RateLimitException.class);
    assertThatThrownBy(
            () -> at("conflict").shouldRateLimit(policy, request(1, descriptor("a", "b"))))
        .isInstanceOf(RateLimits.RateLimitException.class);
    RateLimits.RateLimitException none = at("limits").noPolicy();

    assertThat(none).hasMessage("no_policy: no policy is active");
    assertThat(none.reason()).isEqualTo("no_policy");
    assertThat(calls("ok")).isEqualTo(2);
    assertThat(calls("over_limit")).isEqualTo(1);
    assertThat(calls("invalid_decision")).isEqualTo(1);
    assertThat(calls("policy_error")).isEqualTo(1);
    assertThat(calls("no_policy")).isEqualTo(1);
  }

  private double calls(String result) {
    return registry.get("jrego.budget.ratelimit.calls").tag("result", result).counter().count();
  }
}
