package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the bundle fuzz tests ({@link BundleArchiveFuzzTest}, {@link BundleTarFuzzTest}) check for
 * one archive: it loads or is refused with {@link BundleException} carrying a message; a loaded
 * bundle compiles or fails with {@link RegoException}; nothing else is thrown; it is done within
 * {@link #BOUND} of CPU time.
 */
final class BundleFuzzing {

  /** Far above what any input of the fuzzer's size takes; a loop or a blow-up passes it. */
  static final Duration BOUND = Duration.ofSeconds(5);

  /**
   * Times an input on the CPU time of the thread that runs it (all of the work runs on it), which a
   * loaded machine does not stretch as it does the wall clock.
   */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Small limits, so the limit paths are reachable with fuzzer-sized inputs. */
  private static final BundleLoader.Options OPTIONS =
      new BundleLoader.Options(
          new BundleLimits(64, 64 << 10, 256 << 10, 32 << 10, 64, 64L << 20), Optional.empty());

  private static boolean warm;

  private BundleFuzzing() {}

  /** Loads and compiles {@code archive}, a {@code .tar.gz}, checking the invariants. */
  static void load(byte[] archive) {
    if (!warm) { // loads (and, fuzzing, instruments) the reader before the first timed input
      SortedMap<String, byte[]> files = new TreeMap<>();
      files.put(".manifest", "{\"revision\": \"w\"}".getBytes(StandardCharsets.UTF_8));
      files.put("w/p.rego", "package w\np := data.w.v\n".getBytes(StandardCharsets.UTF_8));
      files.put("w/data.json", "{\"v\": [1]}".getBytes(StandardCharsets.UTF_8));
      loadUntimed(BundleWriter.toBytes(files));
      warm = true;
    }
    long start = THREADS.getCurrentThreadCpuTime();
    loadUntimed(archive);
    assertThat(Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - start)).isLessThan(BOUND);
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
