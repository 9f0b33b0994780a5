package io.jrego.engine.builtins.ai;

/**
 * What the guards' open-addressing tables ({@link InjectionModel}'s features, {@link WordIndex}'s
 * words) share: where a key's probe starts, and one bit per mix of the keys present, which answers
 * most absent keys without reading the larger table.
 */
final class KeyFilter {

  private final long[] bits;
  private final int shift;

  /** A filter of {@code 2^filterBits} bits (at least 64). */
  KeyFilter(int filterBits) {
    bits = new long[1 << (filterBits - 6)];
    shift = 64 - filterBits;
  }

  /** The slot where the probe for {@code key} starts in a table of {@code mask + 1} slots. */
  static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 29)) & mask;
  }

  void add(long key) {
    int bit = bit0(key);
    bits[bit >>> 6] |= 1L << bit;
  }

  /** False when {@code key} was never added; true when it may have been. */
  boolean mayHold(long key) {
    int bit = bit0(key);
    return (bits[bit >>> 6] & (1L << bit)) != 0;
  }

  /** {@link #mayHold} as 1 or 0, for a caller that combines it with other bits. */
  int bit(long key) {
    int bit = bit0(key);
    return (int) (bits[bit >>> 6] >>> bit) & 1;
  }

  private int bit0(long key) {
    return (int) ((key * 0xC2B2AE3D27D4EB4FL) >>> shift);
  }
}
