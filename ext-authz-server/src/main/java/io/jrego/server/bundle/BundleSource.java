package io.jrego.server.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.bundle.Bundle;
import java.time.Duration;
import java.util.Optional;

/** Where a served bundle comes from, polled for new versions. */
public sealed interface BundleSource
    permits LocalBundleSource, HttpBundleSource, NamedBundleSource {

  /** The folder, file or URL, for logs, {@code /ready} and metrics. */
  String name();

  /**
   * The bundle if it changed since the last call (the first call always reads it), else empty. A
   * version that fails is remembered too, so it is reported once, not on every poll.
   *
   * @throws BundleSourceException if it cannot be fetched, unpacked, parsed or verified
   */
  default Optional<Bundle> poll() throws BundleSourceException {
    return poll(null);
  }

  /**
   * {@link #poll()}, parsing the modules it reads through {@code modules} (null: each on its own),
   * so that the compile after it finds them parsed ({@link ModuleCache}).
   *
   * @throws BundleSourceException as {@link #poll()}
   */
  Optional<Bundle> poll(ModuleCache modules) throws BundleSourceException;

  /** How long to wait before the next poll. */
  Duration nextDelay();
}
