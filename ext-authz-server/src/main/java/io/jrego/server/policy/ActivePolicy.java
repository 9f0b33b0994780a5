package io.jrego.server.policy;

import io.jrego.engine.PreparedPolicy;
import java.time.Instant;
import java.util.Objects;

/**
 * The policy serving checks: an immutable snapshot, swapped as a whole.
 *
 * @param policy the compiled policy
 * @param revision the bundle's revision, empty when it has none
 * @param source where it came from (a bundle folder), for logs and {@code /ready}
 * @param activatedAt when it became active
 */
public record ActivePolicy(
    PreparedPolicy policy, String revision, String source, Instant activatedAt) {
  public ActivePolicy {
    Objects.requireNonNull(policy);
    Objects.requireNonNull(revision);
    Objects.requireNonNull(source);
    Objects.requireNonNull(activatedAt);
  }
}
