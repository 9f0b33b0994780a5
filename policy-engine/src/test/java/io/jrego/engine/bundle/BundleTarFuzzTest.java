package io.jrego.engine.bundle;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes the bundle reader with the bytes as the tar inside the gzip, so the fuzzer works on the
 * tar format (ustar, GNU long names, PAX headers), paths, the manifest, data files and modules.
 * Invariants: {@link BundleFuzzing}.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/engine/bundle/BundleTarFuzzTestInputs/tar/}.
 */
class BundleTarFuzzTest {

  @FuzzTest
  void tar(byte[] bytes) {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BundleFuzzing.load(gz.toByteArray());
  }
}
