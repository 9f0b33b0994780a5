package io.jrego.server.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * What an end-to-end test class has started (upstream, jrego, Envoy), closed in the reverse order
 * of {@link #add} by {@link #close()}: Envoy before the jrego it calls, jrego before the upstream.
 * A part that failed to start was never added, so a half-started class closes what it has.
 */
final class Running {

  private final List<AutoCloseable> parts = new ArrayList<>();

  /** Adds {@code part}, to be closed before everything added earlier; returns it. */
  <T extends AutoCloseable> T add(T part) {
    parts.add(part);
    return part;
  }

  /**
   * Closes every part, last added first, each even if an earlier close failed; throws the first
   * failure with the others suppressed.
   */
  void close() throws Exception {
    Exception first = null;
    for (AutoCloseable part : parts.reversed()) {
      try {
        part.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    parts.clear();
    if (first != null) {
      throw first;
    }
  }
}
