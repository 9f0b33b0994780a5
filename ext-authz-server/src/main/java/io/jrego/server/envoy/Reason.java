package io.jrego.server.envoy;

/**
 * Why a check did not end with the policy's own answer. Each code appears in error messages ({@code
 * "<code>: <detail>"}), in logs and as the {@code reason} label of the {@code jrego_checks_total}
 * metric, so the names are stable.
 */
public enum Reason {
  /** The request's path, query or body could not be parsed (answered 400, as OPA-Envoy does). */
  REQUEST_PARSE_ERROR("request_parse_error"),
  /** The decision document was undefined for this input. */
  UNDEFINED_DECISION("undefined_decision"),
  /** Evaluating the policy failed (conflict, builtin error in strict mode, a limit passed). */
  EVAL_ERROR("eval_error"),
  /**
   * The check (input mapping and evaluation together) outlived its deadline, {@code
   * --eval-timeout}.
   */
  TIMEOUT("timeout"),
  /** The decision has the wrong shape (for example {@code allowed} is not a boolean). */
  INVALID_DECISION("invalid_decision"),
  /** No policy is active yet (with routes: the route's bundle is not active yet). */
  NO_POLICY("no_policy"),
  /**
   * Routes are configured and none takes the request (its caller's SPIFFE ID and Envoy's {@code
   * context_extensions} match no route): refused with 403, never decided by another workload's
   * policy.
   */
  UNKNOWN_WORKLOAD("unknown_workload"),
  /**
   * A body (ext_proc: a request or buffered response body, an SSE event) is larger than {@code
   * --max-body-bytes}: answered 413 for a request, 502 for a response, never passed on uninspected.
   */
  BODY_TOO_LARGE("body_too_large"),
  /**
   * A body cannot be inspected: an encoding jrego does not read ({@code br}, {@code zstd}), corrupt
   * compressed data, a body that is not the JSON an edit needs.
   */
  BODY_ERROR("body_error"),
  /** The answer would exceed the configured maximum message size. */
  RESPONSE_TOO_LARGE("response_too_large"),
  /**
   * The decision asked for a token budget and the budget store could not answer (Redis unreachable,
   * or the embedded store full): the check fails closed, as {@code --on-error} says.
   */
  BUDGET_UNAVAILABLE("budget_unavailable"),
  /**
   * Refused before it was read, to keep requests within the heap: too many calls open, or too many
   * request bytes waiting for a check thread. Answered gRPC RESOURCE_EXHAUSTED (Envoy's {@code
   * failure_mode_allow} / {@code status_on_error} decide); a Check refused for the number of calls
   * is a 503 denial instead under {@code --on-error=deny}.
   */
  OVERLOADED("overloaded"),
  /**
   * The caller cancelled the call while its evaluation ran (Envoy's ext_authz timeout, a client
   * gone): a long evaluation ends at its next pacing point and frees its thread. Nobody receives
   * the answer.
   */
  CANCELLED("cancelled"),
  /** Anything else: a bug in jrego, or an {@code Error} such as a stack overflow. */
  INTERNAL("internal");

  private final String code;

  Reason(String code) {
    this.code = code;
  }

  /** The stable code, such as {@code undefined_decision}. */
  public String code() {
    return code;
  }
}
