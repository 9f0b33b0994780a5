package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleArchiveTest {

  @TempDir Path dir;

  private static SortedMap<String, byte[]> files(String... pathsAndContents) {
    SortedMap<String, byte[]> m = new TreeMap<>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      m.put(pathsAndContents[i], pathsAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return m;
  }

  private static BundleLoader.Options limits(int files, long fileBytes, long total) {
    return new BundleLoader.Options(new BundleLimits(files, fileBytes, total), Optional.empty());
  }

  @Test
  void writeThenLoad_roundTripsModulesDataAndManifest() throws Exception {
    String longDir = "d".repeat(60) + "/" + "e".repeat(60);
    SortedMap<String, byte[]> in =
        files(
            ".manifest",
            "{\"revision\":\"r2\",\"roots\":[\"a\",\"" + longDir + "\"]}",
            "a/p.rego",
            "package a\nallow if input.x == data.a.v\n",
            "a/data.json",
            "{\"v\": 3}",
            longDir + "/data.json",
            "{\"deep\": true}");
    Path tgz = dir.resolve("b.tar.gz");
    Files.write(tgz, BundleWriter.toBytes(in));
    Bundle b = BundleLoader.load(tgz);
    assertThat(b.revision()).isEqualTo("r2");
    assertThat(b.modules()).containsOnlyKeys("a/p.rego");
    assertThat(b.dataAt(longDir + "/deep")).contains(BooleanValue.TRUE);
    assertThat(b.compile(EngineOptions.defaults()).evaluate("a/allow", Json.parse("{\"x\":3}")))
        .contains(BooleanValue.TRUE);
    SortedMap<String, byte[]> back = BundleLoader.readFiles(tgz, BundleLimits.defaults());
    assertThat(back.keySet()).isEqualTo(in.keySet());
    assertThat(back.get("a/data.json")).isEqualTo(in.get("a/data.json"));
  }

  @Test
  void writer_isDeterministic() {
    SortedMap<String, byte[]> in = files("p.rego", "package p\n");
    assertThat(Arrays.equals(BundleWriter.toBytes(in), BundleWriter.toBytes(in))).isTrue();
  }

  @Test
  void read_acceptsDotSlashAndLeadingSlashNames() throws Exception {
    byte[] tgz =
        new RawTar()
            .entry("./", '5', "", new byte[0])
            .file("./a/data.json", "{\"n\":1}")
            .file("/b/data.json", "{\"n\":2}")
            .gzip();
    Bundle b = BundleLoader.read("t.tar.gz", tgz, BundleLoader.Options.defaults());
    assertThat(b.dataAt("a/n")).contains(NumberValue.of(1));
    assertThat(b.dataAt("b/n")).contains(NumberValue.of(2));
  }

  private void assertRefused(byte[] tgz, BundleLoader.Options options, String... parts) {
    assertThatThrownBy(() -> BundleLoader.read("t.tar.gz", tgz, options))
        .isInstanceOf(BundleException.class)
        .message()
        .contains(parts);
  }

  @Test
  void read_refusesPathTraversal() throws Exception {
    assertRefused(
        new RawTar().file("a/../../etc/data.json", "{}").gzip(),
        BundleLoader.Options.defaults(),
        "a/../../etc/data.json",
        "path traversal");
  }

  @Test
  void read_refusesAbsoluteAndMalformedPaths() throws Exception {
    for (String name :
        new String[] {"//etc/data.json", "C:/x/data.json", "a\\b.rego", "a//b.rego"}) {
      assertRefused(new RawTar().file(name, "{}").gzip(), BundleLoader.Options.defaults(), name);
    }
  }

  @Test
  void read_refusesSymlinksAndHardlinks() throws Exception {
    assertRefused(
        new RawTar().entry("data.json", '2', "/etc/passwd", new byte[0]).gzip(),
        BundleLoader.Options.defaults(),
        "entry data.json",
        "symbolic links");
    assertRefused(
        new RawTar().entry("x/data.json", '1', "data.json", new byte[0]).gzip(),
        BundleLoader.Options.defaults(),
        "entry x/data.json",
        "hard links");
  }

  @Test
  void read_refusesDevicesAndFifos() throws Exception {
    assertRefused(
        new RawTar().entry("dev", '3', "", new byte[0]).gzip(),
        BundleLoader.Options.defaults(),
        "entry dev",
        "unsupported tar entry type");
  }

  @Test
  void read_refusesOversizedFilesTooManyFilesAndOversizedBundles() throws Exception {
    byte[] big = new RawTar().file("a/data.json", "{\"k\":\"" + "x".repeat(100) + "\"}").gzip();
    assertRefused(big, limits(10, 50, 1000), "entry a/data.json", "exceeds the limit of 50 bytes");
    byte[] many = new RawTar().file("a.rego", "package a").file("b.rego", "package b").gzip();
    assertRefused(many, limits(1, 1000, 1000), "entry b.rego", "more than 1 files");
    byte[] bulky =
        new RawTar()
            .file("a.rego", "package a\n" + "#".repeat(600))
            .file("b.rego", "package b\n" + "#".repeat(600))
            .gzip();
    assertRefused(bulky, limits(10, 1000, 1000), "entry b.rego", "limit of 1000 bytes in all");
  }

  @Test
  void read_refusesDuplicateEntries() throws Exception {
    assertRefused(
        new RawTar().file("p.rego", "package p").file("/p.rego", "package q").gzip(),
        BundleLoader.Options.defaults(),
        "duplicate file p.rego");
  }

  @Test
  void read_refusesNonGzipAndTruncatedArchives() throws Exception {
    assertRefused(
        "hello".getBytes(StandardCharsets.UTF_8),
        BundleLoader.Options.defaults(),
        "not a gzip archive");
    byte[] whole = BundleWriter.toBytes(files("p.rego", "package p\n" + "#".repeat(3000)));
    assertRefused(
        Arrays.copyOf(whole, whole.length / 2), BundleLoader.Options.defaults(), "t.tar.gz");
  }

  @Test
  void load_refusesModulesOutsideRootsAndOverlappingRoots() throws Exception {
    assertRefused(
        BundleWriter.toBytes(files(".manifest", "{\"roots\":[\"a\"]}", "x/p.rego", "package x\n")),
        BundleLoader.Options.defaults(),
        "manifest roots [a] do not permit 'package x' in module 'x/p.rego'");
    assertRefused(
        BundleWriter.toBytes(files(".manifest", "{\"roots\":[\"a\",\"a/b\"]}")),
        BundleLoader.Options.defaults(),
        "manifest has overlapped roots: 'a' and 'a/b'");
  }

  @Test
  void load_namesTheArchiveEntryOfABadDataFile() throws Exception {
    assertRefused(
        BundleWriter.toBytes(files("a/data.json", "{\"a\": }")),
        BundleLoader.Options.defaults(),
        "t.tar.gz!/a/data.json",
        "line 1");
  }
}
