package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.testing.RealOpa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link PolicyLoaderTest} expects of YAML data, checked against real {@code opa}. */
class PolicyLoaderIT {

  @Test
  void yamlNumbers_opaReadsThemAsJregoDoes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("data.yaml");
    Files.writeString(file, PolicyLoaderTest.YAML_NUMBERS);
    Process opa =
        new ProcessBuilder(
                RealOpa.binary().toString(), "eval", "-f", "raw", "-d", file.toString(), "data")
            .redirectErrorStream(true)
            .start();
    String fromOpa =
        new String(opa.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(opa.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(fromOpa).isEqualTo(PolicyLoaderTest.YAML_NUMBERS_AS_OPA_READS_THEM);
  }
}
