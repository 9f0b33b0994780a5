package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jrego.server.budget.RateLimits;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit} on jrego's gRPC port, backed
 * by the token budgets' store ({@link RateLimits}). A call without an active policy, whose rule
 * fails, or whose store cannot answer fails with {@code UNAVAILABLE} naming why: Envoy's rate-limit
 * filter then allows or refuses as its {@code failure_mode_deny} says.
 */
public final class RateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.ratelimit");

  private final PolicyHolder policies;
  private final RateLimits limits;

  public RateLimitService(PolicyHolder policies, RateLimits limits) {
    this.policies = Objects.requireNonNull(policies);
    this.limits = Objects.requireNonNull(limits);
  }

  @Override
  public void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> out) {
    Optional<ActivePolicy> policy = policies.current();
    if (policy.isEmpty()) {
      out.onError(Status.UNAVAILABLE.withDescription("no policy is active").asRuntimeException());
      return;
    }
    RateLimitResponse response;
    try {
      response = limits.shouldRateLimit(policy.get().policy(), request);
    } catch (RateLimits.RateLimitException e) {
      LOG.log(Level.WARNING, "rate limit: {0}", e.getMessage());
      out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
