package io.jrego.engine.bundle;

/**
 * Limits on what a bundle may hold, checked while an archive is read so that a hostile one cannot
 * exhaust memory.
 *
 * @param maxFiles most files (tar entries other than folders)
 * @param maxFileBytes largest single file, uncompressed
 * @param maxTotalBytes largest sum of all files, uncompressed; also bounds the compressed archive
 */
public record BundleLimits(int maxFiles, long maxFileBytes, long maxTotalBytes) {

  public BundleLimits {
    if (maxFiles < 1 || maxFileBytes < 1 || maxTotalBytes < 1) {
      throw new IllegalArgumentException("bundle limits must be positive");
    }
  }

  /** 10,000 files, 128 MiB a file, 512 MiB in all. */
  public static BundleLimits defaults() {
    return new BundleLimits(10_000, 128L << 20, 512L << 20);
  }
}
