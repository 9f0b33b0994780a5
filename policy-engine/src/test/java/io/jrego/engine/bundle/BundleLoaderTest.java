package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleLoaderTest {

  @TempDir Path dir;

  private void write(String rel, String text) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void load_readsTheDefaultAiGatewayBundle() throws Exception {
    Path folder = Path.of("..", "rego-policies", "ai-gateway");
    Bundle b = BundleLoader.load(folder);
    assertThat(b.revision()).isEqualTo("ai-gateway-1");
    assertThat(b.roots()).containsExactly("envoy/authz", "envoy/process", "ai_gateway");
    assertThat(b.modules())
        .containsOnlyKeys("policy.rego", "policy_test.rego", "process.rego", "process_test.rego");
    assertThat(b.dataAt("ai_gateway/trust_domain")).contains(StringValue.of("cluster.local"));
    assertThat(b.regoVersion()).isEmpty();
  }

  @Test
  void load_placesDataFilesAtTheirFolderPathAndMergesThem() throws Exception {
    write("data.json", "{\"a\": {\"x\": 1}}");
    write("a/b/data.yaml", "k: [1, two, true]\n");
    write("c/data.json", "[1, 2]");
    Bundle b = BundleLoader.load(dir);
    assertThat(b.data())
        .isEqualTo(Json.parse("{\"a\":{\"x\":1,\"b\":{\"k\":[1,\"two\",true]}},\"c\":[1,2]}"));
    assertThat(b.roots()).containsExactly("");
  }

  @Test
  void load_skipsDotFilesAndConfigMapCopies() throws Exception {
    write("p.rego", "package p\n");
    write("..data/p.rego", "package broken(\n");
    write("..2024_01_01/data.json", "not json");
    write(".hidden.rego", "package hidden\n");
    Bundle b = BundleLoader.load(dir);
    assertThat(b.modules()).containsOnlyKeys("p.rego");
  }

  @Test
  void load_keepsTestModulesAndNestedPaths() throws Exception {
    write("x/p.rego", "package x\n");
    write("x/p_test.rego", "package x_test\n");
    assertThat(BundleLoader.load(dir).modules()).containsOnlyKeys("x/p.rego", "x/p_test.rego");
  }

  @Test
  void load_readsManifestFields() throws Exception {
    write(
        ".manifest",
        "{\"revision\":\"r7\",\"roots\":[\"/a/\"],\"rego_version\":0,\"metadata\":{\"k\":\"v\"}}");
    write("a/data.json", "{}");
    Bundle b = BundleLoader.load(dir);
    assertThat(b.revision()).isEqualTo("r7");
    assertThat(b.roots()).containsExactly("a");
    assertThat(b.regoVersion()).contains(RegoVersion.V0);
    assertThat(b.metadata().get("k")).contains(StringValue.of("v"));
  }

  @Test
  void load_rejectsInvalidJsonNamingTheFile() throws Exception {
    write("x/data.json", "{\"a\": }");
    assertThatThrownBy(() -> BundleLoader.load(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("data.json")
        .hasMessageContaining("line 1");
  }

  @Test
  void load_rejectsDataOutsideRoots() throws Exception {
    write(".manifest", "{\"roots\":[\"a/b\"]}");
    write("data.json", "{\"a\": {\"b\": {}, \"c\": 1}}");
    assertThatThrownBy(() -> BundleLoader.load(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("data at path a/c is outside the manifest roots");
  }

  @Test
  void load_rejectsConflictingData() throws Exception {
    write("data.json", "{\"a\": 1}");
    write("a/data.json", "{\"b\": 2}");
    assertThatThrownBy(() -> BundleLoader.load(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("conflicts");
  }

  @Test
  void load_rejectsBadManifest() throws Exception {
    write(".manifest", "{\"roots\": \"a\"}");
    assertThatThrownBy(() -> BundleLoader.load(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining(".manifest")
        .hasMessageContaining("roots must be an array");
  }

  @Test
  void load_rejectsMissingFolder() {
    assertThatThrownBy(() -> BundleLoader.load(dir.resolve("nope")))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("not a folder");
  }
}
