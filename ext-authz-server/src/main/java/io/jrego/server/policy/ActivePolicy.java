package io.jrego.server.policy;

import io.jrego.engine.PreparedPolicy;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The policy serving checks: an immutable snapshot, swapped as a whole.
 *
 * @param policy the compiled policy
 * @param revision the bundle's revision, empty when it has none; with several bundles, {@code
 *     name=revision} of each, comma-separated
 * @param source where it came from (a bundle folder), for logs and {@code /ready}; with several
 *     bundles their names, comma-separated
 * @param activatedAt when it became active
 * @param bundles each bundle compiled into {@code policy}, by name, with its revision (in the order
 *     they were configured)
 * @param decisions {@code policy}'s decisions prepared for evaluation, by path: filled before the
 *     activation with the paths the policy it replaces served ({@link Decisions#prepareAll}), then
 *     by the first call of each other path
 * @param facts what services know of {@code policy} ({@link PolicyFact}): computed by {@link
 *     PolicyHolder#activate} before it serves
 */
public record ActivePolicy(
    PreparedPolicy policy,
    String revision,
    String source,
    Instant activatedAt,
    Map<String, String> bundles,
    Decisions decisions,
    PolicyFacts facts) {
  public ActivePolicy {
    Objects.requireNonNull(policy);
    Objects.requireNonNull(revision);
    Objects.requireNonNull(source);
    Objects.requireNonNull(activatedAt);
    Objects.requireNonNull(bundles);
    Objects.requireNonNull(decisions);
    Objects.requireNonNull(facts);
  }

  /** A snapshot whose decisions and facts are not prepared yet. */
  public ActivePolicy(
      PreparedPolicy policy,
      String revision,
      String source,
      Instant activatedAt,
      Map<String, String> bundles) {
    this(policy, revision, source, activatedAt, bundles, new Decisions(policy), new PolicyFacts());
  }

  /** A policy from one bundle, named by {@code source}. */
  public static ActivePolicy oneBundle(
      PreparedPolicy policy, String revision, String source, Instant activatedAt) {
    return new ActivePolicy(policy, revision, source, activatedAt, Map.of(source, revision));
  }

  /** This snapshot serving {@code p} instead (a test wraps the compiled policy to watch it). */
  public ActivePolicy withPolicy(PreparedPolicy p) {
    return new ActivePolicy(p, revision, source, activatedAt, bundles);
  }

  /**
   * Prepares, for this policy, every decision {@code previous} prepared (the paths the policy it
   * replaces served): what the bundle thread does before activating it.
   */
  public void prepareLike(ActivePolicy previous) {
    decisions.prepareAll(previous.decisions().paths());
  }
}
