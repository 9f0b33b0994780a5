package io.jrego.server.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The SPIFFE Workload API on a Unix domain socket (SPIRE's agent: {@code
 * unix:///run/spire/sockets/agent.sock}), streaming this workload's X.509 SVID and trust bundle,
 * and a new one before each expires.
 *
 * @param socket the agent's socket
 * @param startTimeout how long {@code serve} waits at start for the first SVID before it gives up
 */
public record WorkloadApi(Path socket, Duration startTimeout) implements SvidSource {

  /** The environment variable SPIFFE libraries read the Workload API's address from. */
  public static final String ENDPOINT_VARIABLE = "SPIFFE_ENDPOINT_SOCKET";

  /** Checks the timeout. */
  public WorkloadApi {
    if (startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("the Workload API start timeout must be positive");
    }
  }

  /**
   * Parses an address as SPIFFE_ENDPOINT_SOCKET holds it: {@code unix:///path} or {@code
   * unix:/path} (an absolute path alone is taken too).
   *
   * @throws IllegalArgumentException for another scheme (the agent's {@code tcp://} is not
   *     supported: it has no peer attestation) or a relative path
   */
  public static WorkloadApi parse(String address, Duration startTimeout) {
    String path;
    if (address.startsWith("unix://")) {
      path = address.substring("unix://".length());
    } else if (address.startsWith("unix:")) {
      path = address.substring("unix:".length());
    } else if (address.contains("://")) {
      throw new IllegalArgumentException(
          "the SPIFFE Workload API address must be a Unix socket, unix:///path, got " + address);
    } else {
      path = address;
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(
          "the SPIFFE Workload API socket must be an absolute path (unix:///path), got " + address);
    }
    return new WorkloadApi(Path.of(path), startTimeout);
  }

  /** The address, as {@code unix:///path}. */
  public String address() {
    return "unix://" + socket;
  }

  /**
   * Checks that the socket exists and is a socket, for a clear error before anything starts.
   *
   * @throws SvidException naming the socket and what is wrong with it
   */
  void checkSocket() throws SvidException {
    if (!Files.exists(socket)) {
      throw new SvidException(
          address()
              + ": no such socket (is the SPIRE agent running, and its socket mounted into this"
              + " container?)");
    }
    if (Files.isDirectory(socket) || Files.isRegularFile(socket)) {
      throw new SvidException(address() + ": not a Unix socket");
    }
  }
}
