package io.jrego.server.bundle;

import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A bundle folder or {@code .tar.gz} file, re-read when any file's size or modification time
 * changes (a poll of the file attributes, bounded by the bundle's file-count limit).
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
  public Optional<Bundle> poll() throws BundleSourceException {
    String now = fingerprint();
    if (now.equals(seen)) {
      return Optional.empty();
    }
    seen = now;
    try {
      return Optional.of(BundleLoader.load(path, options));
    } catch (BundleException e) {
      throw BundleSourceException.refused(e);
    }
  }

  @Override
  public Duration nextDelay() {
    return interval;
  }

  private String fingerprint() throws BundleSourceException {
    StringBuilder sb = new StringBuilder();
    try {
      if (!Files.isDirectory(path)) {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return a.size() + "@" + a.lastModifiedTime().toMillis();
      }
      try (Stream<Path> walk = Files.walk(path)) {
        walk.limit(options.limits().maxFiles() + 1L)
            .filter(Files::isRegularFile)
            .sorted()
            .forEach(
                p -> {
                  try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    sb.append(p).append(':').append(a.size()).append('@');
                    sb.append(a.lastModifiedTime().toMillis()).append('\n');
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      }
    } catch (IOException | UncheckedIOException e) {
      throw new BundleSourceException(
          BundleSourceException.FETCH, path + ": cannot read: " + e.getMessage(), e);
    }
    return sb.toString();
  }
}
