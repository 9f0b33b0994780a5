package io.jrego.server.decide;

import io.jrego.server.envoy.CheckException;

/**
 * How one evaluation ended, for the service to answer in its protocol.
 *
 * @param <R> the service's answer
 */
public sealed interface Outcome<R> {

  /** The policy decided; {@code answer} is what {@link Decider.Call#answer} made of it. */
  record Answered<R>(R answer, String decisionId) implements Outcome<R> {}

  /**
   * The request could not be parsed (reason {@code request_parse_error}): answered 400 with the
   * message, as OPA-Envoy answers it; no decision was made.
   */
  record ParseError<R>(CheckException error) implements Outcome<R> {}

  /**
   * No usable decision: no policy, an evaluation error, the deadline passed, an undefined decision
   * or one of the wrong shape, a bug. Answered as {@code --on-error} says.
   */
  record Failed<R>(CheckException error, String decisionId) implements Outcome<R> {}
}
