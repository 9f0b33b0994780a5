package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.Json;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link PreparedPolicy#contentDigest()}: the same for two compilations of the same modules and
 * data (whatever the order they were added in, and whatever the limits), different when a module,
 * the data, the strictness of builtin errors or a module's Rego version differs.
 */
class ContentDigestTest {

  private static final String A = "package a\n\nallow if input.x == data.a.limit\n";
  private static final String B = "package b\n\ndeny if not data.a.limit\n";

  private static String digest(Rego.Builder b) throws Exception {
    return b.compile().contentDigest().orElseThrow();
  }

  private static Rego.Builder both() {
    return Rego.builder()
        .module("a.rego", A)
        .module("b.rego", B)
        .data(Json.parse("{\"a\": {\"limit\": 2, \"names\": [\"x\", \"y\"]}}"));
  }

  @Test
  void theSameModulesAndDataHaveTheSameDigest() throws Exception {
    String one = digest(both());
    assertThat(one).matches("[0-9a-f]{64}");
    assertThat(digest(both())).isEqualTo(one);
    assertThat(
            digest(
                Rego.builder()
                    .data(Json.parse("{\"a\": {\"names\": [\"x\", \"y\"], \"limit\": 2}}"))
                    .module("b.rego", B)
                    .module("a.rego", A)
                    .options(
                        new EngineOptions(Duration.ofSeconds(1), 100, 1000, 1000, false, 1 << 20))))
        .as("limits decide whether an evaluation ends, not its value")
        .isEqualTo(one);
  }

  @Test
  void anyChangeToWhatDecidesChangesTheDigest() throws Exception {
    String one = digest(both());
    assertThat(
            digest(both().data(Json.parse("{\"a\": {\"limit\": 3, \"names\": [\"x\", \"y\"]}}"))))
        .isNotEqualTo(one);
    assertThat(digest(both().module("b.rego", B + "# a comment\n"))).isNotEqualTo(one);
    assertThat(digest(both().module("c.rego", "package c\n"))).isNotEqualTo(one);
    assertThat(digest(both().module("a.rego", A, RegoVersion.V1))).isEqualTo(one);
    assertThat(
            digest(
                both()
                    .options(
                        new EngineOptions(
                            EngineOptions.defaults().timeout(),
                            EngineOptions.defaults().maxDepth(),
                            EngineOptions.defaults().maxResultSize(),
                            EngineOptions.defaults().maxInputBytes(),
                            true,
                            EngineOptions.defaults().maxAllocationBytes()))))
        .as("strict builtin errors")
        .isNotEqualTo(one);
    // the same text under another module name is another module
    assertThat(
            digest(
                Rego.builder()
                    .module("a2.rego", A)
                    .module("b.rego", B)
                    .data(Json.parse("{\"a\": {\"limit\": 2, \"names\": [\"x\", \"y\"]}}"))))
        .isNotEqualTo(one);
  }
}
