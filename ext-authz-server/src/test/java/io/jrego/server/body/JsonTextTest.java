package io.jrego.server.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTextTest {

  @Test
  void aStringEndsAtTheFirstQuoteThatAnEvenRunOfBackslashesPrecedes() throws Exception {
    assertThat(new JsonText("\"ab\" x").skipString(0)).isEqualTo(4);
    assertThat(new JsonText("\"a\\\"b\" x").skipString(0)).isEqualTo(6); // "a\"b"
    assertThat(new JsonText("\"a\\\\\" x").skipString(0)).isEqualTo(5); // "a\\"
    assertThat(new JsonText("\"a\\\\\\\"b\" x").skipString(0)).isEqualTo(8); // "a\\\"b"
    assertThat(new JsonText("\"\\\\\\\\\"").skipString(0)).isEqualTo(6); // "\\\\"
    assertThat(new JsonText("\"\"").skipString(0)).isEqualTo(2);
  }

  @Test
  void anUnterminatedString_isMalformed() {
    assertThatThrownBy(() -> new JsonText("\"abc").skipString(0))
        .isInstanceOf(BodyException.class)
        .hasMessageContaining("near character 0");
    assertThatThrownBy(() -> new JsonText("\"abc\\\"").skipString(0))
        .isInstanceOf(BodyException.class);
  }

  @Test
  void decodedStrings_withAndWithoutEscapes() throws Exception {
    JsonText t =
        new JsonText(
            "{\"plain\":\"caf\u00e9 \u2603\",\"esc\":\"a\\\"b\\\\c\\n"
                + "\\u00e9\\/\",\"k\":\"x\\ty\"}");
    List<JsonText.Entry> entries = t.entries(t.root());
    assertThat(entries).extracting(JsonText.Entry::key).containsExactly("plain", "esc", "k");
    assertThat(t.decodeString(entries.get(0).value())).isEqualTo("caf\u00e9 \u2603");
    assertThat(t.decodeString(entries.get(1).value())).isEqualTo("a\"b\\c\n\u00e9/");
    assertThat(t.decodeString(entries.get(2).value())).isEqualTo("x\ty");
  }

  @Test
  void nestedValuesWithQuotesAndBracketsInStrings_areSkippedWhole() throws Exception {
    String doc = "{\"a\":[{\"s\":\"}]\\\"[{\"},{\"t\":\"\\\\\"}],\"b\":{\"c\":\"]\"},\"d\":1}";
    JsonText t = new JsonText(doc);
    assertThat(t.root()).isEqualTo(new JsonText.Span(0, doc.length()));
    assertThat(t.entries(t.root())).extracting(JsonText.Entry::key).containsExactly("a", "b", "d");
    JsonText.Span a = t.entries(t.root()).get(0).value();
    assertThat(t.entries(a)).hasSize(2);
    assertThat(t.decodeString(t.entries(t.entries(a).get(0).value()).get(0).value()))
        .isEqualTo("}]\"[{");
  }
}
