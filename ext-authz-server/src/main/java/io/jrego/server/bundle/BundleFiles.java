package io.jrego.server.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import java.util.Optional;
import java.util.SortedMap;

/** The last step of every source's poll: files already read, loaded as one bundle. */
final class BundleFiles {

  private BundleFiles() {}

  /**
   * Loads {@code files} read from {@code name}, parsing their modules through {@code modules} when
   * there is a cache (null: each on its own).
   *
   * @throws BundleSourceException a refusal naming what is wrong, if the files are not a bundle
   */
  static Optional<Bundle> load(
      String name,
      boolean archive,
      SortedMap<String, byte[]> files,
      BundleLoader.Options options,
      ModuleCache modules)
      throws BundleSourceException {
    try {
      return Optional.of(
          BundleLoader.fromFiles(
              name, archive, files, modules == null ? options : options.withModules(modules)));
    } catch (BundleException e) {
      throw BundleSourceException.refused(e);
    }
  }
}
