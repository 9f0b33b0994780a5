package io.jrego.server.process;

import com.google.protobuf.ByteString;
import io.jrego.engine.value.ObjectValue;
import io.jrego.server.body.Redactions;
import io.jrego.server.decide.Outcome;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.PhaseDecision;
import java.util.List;
import java.util.Optional;

/**
 * What one ext_proc stream needs from the core that Check also uses: the policy as it was when the
 * stream began (both phases of a request see the same revision), which phase rules it defines, and
 * one evaluation per phase with its deadline, limits, metrics and error reasons.
 */
public interface PhaseRunner {

  /**
   * Builds a phase's input document before the deadline; a request that cannot be parsed throws.
   */
  @FunctionalInterface
  interface Input {
    ObjectValue build(long deadlineNanos) throws CheckException;
  }

  /** Whether a policy was active when the stream began. */
  boolean hasPolicy();

  /**
   * Whether the stream's policy defines the rule of {@code phase}; if not, the phase costs nothing.
   */
  boolean defines(Phase phase);

  /**
   * Whether the stream must be routed ({@link #route}) at its request headers before anything of it
   * is decided: routes are configured. A stream that begins with another message (Envoy's {@code
   * request_header_mode: SKIP}) is then refused, never passed unchecked.
   */
  default boolean routed() {
    return false;
  }

  /**
   * Picks the stream's policy at its request headers, before any {@link #defines}: empty when the
   * stream goes on (routed, or no routes configured), else the answer that ends it (no route takes
   * it: {@code unknown_workload}; its route's bundle is not active).
   *
   * @param identity what routing reads of the request ({@code InputMapper.identity})
   * @param input the whole input of the request headers, built only for a refusal's decision
   */
  default Optional<Outcome<PhaseDecision>> route(ObjectValue identity, Input input) {
    return Optional.empty();
  }

  /**
   * Whether evaluating {@code phase} is known to be cheap: the gRPC service then runs a message
   * that only needs that evaluation (and, at a body of at most {@link
   * ProcessStream#INLINE_BODY_BYTES}, its edit) where it arrives, without a hand-off to a check
   * thread ({@link ProcessStream#light}). False by default.
   */
  default boolean cheap(Phase phase) {
    return false;
  }

  /**
   * Takes what Envoy forwarded of Check's decision for this request ({@link CheckedDecision}),
   * before the request phase runs on {@code body}: when it applies, both phases read Check's
   * decision instead of evaluating it again; else they evaluate as without it. Ignored by default.
   */
  default void checked(CheckedDecision.Found found, ByteString body) {}

  /** Evaluates the rule of {@code phase} once. */
  Outcome<PhaseDecision> run(Phase phase, Input input);

  /**
   * Logs and counts a failure found after the decision (an edit that cannot apply, a body over the
   * limit or one that cannot be read), as the core counts its own.
   */
  void failed(Phase phase, CheckException error);

  /**
   * An SSE answer's response headers, held for its first judged text, were answered: {@code
   * totalNanos} after they arrived, {@code handlingNanos} of it spent handling the stream's
   * messages. Ignored by default.
   */
  default void headersHeld(long totalNanos, long handlingNanos) {}

  /** Counts what the scanner found in a phase, by type and action (never the values). */
  void found(Phase phase, List<Redactions.Hit> hits);
}
