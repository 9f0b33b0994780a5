package io.jrego.engine.bundle;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the bundle reader with the bytes as the {@code .tar.gz} itself: gzip framing, CRC,
 * truncation, then everything {@link BundleTarFuzzTest} reaches. Invariants: {@link BundleFuzzing}.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/engine/bundle/BundleArchiveFuzzTestInputs/archive/}.
 */
class BundleArchiveFuzzTest {

  @FuzzTest
  void archive(byte[] bytes) {
    BundleFuzzing.load(bytes);
  }
}
