package io.jrego.server.grpc;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a connection to the gRPC port may hold one of {@code --max-connections}' slots ({@link
 * ConnectionLimit}) without using it; gRPC's Netty server enforces both.
 *
 * <p>A slot is taken when the connection is accepted. Without these deadlines a client that could
 * reach the port took every slot by opening connections and sending nothing (or finishing the
 * handshake and then nothing), and no other client got in until it let go.
 *
 * @param handshake from the accept to the client's first HTTP/2 SETTINGS frame, a TLS handshake
 *     included ({@code --handshake-timeout}; grpc-java's {@code handshakeTimeout}, whose default is
 *     2 minutes); then the connection is closed
 * @param idle how long a connection may stay open with no call in flight ({@code
 *     --connection-idle-timeout}; grpc-java's {@code maxConnectionIdle}); then the server sends
 *     GOAWAY and a PING, and closes the connection when the PING is answered, or 10 s later if it
 *     is not (a half-open connection). A client such as Envoy opens a new connection for its next
 *     call. At least one second, gRPC's floor
 */
public record ConnectionDeadlines(Duration handshake, Duration idle) {

  /** Ten seconds to finish a handshake, one minute without calls. */
  public static final ConnectionDeadlines DEFAULTS =
      new ConnectionDeadlines(Duration.ofSeconds(10), Duration.ofMinutes(1));

  /** Checks that both are positive and {@code idle} at least one second. */
  public ConnectionDeadlines {
    Objects.requireNonNull(handshake, "handshake");
    Objects.requireNonNull(idle, "idle");
    if (handshake.isNegative() || handshake.isZero()) {
      throw new IllegalArgumentException("--handshake-timeout must be positive: " + handshake);
    }
    if (idle.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "--connection-idle-timeout must be at least 1s (gRPC's floor): " + idle);
    }
  }
}
