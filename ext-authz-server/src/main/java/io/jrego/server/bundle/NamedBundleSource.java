package io.jrego.server.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.bundle.Bundle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A source under a name of its own, as OPA names each bundle in its {@code bundles} configuration:
 * the name routes refer to, and the one in {@code /ready}, metrics and decision logs.
 */
public final class NamedBundleSource implements BundleSource {

  private final String name;
  private final BundleSource source;

  /**
   * @throws IllegalArgumentException if {@code name} is empty or holds {@code ,} or {@code =} (they
   *     separate bundles in a combined revision)
   */
  public NamedBundleSource(String name, BundleSource source) {
    if (name.isBlank() || name.contains(",") || name.contains("=")) {
      throw new IllegalArgumentException(
          "a bundle name must not be empty nor hold ',' or '=', got '" + name + "'");
    }
    this.name = name;
    this.source = Objects.requireNonNull(source);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<Bundle> poll(ModuleCache modules) throws BundleSourceException {
    try {
      return source.poll(modules);
    } catch (BundleSourceException e) {
      throw new BundleSourceException(e.reason(), name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Duration nextDelay() {
    return source.nextDelay();
  }
}
