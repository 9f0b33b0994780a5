package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.BundleWriter;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {

  @TempDir Path dir;

  private Path write(String rel, String text) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  /** The YAML numbers {@link PolicyLoaderIT} checks {@code opa eval} reads the same way. */
  static final String YAML_NUMBERS = "x: 1.0\ny: 2.50\nz: 0.1\nn: 7\nbig: 1.5e3\n";

  /** How {@code opa eval -f raw data} prints {@link #YAML_NUMBERS}. */
  static final String YAML_NUMBERS_AS_OPA_READS_THEM =
      "{\"big\":1500,\"n\":7,\"x\":1,\"y\":2.5,\"z\":0.1}";

  @Test
  void yamlNumbers_readAlikeByDataFilesBundlesAndInputs() throws Exception {
    Path file = write("d/data.yaml", YAML_NUMBERS);
    String fromD = Json.write(PolicyLoader.load(List.of(file), RegoVersion.V1).data());
    String fromBundle = Json.write(BundleLoader.load(dir.resolve("d")).data());
    String fromInput = Json.write(Yaml.parse(YAML_NUMBERS));
    assertThat(fromD).isEqualTo(YAML_NUMBERS_AS_OPA_READS_THEM);
    assertThat(fromBundle).isEqualTo(YAML_NUMBERS_AS_OPA_READS_THEM);
    assertThat(fromInput).isEqualTo(YAML_NUMBERS_AS_OPA_READS_THEM);
  }

  @Test
  void load_placesFolderDataAtItsSubfolderPath() throws Exception {
    write("p.rego", "package p\n");
    write("a/b/x.json", "{\"k\": 1}");
    write("a/y.yaml", "z: [1, 2]\n");
    write("top.json", "{\"t\": true}");

    LoadedPolicy loaded = PolicyLoader.load(List.of(dir), RegoVersion.V1);

    assertThat(loaded.modules()).containsOnlyKeys(dir.resolve("p.rego").toString());
    assertThat(loaded.data())
        .isEqualTo(Json.parse("{\"a\": {\"b\": {\"k\": 1}, \"z\": [1, 2]}, \"t\": true}"));
  }

  @Test
  void load_mergesAFileGivenDirectlyAtTheRoot() throws Exception {
    Path f = write("nested/data.json", "{\"k\": 1}");

    assertThat(PolicyLoader.load(List.of(f), RegoVersion.V1).data())
        .isEqualTo(Json.parse("{\"k\": 1}"));
  }

  @Test
  void load_bundleTakesOnlyDataFilesAndItsRegoVersion() throws Exception {
    write(".manifest", "{\"roots\": [\"\"], \"rego_version\": 0}");
    write("p.rego", "package p\n");
    write("x/data.json", "{\"k\": 1}");
    write("x/example-input.json", "{\"ignored\": true}");
    write("..2024_01_01/p.rego", "package stale\n");

    LoadedPolicy loaded = PolicyLoader.load(List.of(dir), RegoVersion.V1);

    assertThat(loaded.modules()).containsOnlyKeys(dir.resolve("p.rego").toString());
    assertThat(loaded.versions()).containsValue(RegoVersion.V0);
    assertThat(loaded.data()).isEqualTo(Json.parse("{\"x\": {\"k\": 1}}"));
  }

  @Test
  void load_bundleFolderTestsOutsideItsRoots_loadAsOpaTestLoadsThem() throws Exception {
    write(".manifest", "{\"roots\": [\"app\"]}");
    write("app/p.rego", "package app\n\nx := 1\n");
    write("app/p_test.rego", "package app_test\n\ntest_x if data.app.x == 1\n");
    write("app/data.json", "{\"k\": 1}");

    LoadedPolicy loaded = PolicyLoader.load(List.of(dir), RegoVersion.V1);

    assertThat(loaded.modules()).hasSize(2);
    assertThat(loaded.data()).isEqualTo(Json.parse("{\"app\": {\"k\": 1}}"));
    assertThatThrownBy(() -> PolicyLoader.load(List.of(), List.of(dir), RegoVersion.V1))
        .as("given with -b, the roots are checked")
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("roots");
  }

  @Test
  void load_rejectsConflictingDataAndMissingPaths() throws Exception {
    Path a = write("a.json", "{\"k\": 1}");
    Path b = write("b.json", "{\"k\": 2}");

    assertThatThrownBy(() -> PolicyLoader.load(List.of(a, b), RegoVersion.V1))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessage(b + ": data at k conflicts with other data");
    assertThatThrownBy(() -> PolicyLoader.load(List.of(dir.resolve("nope")), RegoVersion.V1))
        .hasMessageContaining("no such file");
  }

  private Path archive(String name, SortedMap<String, byte[]> files) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, BundleWriter.toBytes(files));
    return p;
  }

  private static SortedMap<String, byte[]> files(String... pathThenText) {
    SortedMap<String, byte[]> m = new TreeMap<>();
    for (int i = 0; i < pathThenText.length; i += 2) {
      m.put(pathThenText[i], pathThenText[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return m;
  }

  @Test
  void load_readsATarballGivenAsDataAsABundle() throws Exception {
    Path tgz =
        archive(
            "bundle.tar.gz",
            files(
                ".manifest", "{\"revision\": \"7\", \"roots\": [\"app\"], \"rego_version\": 0}",
                "app/p.rego", "package app\n\nallow { data.app.users[input.user] }\n",
                "app/data.json", "{\"users\": {\"alice\": true}}",
                "app/example-input.json", "{\"ignored\": true}"));
    write("other.json", "{\"other\": 1}");

    LoadedPolicy loaded =
        PolicyLoader.load(List.of(tgz, dir.resolve("other.json")), RegoVersion.V1);

    assertThat(loaded.modules()).containsOnlyKeys(tgz + "/app/p.rego");
    assertThat(loaded.versions()).containsEntry(tgz + "/app/p.rego", RegoVersion.V0);
    assertThat(loaded.data())
        .isEqualTo(Json.parse("{\"app\": {\"users\": {\"alice\": true}}, \"other\": 1}"));
    PreparedPolicy policy = loaded.builder(EngineOptions.defaults()).compile();
    assertThat(policy.evaluate("app/allow", Json.parse("{\"user\": \"alice\"}")))
        .contains(BooleanValue.TRUE);
  }

  @Test
  void load_readsBundlesGivenAsBundlesThroughTheBundleReader() throws Exception {
    write("b/p.rego", "package q\n\nx := data.q.v\n");
    write("b/q/data.json", "{\"v\": 3}");
    write("b/q/notdata.json", "{\"w\": 4}");

    LoadedPolicy loaded = PolicyLoader.load(List.of(), List.of(dir.resolve("b")), RegoVersion.V1);

    assertThat(loaded.data()).isEqualTo(Json.parse("{\"q\": {\"v\": 3}}"));
    assertThat(loaded.modules()).containsOnlyKeys(dir.resolve("b") + "/p.rego");
  }

  @Test
  void load_refusesABadArchiveNamingWhatIsWrong() throws Exception {
    Path outside =
        archive(
            "outside.tgz",
            files(".manifest", "{\"roots\": [\"app\"]}", "other/data.json", "{\"k\": 1}"));
    assertThatThrownBy(() -> PolicyLoader.load(List.of(outside), RegoVersion.V1))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("outside.tgz")
        .hasMessageContaining("roots");
    Path broken = dir.resolve("broken.tar.gz");
    Files.writeString(broken, "not gzip");
    assertThatThrownBy(() -> PolicyLoader.load(List.of(broken), RegoVersion.V1))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("broken.tar.gz");
    assertThatThrownBy(
            () -> PolicyLoader.load(List.of(), List.of(dir.resolve("nope.tar.gz")), RegoVersion.V1))
        .hasMessageContaining("no such file");
  }
}
