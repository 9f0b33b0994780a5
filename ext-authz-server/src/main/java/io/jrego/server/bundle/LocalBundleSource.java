package io.jrego.server.bundle;

import io.jrego.engine.ModuleCache;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A bundle folder or {@code .tar.gz} file, read whole at every poll (within the bundle's limits)
 * and loaded when what was read differs from what was read last (a SHA-256 of the files' names and
 * bytes).
 *
 * <p>The decision and the load use the one read. Before, a poll looked at the files' sizes and
 * modification times, then read the files: a rewrite with the same size within the same millisecond
 * (or the file system's coarser clock) was never seen, and a bundle read while it was being
 * rewritten was refused under the attributes of the complete one, so the complete one was not
 * loaded until the files next changed (session 11 found the same race in the SVID files).
 */
public final class LocalBundleSource implements BundleSource {

  private final Path path;
  private final BundleLoader.Options options;
  private final Duration interval;
  private String seen;

  /**
   * @param path a folder or a tarball
   * @param options limits and verification
   * @param interval how often to look at the files
   */
  public LocalBundleSource(Path path, BundleLoader.Options options, Duration interval) {
    this.path = Objects.requireNonNull(path);
    this.options = Objects.requireNonNull(options);
    this.interval = Objects.requireNonNull(interval);
  }

  @Override
  public String name() {
    return path.toString();
  }

  @Override
  public Optional<Bundle> poll(ModuleCache modules) throws BundleSourceException {
    boolean archive = !Files.isDirectory(path);
    SortedMap<String, byte[]> files;
    try {
      files = BundleLoader.readFiles(path, options.limits());
    } catch (BundleException e) {
      if (e.getCause() instanceof IOException || !Files.exists(path)) { // tried at the next poll
        throw new BundleSourceException(BundleSourceException.FETCH, e.getMessage(), e);
      }
      // refused as read (over a limit, a broken archive): reported once until that changes
      String refusal = "refused: " + e.getMessage();
      if (refusal.equals(seen)) {
        return Optional.empty();
      }
      seen = refusal;
      throw BundleSourceException.refused(e);
    }
    String now = BundleDigest.of(files);
    if (now.equals(seen)) {
      return Optional.empty();
    }
    seen = now;
    return BundleFiles.load(path.toString(), archive, files, options, modules);
  }

  @Override
  public Duration nextDelay() {
    return interval;
  }
}
