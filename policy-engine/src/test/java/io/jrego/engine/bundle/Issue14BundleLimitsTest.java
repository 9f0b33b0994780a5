package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.testing.HostileTarballs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, finding 6: a 490 KB gzip bomb and a 120 MiB {@code data.json} passed the size limits
 * (128 MiB a file, 512 MiB in all) and then exhausted the 512 MiB heap; a 100,000-deep {@code
 * data.json} overflowed the stack. Limits now derive from the heap, nesting is checked before
 * anything recursive reads the data, and what parsing allocates is metered as it goes.
 */
class Issue14BundleLimitsTest {

  private static final long HEAP = 512L << 20; // the launcher's heap
  private static final BundleLoader.Options AT_512 =
      new BundleLoader.Options(BundleLimits.forHeap(HEAP), Optional.empty());
  private static final String MANIFEST = "{\"revision\":\"x\",\"roots\":[\"a\"]}";

  @TempDir Path dir;

  @Test
  void issue14_defaultsDeriveFromTheHeap() {
    BundleLimits l = BundleLimits.forHeap(HEAP);
    assertThat(l.maxTotalBytes()).isEqualTo(64L << 20);
    assertThat(l.maxFileBytes()).isEqualTo(16L << 20);
    assertThat(l.maxModuleBytes()).isEqualTo(2L << 20);
    assertThat(l.maxLoadBytes()).isEqualTo(128L << 20);
    assertThat(l.maxDepth()).isEqualTo(1_000);
    assertThat(BundleLimits.defaults())
        .isEqualTo(BundleLimits.forHeap(Runtime.getRuntime().maxMemory()));
  }

  @Test
  void issue14_theGzipBombIsRefusedAtItsFirstEntry() throws Exception {
    HostileTarballs bomb = new HostileTarballs().file(".manifest", MANIFEST);
    for (int i = 0; i < 4; i++) {
      bomb.entry("a/x" + i + "/data.json", "", 127, (byte) ' ', "");
    }
    byte[] tgz = bomb.build();
    assertThat(tgz.length).isLessThan(700_000); // 508 MiB unpacked
    // CPU time of this thread, not the wall clock: a loaded machine stretches the latter, while
    // unpacking the 508 MiB would cost seconds of CPU wherever it runs
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    assertThatThrownBy(() -> BundleLoader.read("bomb.tar.gz", tgz, AT_512))
        .isInstanceOfSatisfying(
            BundleException.class, e -> assertThat(e.kind()).isEqualTo(BundleException.Kind.LIMIT))
        .hasMessageContaining("a/x0/data.json: 133169152 bytes exceeds the limit of 16777216");
    assertThat(Duration.ofNanos(threads.getCurrentThreadCpuTime() - cpu0))
        .isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void issue14_a120MiBDataJsonIsRefusedBeforeItIsRead() throws Exception {
    byte[] tgz =
        new HostileTarballs()
            .file(".manifest", MANIFEST)
            .entry("a/data.json", "{\"k\":\"", 120, (byte) 'x', "\"}")
            .build();
    assertThatThrownBy(() -> BundleLoader.read("big.tar.gz", tgz, AT_512))
        .isInstanceOfSatisfying(
            BundleException.class, e -> assertThat(e.kind()).isEqualTo(BundleException.Kind.LIMIT))
        .hasMessageContaining("exceeds the limit of 16777216 bytes per file");
  }

  @Test
  void issue14_deepDataIsRefusedBeforeAnyRecursion() throws Exception {
    String deepJson = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
    String deepYaml = "[".repeat(100_000) + "]".repeat(100_000);
    for (String[] file :
        List.of(new String[] {"a/data.json", deepJson}, new String[] {"a/data.yaml", deepYaml})) {
      SortedMap<String, byte[]> files = new TreeMap<>();
      files.put(".manifest", MANIFEST.getBytes(StandardCharsets.UTF_8));
      files.put(file[0], file[1].getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> BundleLoader.fromFiles("deep", true, files, AT_512))
          .isInstanceOfSatisfying(
              BundleException.class,
              e -> assertThat(e.kind()).isEqualTo(BundleException.Kind.LIMIT))
          .hasMessageContaining(file[0] + ": data nested more than 1000 levels deep");
      // signing and verifying hash structured files with a recursive reader: checked there too
      assertThatThrownBy(
              () ->
                  BundleSignatures.sign(
                      files, new SigningConfig("HS256", "secret", "default", Optional.empty())))
          .isInstanceOf(BundleException.class)
          .hasMessageContaining("nested more than 1000 levels deep");
    }
    // a folder is read the same way
    Files.createDirectories(dir.resolve("a"));
    Files.writeString(dir.resolve(".manifest"), MANIFEST);
    Files.writeString(dir.resolve("a/data.json"), deepJson);
    assertThatThrownBy(() -> BundleLoader.load(dir, AT_512)).hasMessageContaining("nested more");
    // and 1,000 levels still load
    Files.writeString(dir.resolve("a/data.json"), "[".repeat(1_000) + "]".repeat(1_000));
    assertThat(BundleLoader.load(dir, AT_512).dataAt("a")).isPresent();
  }

  @Test
  void issue14_dataThatWouldFillTheHeapIsStoppedWhileParsing() throws Exception {
    // 4 MiB of {"a":1} objects: about 25 times that once parsed
    StringBuilder sb = new StringBuilder("[");
    while (sb.length() < 4 << 20) {
      sb.append("{\"a\":1},");
    }
    sb.append("{}]");
    SortedMap<String, byte[]> files = new TreeMap<>();
    files.put(".manifest", MANIFEST.getBytes(StandardCharsets.UTF_8));
    files.put("a/data.json", sb.toString().getBytes(StandardCharsets.UTF_8));
    BundleLoader.Options tight =
        new BundleLoader.Options(
            new BundleLimits(10, 8L << 20, 8L << 20, 1L << 20, 1_000, 32L << 20), Optional.empty());
    assertThatThrownBy(() -> BundleLoader.fromFiles("wide", true, files, tight))
        .isInstanceOfSatisfying(
            BundleException.class, e -> assertThat(e.kind()).isEqualTo(BundleException.Kind.LIMIT))
        .hasMessageContaining("a/data.json: loading the bundle allocated more than 33554432 bytes")
        .hasMessageContaining("BundleLimits.maxLoadBytes");
    BundleLoader.Options roomy =
        new BundleLoader.Options(
            new BundleLimits(10, 8L << 20, 8L << 20, 1L << 20, 1_000, 1L << 30), Optional.empty());
    assertThat(BundleLoader.fromFiles("wide", true, files, roomy).dataAt("a")).isPresent();
  }

  @Test
  void issue14_regoSourcesAreBoundedByTheirOwnLimit() throws Exception {
    SortedMap<String, byte[]> files = new TreeMap<>();
    files.put(".manifest", MANIFEST.getBytes(StandardCharsets.UTF_8));
    files.put(
        "a/p.rego", ("package a\n" + "x := 1\n".repeat(400_000)).getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> BundleLoader.fromFiles("rego", true, files, AT_512))
        .isInstanceOfSatisfying(
            BundleException.class, e -> assertThat(e.kind()).isEqualTo(BundleException.Kind.LIMIT))
        .hasMessageContaining("bytes of Rego exceed the limit of 2097152");
  }

  @Test
  void issue14_aBadSignatureIsItsOwnKind() throws Exception {
    SortedMap<String, byte[]> files = new TreeMap<>();
    files.put(".manifest", MANIFEST.getBytes(StandardCharsets.UTF_8));
    BundleLoader.Options verifying =
        new BundleLoader.Options(
            BundleLimits.forHeap(HEAP),
            Optional.of(new VerificationConfig("HS256", "secret", "default", "", List.of())));
    assertThatThrownBy(() -> BundleLoader.fromFiles("unsigned", true, files, verifying))
        .isInstanceOfSatisfying(
            BundleException.class,
            e -> assertThat(e.kind()).isEqualTo(BundleException.Kind.SIGNATURE));
  }

  /**
   * Left by the first round: merging two data documents at one path copied the whole object once
   * per key of the second ({@code ObjectValue.with}), so {@code data.json} holding {@code a} and
   * {@code a/data.json}, with 100,000 keys each, took about 10^10 steps (hours). The merge is
   * linear now; the bound is minutes below the old cost, not a speed claim.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void issue14_mergingTwoLargeDataDocumentsIsLinear() throws Exception {
    int n = 100_000;
    StringBuilder a = new StringBuilder("{\"a\": {\"shared\": {\"x\": 1}");
    StringBuilder b = new StringBuilder("{\"shared\": {\"y\": 2}");
    for (int i = 0; i < n; i++) {
      a.append(",\"k").append(i).append("\": ").append(i);
      b.append(",\"j").append(i).append("\": ").append(i);
    }
    a.append("}}");
    b.append("}");
    SortedMap<String, byte[]> files = new TreeMap<>();
    files.put(".manifest", MANIFEST.getBytes(StandardCharsets.UTF_8));
    files.put("data.json", a.toString().getBytes(StandardCharsets.UTF_8));
    files.put("a/data.json", b.toString().getBytes(StandardCharsets.UTF_8));
    Bundle bundle = BundleLoader.fromFiles("big", false, files, AT_512);
    assertThat(bundle.dataAt("a/k99999").map(Object::toString)).contains("99999");
    assertThat(bundle.dataAt("a/j0").map(Object::toString)).contains("0");
    assertThat(bundle.dataAt("a/shared").map(Object::toString)).contains("{\"x\": 1, \"y\": 2}");
    SortedMap<String, byte[]> conflicting = new TreeMap<>(files);
    conflicting.put("a/data.json", "{\"k7\": 8}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> BundleLoader.fromFiles("big", false, conflicting, AT_512))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("data at a/k7 conflicts with other data");
  }
}
