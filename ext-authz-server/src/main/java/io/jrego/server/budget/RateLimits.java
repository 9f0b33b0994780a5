package io.jrego.server.budget;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.RegoException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.budget.ReserveResult.Admitted;
import io.jrego.server.budget.ReserveResult.Rejected;
import io.jrego.server.budget.ReserveResult.Remaining;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Envoy's global rate-limit service ({@code envoy.service.ratelimit.v3.RateLimitService}) on the
 * token budgets: the optional mode for deployments that already run Envoy's rate-limit filter.
 * Socket-free.
 *
 * <p>Each descriptor of a {@code ShouldRateLimit} call is given to the policy's rule at {@code
 * path} as {@code input = {"domain": ..., "descriptor": {key: value, ...}, "entries": [[key,
 * value], ...], "hits": n}}; the rule answers the budgets that descriptor draws on, in the shape of
 * a decision's {@code budget.limits} (an array or set of {@code {key, window, limit_tokens,
 * limit_requests}}), usually from bundle data. Undefined or empty: the descriptor is not limited.
 * The descriptor's hits ({@code hits_addend} of the descriptor, else of the request, else 1) are
 * charged as tokens at once, only if they fit every budget (the reserve's rule, then settled); a
 * descriptor that does not fit is {@code OVER_LIMIT}, and so is the call. Descriptors are charged
 * one by one, in order: one that fits is charged even when a later one does not.
 *
 * <p>This charges before the answer is known, as the filter asks; it cannot reserve-then-settle,
 * which is why ext_authz + ext_proc is the primary mode.
 */
public final class RateLimits {

  private final BudgetGate gate;
  private final String path;

  /**
   * @param gate the budgets' store
   * @param path the rule that maps a descriptor to budgets, e.g. {@code envoy/ratelimit/limits}
   */
  public RateLimits(BudgetGate gate, String path) {
    this.gate = Objects.requireNonNull(gate);
    this.path = Objects.requireNonNull(path);
  }

  /** What a call failed on: the policy, or the store. */
  public static final class RateLimitException extends Exception {
    RateLimitException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Answers one {@code ShouldRateLimit} call with {@code policy}.
   *
   * @throws RateLimitException when the rule fails, answers a malformed budget, or the store cannot
   *     answer (Envoy's filter then applies its {@code failure_mode_deny})
   */
  public RateLimitResponse shouldRateLimit(PreparedPolicy policy, RateLimitRequest request)
      throws RateLimitException {
    RateLimitResponse.Builder out = RateLimitResponse.newBuilder().setOverallCode(Code.OK);
    Rejected worst = null;
    for (int i = 0; i < request.getDescriptorsCount(); i++) {
      RateLimitDescriptor d = request.getDescriptors(i);
      long hits =
          d.hasHitsAddend() ? d.getHitsAddend().getValue() : Math.max(1, request.getHitsAddend());
      List<Budget> budgets = budgets(policy, request.getDomain(), d, hits, i);
      if (budgets.isEmpty()) {
        out.addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK));
        continue;
      }
      ReserveResult r;
      try {
        r = gate.charge(budgets, hits);
      } catch (BudgetStoreException e) {
        throw new RateLimitException("budget_unavailable: " + e.getMessage(), e);
      }
      switch (r) {
        case Admitted a -> out.addStatuses(admitted(a));
        case Rejected x -> {
          out.setOverallCode(Code.OVER_LIMIT);
          out.addStatuses(rejected(x));
          if (worst == null || x.retryAfter().compareTo(worst.retryAfter()) > 0) {
            worst = x;
          }
        }
      }
    }
    if (worst != null) {
      long retry = Math.max(1, (worst.retryAfter().toMillis() + 999) / 1000);
      String kind = worst.limit().label();
      out.addResponseHeadersToAdd(header("retry-after", Long.toString(retry)))
          .addResponseHeadersToAdd(
              header("x-ratelimit-limit-" + kind, Long.toString(limitOf(worst))))
          .addResponseHeadersToAdd(
              header("x-ratelimit-remaining-" + kind, Long.toString(worst.remaining())))
          .addResponseHeadersToAdd(header("x-ratelimit-reset-" + kind, retry + "s"));
    }
    return out.build();
  }

  private List<Budget> budgets(
      PreparedPolicy policy, String domain, RateLimitDescriptor d, long hits, int index)
      throws RateLimitException {
    ObjectValue.Builder descriptor = new ObjectValue.Builder();
    List<Value> entries = new ArrayList<>(d.getEntriesCount());
    for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
      descriptor.put(e.getKey(), StringValue.of(e.getValue()));
      entries.add(ArrayValue.of(StringValue.of(e.getKey()), StringValue.of(e.getValue())));
    }
    Value input =
        new ObjectValue.Builder()
            .put("domain", StringValue.of(domain))
            .put("descriptor", descriptor.build())
            .put("entries", ArrayValue.of(entries))
            .put("hits", NumberValue.of(hits))
            .build();
    Optional<Value> limits;
    try {
      limits = policy.evaluate(path, input);
    } catch (RegoException e) {
      throw new RateLimitException("policy_error: " + path + ": " + e.getMessage(), e);
    }
    if (limits.isEmpty()) {
      return List.of();
    }
    Value wrapped =
        new ObjectValue.Builder()
            .put(
                "budget",
                new ObjectValue.Builder()
                    .put("estimate", NumberValue.of(hits))
                    .put("limits", limits.get())
                    .build())
            .build();
    try {
      Value l = limits.get();
      if ((l instanceof ArrayValue a && a.asList().isEmpty())
          || (l instanceof SetValue set && set.isEmpty())) {
        return List.of();
      }
      return BudgetPlan.of(wrapped).map(BudgetPlan::budgets).orElse(List.of());
    } catch (IllegalArgumentException e) {
      throw new RateLimitException(
          "invalid_decision: "
              + path
              + " for descriptor "
              + index
              + ": "
              + e.getMessage().replace("budget.limits", "limits"),
          e);
    }
  }

  private static DescriptorStatus.Builder admitted(Admitted a) {
    Remaining tightest = null;
    for (Remaining r : a.remaining()) {
      if (r.tokens() != Budget.UNLIMITED && (tightest == null || r.tokens() < tightest.tokens())) {
        tightest = r;
      }
    }
    DescriptorStatus.Builder s = DescriptorStatus.newBuilder().setCode(Code.OK);
    if (tightest != null) {
      s.setCurrentLimit(limit(tightest.budget(), tightest.budget().limitTokens()))
          .setLimitRemaining(clamp(tightest.tokens()))
          .setDurationUntilReset(duration(tightest.reset()));
    }
    return s;
  }

  private static DescriptorStatus.Builder rejected(Rejected x) {
    return DescriptorStatus.newBuilder()
        .setCode(Code.OVER_LIMIT)
        .setCurrentLimit(limit(x.budget(), limitOf(x)))
        .setLimitRemaining(clamp(x.remaining()))
        .setDurationUntilReset(duration(x.retryAfter()));
  }

  private static long limitOf(Rejected x) {
    return switch (x.limit()) {
      case TOKENS -> x.budget().limitTokens();
      case REQUESTS -> x.budget().limitRequests();
      case CONCURRENT -> x.budget().maxConcurrent();
    };
  }

  private static RateLimitResponse.RateLimit limit(Budget b, long perUnit) {
    return RateLimitResponse.RateLimit.newBuilder()
        .setName(b.key())
        .setRequestsPerUnit(clamp(perUnit))
        .setUnit(
            switch (b.window()) {
              case MINUTE -> RateLimitResponse.RateLimit.Unit.MINUTE;
              case HOUR -> RateLimitResponse.RateLimit.Unit.HOUR;
              case DAY -> RateLimitResponse.RateLimit.Unit.DAY;
            })
        .build();
  }

  private static int clamp(long n) {
    return (int) Math.min(Math.max(n, 0), 0xffff_ffffL); // a uint32 on the wire
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setKey(name).setValue(value).build();
  }
}
