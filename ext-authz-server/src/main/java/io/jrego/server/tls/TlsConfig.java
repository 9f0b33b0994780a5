package io.jrego.server.tls;

import java.time.Duration;

/**
 * How the gRPC port serves mutual TLS with SPIFFE X.509 SVIDs.
 *
 * @param files where the SVID, its key and the trust bundle are read, and re-read when they change
 * @param callers the SPIFFE IDs that may call; every other caller is refused before any policy
 * @param pollInterval how often the files are checked for a rotation
 */
public record TlsConfig(SvidFiles files, AllowedCallers callers, Duration pollInterval) {

  /** Checks the interval. */
  public TlsConfig {
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("the SVID poll interval must be positive");
    }
  }
}
