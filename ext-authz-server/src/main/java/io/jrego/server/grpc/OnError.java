package io.jrego.server.grpc;

/** What a check answers when the policy gives no usable decision. */
public enum OnError {
  /**
   * Fail the RPC with gRPC status UNKNOWN, the reason code in its description, as OPA-Envoy does:
   * Envoy then applies its {@code failure_mode_allow} and {@code status_on_error}.
   */
  GRPC_ERROR,
  /** Answer a denied response with the configured HTTP status, the reason code as its body. */
  DENY
}
