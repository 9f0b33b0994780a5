package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jrego.engine.EngineOptions;
import io.jrego.engine.RegoException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes the bundle reader: gzip, tar headers (ustar, GNU long names, PAX), paths, the manifest,
 * data files and modules, then compiling what loaded. Invariants: an archive loads or is refused
 * with {@link BundleException} carrying a message; a loaded bundle compiles or fails with {@link
 * RegoException}; nothing else is thrown; each input is done within {@link #BOUND}. {@code archive}
 * takes the bytes as the {@code .tar.gz} itself (gzip framing, CRC, truncation); {@code tar} gzips
 * them first, so the fuzzer works on the tar format and the files inside.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/engine/bundle/BundleArchiveFuzzTestInputs/}.
 */
class BundleArchiveFuzzTest {

  /** Far above what any input of the fuzzer's size takes; a loop or a blow-up passes it. */
  static final Duration BOUND = Duration.ofSeconds(5);

  /** Small limits, so the limit paths are reachable with fuzzer-sized inputs. */
  private static final BundleLoader.Options OPTIONS =
      new BundleLoader.Options(
          new BundleLimits(64, 64 << 10, 256 << 10, 32 << 10, 64, 64L << 20), Optional.empty());

  @FuzzTest
  void archive(byte[] bytes) {
    load(bytes);
  }

  @FuzzTest
  void tar(byte[] bytes) {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    load(gz.toByteArray());
  }

  private static boolean warm;

  private static void load(byte[] archive) {
    if (!warm) {
      SortedMap<String, byte[]> files = new TreeMap<>();
      files.put(".manifest", "{\"revision\": \"w\"}".getBytes(StandardCharsets.UTF_8));
      files.put("w/p.rego", "package w\np := data.w.v\n".getBytes(StandardCharsets.UTF_8));
      files.put("w/data.json", "{\"v\": [1]}".getBytes(StandardCharsets.UTF_8));
      loadUntimed(BundleWriter.toBytes(files));
      warm = true;
    }
    long start = System.nanoTime();
    loadUntimed(archive);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
  }

  private static void loadUntimed(byte[] archive) {
    Bundle bundle;
    try {
      bundle = BundleLoader.read("fuzz.tar.gz", archive, OPTIONS);
    } catch (BundleException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    try {
      bundle.compile(EngineOptions.defaults());
    } catch (RegoException e) {
      assertThat(e.errors()).isNotEmpty();
    }
  }
}
