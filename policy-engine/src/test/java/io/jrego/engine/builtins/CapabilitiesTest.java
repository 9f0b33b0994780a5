package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.capabilities.Capabilities;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.testing.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The capabilities document jrego prints, without OPA: its own builtins' declarations and the
 * committed copy ({@link CapabilitiesIT} compares it with real {@code opa}).
 */
class CapabilitiesTest {

  @Test
  void jregoBuiltins_areDeclaredWithDescriptionsAndTheirOwnCategory() {
    List<Declaration> jrego =
        Capabilities.declarations(StandardBuiltins.registry()).stream()
            .filter(d -> d.name().startsWith("jrego."))
            .toList();
    assertThat(jrego).hasSizeGreaterThanOrEqualTo(12);
    for (Declaration d : jrego) {
      assertThat(d.description()).as(d.name()).isNotEmpty();
      String ns = d.name().substring(0, d.name().lastIndexOf('.'));
      assertThat(d.categories()).as(d.name()).containsExactly(ns);
    }
  }

  @Test
  void committedFile_isWhatJregoCapabilitiesPrints() throws IOException {
    String committed =
        Files.readString(
            RepoRoot.path().resolve("rego-policies/capabilities/jrego.json"),
            StandardCharsets.UTF_8);
    assertThat(committed)
        .as(
            "rego-policies/capabilities/jrego.json is stale: regenerate it with"
                + " `ext-authz-server/bin/jrego capabilities > rego-policies/capabilities/jrego.json`")
        .isEqualTo(Capabilities.json(StandardBuiltins.registry()));
  }
}
