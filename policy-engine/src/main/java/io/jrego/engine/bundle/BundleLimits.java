package io.jrego.engine.bundle;

/**
 * Limits on what a bundle may hold, checked while it is read, so that a hostile or mistaken bundle
 * is refused with an error naming the limit instead of exhausting the heap or the stack. The
 * defaults derive from the heap ({@link Runtime#maxMemory()}): a server keeps its active bundle
 * while it loads the next one, so each may take only a share of the heap.
 *
 * @param maxFiles most files (tar entries other than folders)
 * @param maxFileBytes largest single file, uncompressed
 * @param maxTotalBytes largest sum of all files, uncompressed; also bounds the compressed archive
 * @param maxModuleBytes largest sum of the bundle's Rego sources: compiling keeps about 50 times
 *     the source in the heap and allocates about 300 times it
 * @param maxDepth deepest nesting of arrays and objects in a data file
 * @param maxLoadBytes most bytes the loading thread may allocate while it reads, unpacks and parses
 *     one bundle (garbage included): parsed data takes 4 to 25 times its JSON text in the heap, so
 *     this, not the file sizes, is what bounds the memory a bundle takes
 */
public record BundleLimits(
    int maxFiles,
    long maxFileBytes,
    long maxTotalBytes,
    long maxModuleBytes,
    int maxDepth,
    long maxLoadBytes) {

  /** Nesting deeper than this in bundle data is refused (OPA's JSON reader allows 10,000). */
  public static final int DEFAULT_MAX_DEPTH = 1_000;

  public BundleLimits {
    if (maxFiles < 1
        || maxFileBytes < 1
        || maxTotalBytes < 1
        || maxModuleBytes < 1
        || maxDepth < 1
        || maxLoadBytes < 1) {
      throw new IllegalArgumentException("bundle limits must be positive");
    }
  }

  /** Sizes as given; Rego sources, depth and load memory as {@link #defaults()}. */
  public BundleLimits(int maxFiles, long maxFileBytes, long maxTotalBytes) {
    this(
        maxFiles,
        maxFileBytes,
        maxTotalBytes,
        defaults().maxModuleBytes(),
        DEFAULT_MAX_DEPTH,
        defaults().maxLoadBytes());
  }

  /** {@link #forHeap} of this JVM's maximum heap. */
  public static BundleLimits defaults() {
    return forHeap(Runtime.getRuntime().maxMemory());
  }

  /**
   * Limits for a heap of {@code maxHeapBytes}: a bundle may allocate a quarter of it while loading
   * and hold an eighth of it as files (each file a quarter of that), and Rego sources of 1/256 of
   * it, each at least 1 MiB; 10,000 files; nesting 1,000 deep. With the launcher's 512 MiB heap:
   * 128 MiB while loading, 64 MiB of files, 16 MiB a file, 2 MiB of Rego.
   */
  public static BundleLimits forHeap(long maxHeapBytes) {
    long total = Math.max(1L << 20, maxHeapBytes / 8);
    return new BundleLimits(
        10_000,
        Math.max(1L << 20, total / 4),
        total,
        Math.max(1L << 20, maxHeapBytes / 256),
        DEFAULT_MAX_DEPTH,
        Math.max(4L << 20, maxHeapBytes / 4));
  }
}
