package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import org.junit.jupiter.api.Test;

/** The {@code jrego.pii.*} and {@code jrego.tokens.*} builtins as policies call them. */
class PiiBuiltinsTest {

  private static Value call(String name, Value... args) throws BuiltinException {
    Builtin b = StandardBuiltins.registry().lookup(name).orElseThrow();
    return b.function().orElseThrow().call(args, BuiltinContext.standard());
  }

  private static Value s(String text) {
    return StringValue.of(text);
  }

  @Test
  void scan_returnsStableKeysSortedTypesAndRoundedConfidence() throws BuiltinException {
    Value r =
        call(
            "jrego.pii.scan",
            s("card 4111111111111111, mail a@x.io"),
            Json.parse("{\"include_text\": true}"));
    assertThat(Json.write(r))
        .isEqualTo(
            "{\"findings\":[{\"confidence\":1,\"end\":21,\"start\":5,\"subtype\":\"visa\",\"text\":\"4111111111111111\",\"type\":\"card\"},"
                + "{\"confidence\":1,\"end\":34,\"start\":28,\"subtype\":\"\",\"text\":\"a@x.io\",\"type\":\"email\"}],"
                + "\"truncated\":false,\"types\":[\"card\",\"email\"]}");
    Value plain = call("jrego.pii.scan", s("4111111111111111"), Json.parse("{}"));
    assertThat(Json.write(plain)).contains("\"confidence\":0.85").doesNotContain("\"text\"");
  }

  @Test
  void scan_typesAcceptGroupsAndMinimumConfidenceFilters() throws BuiltinException {
    String text = "a@x.io 4111111111111111 AKIAIOSFODNN7EXAMPLE";
    assertThat(Json.write(call("jrego.pii.scan", s(text), Json.parse("{\"types\": [\"secret\"]}"))))
        .contains("aws_access_key")
        .doesNotContain("card");
    assertThat(
            Json.write(
                call(
                    "jrego.pii.scan",
                    s(text),
                    Json.parse("{\"types\": [\"financial\", \"email\"]}"))))
        .contains("\"types\":[\"card\",\"email\"]");
    assertThat(
            Json.write(call("jrego.pii.scan", s(text), Json.parse("{\"min_confidence\": 0.86}"))))
        .doesNotContain("card");
  }

  @Test
  void badOptions_failNamingTheOption() {
    assertThatThrownBy(
            () -> call("jrego.pii.scan", s("x"), Json.parse("{\"min_confidance\": 0.5}")))
        .hasMessageContaining("unknown option \"min_confidance\"");
    assertThatThrownBy(() -> call("jrego.pii.scan", s("x"), Json.parse("{\"types\": [\"cards\"]}")))
        .hasMessageContaining("option \"types\" names unknown type \"cards\"");
    assertThatThrownBy(() -> call("jrego.pii.scan", s("x"), Json.parse("{\"min_confidence\": 2}")))
        .hasMessageContaining("option \"min_confidence\" must be between 0 and 1");
    assertThatThrownBy(
            () -> call("jrego.pii.scan", s("x"), Json.parse("{\"phone_regions\": [\"de\"]}")))
        .hasMessageContaining("option \"phone_regions\" names \"de\"");
    assertThatThrownBy(() -> call("jrego.pii.redact", s("x"), Json.parse("{\"mode\": \"hash\"}")))
        .hasMessageContaining("option \"mode\" must be one of placeholder, type, mask");
    assertThatThrownBy(() -> call("jrego.pii.scan", Json.parse("1"), Json.parse("{}")))
        .hasMessage("operand 1 must be string but got number");
    assertThatThrownBy(() -> call("jrego.pii.scan", s("x"), s("{}")))
        .hasMessage("operand 2 must be object but got string");
    assertThatThrownBy(() -> call("jrego.tokens.count_messages", Json.parse("{}"), s("gpt-4o")))
        .hasMessageContaining("messages must be an array");
  }

  @Test
  void redact_returnsTextMappingAndReplacements() throws BuiltinException {
    Value r = call("jrego.pii.redact", s("a@x.io a@x.io b@x.io"), Json.parse("{}"));
    assertThat(Json.write(r))
        .contains("\"text\":\"<EMAIL_1> <EMAIL_1> <EMAIL_2>\"")
        .contains("\"mapping\":{\"<EMAIL_1>\":\"a@x.io\",\"<EMAIL_2>\":\"b@x.io\"}")
        .contains("\"replacement\":\"<EMAIL_2>\"");
    Value restored =
        call(
            "jrego.pii.restore",
            s("hi <EMAIL_2>"),
            ((io.jrego.engine.value.ObjectValue) r).get("mapping").orElseThrow());
    assertThat(restored).isEqualTo(s("hi b@x.io"));
  }

  @Test
  void tokens_countAndEncoding() throws BuiltinException {
    assertThat(call("jrego.tokens.count", s("hello world"), s("gpt-4o")))
        .isEqualTo(Json.parse("2"));
    assertThat(call("jrego.tokens.encoding", s("gpt-4-0613"))).isEqualTo(s("cl100k_base"));
    assertThat(
            call(
                "jrego.tokens.count_messages",
                Json.parse("[{\"role\":\"user\",\"content\":\"Hello!\"}]"),
                s("gpt-4o")))
        .isEqualTo(Json.parse("9"));
  }
}
