package io.jrego.server.tls;

import java.time.Duration;

/**
 * How the gRPC port serves mutual TLS with SPIFFE X.509 SVIDs.
 *
 * @param source where the SVID, its key and the trust bundle come from, and come again when they
 *     change: files, or the SPIFFE Workload API
 * @param callers the SPIFFE IDs that may call; every other caller is refused before any policy
 * @param pollInterval how often files are checked for a rotation (the Workload API pushes them)
 */
public record TlsConfig(SvidSource source, AllowedCallers callers, Duration pollInterval) {

  /** Checks the interval. */
  public TlsConfig {
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("the SVID poll interval must be positive");
    }
  }
}
