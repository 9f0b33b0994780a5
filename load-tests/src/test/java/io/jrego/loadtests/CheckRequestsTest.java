package io.jrego.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.envoy.InputMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckRequestsTest {

  private static Path inputs() {
    Path here = Path.of("inputs");
    return Files.isDirectory(here) ? here : Path.of("load-tests", "inputs");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rbac.json", "ai-chat-2kb.json", "data-lookup.json"})
  void fromInputFile_mapsBackToTheSameInputInJrego(String name) throws Exception {
    Path file = inputs().resolve(name);
    ObjectValue mapped =
        new InputMapper(InputMapper.Options.defaults()).map(CheckRequests.fromInputFile(file));
    Value expected = Json.parse(Files.readAllBytes(file));

    assertThat(Json.write(mapped)).isEqualTo(Json.write(expected));
  }
}
