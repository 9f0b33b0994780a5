package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.RegoVersion;
import io.jrego.engine.value.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  void load_rejectsConflictingDataAndMissingPaths() throws Exception {
    Path a = write("a.json", "{\"k\": 1}");
    Path b = write("b.json", "{\"k\": 2}");

    assertThatThrownBy(() -> PolicyLoader.load(List.of(a, b), RegoVersion.V1))
        .isInstanceOf(PolicyLoadException.class)
        .hasMessageContaining("data.k");
    assertThatThrownBy(() -> PolicyLoader.load(List.of(dir.resolve("nope")), RegoVersion.V1))
        .hasMessageContaining("no such file");
  }
}
