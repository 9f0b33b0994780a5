package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parse_keepsNumbersExact() {
    Value v = Json.parse("{\"n\": 12345678901234567890123, \"f\": 0.1000000000000000000001}");
    ObjectValue o = (ObjectValue) v;
    assertThat(o.get("n").orElseThrow().toString()).isEqualTo("12345678901234567890123");
    assertThat(o.get("f").orElseThrow().toString()).isEqualTo("0.1000000000000000000001");
  }

  /**
   * A body's object names are not interned: a name is not the JVM's canonical string for its text,
   * from bytes (a check's and a bundle's entry), characters or a string alike. Interning put every
   * new name a caller sent into the JVM's string table and Jackson's shared cache, which clears
   * itself every 280 names (the fault matrix's hash phase, session 16).
   */
  @Test
  void parse_doesNotInternObjectNames() throws Exception {
    String name = "name-" + java.util.UUID.randomUUID();
    String canonical = new String(name.toCharArray()).intern(); // this copy is the JVM's own now
    String doc = "{\"" + name + "\":1}";
    for (Value v :
        List.of(
            Json.parse(doc),
            Json.parse(doc.getBytes(StandardCharsets.UTF_8)),
            Json.parse(new StringReader(doc)),
            Json.parse(doc.getBytes(StandardCharsets.UTF_8), () -> false))) {
      String key = ((StringValue) ((ObjectValue) v).keys().get(0)).value();
      assertThat(key).isEqualTo(name);
      assertThat(key).isNotSameAs(canonical);
    }
  }

  /**
   * An escaped surrogate without its partner reads as U+FFFD, in values and keys, as opa 1.22.2
   * reads the same document with {@code opa eval -i doc.json input}: a high then a pair gives
   * U+FFFD and the pair, a pair is kept, a lone low surrogate as a key becomes the key U+FFFD.
   */
  @Test
  void parse_readsLoneEscapedSurrogatesAsGoDoes() {
    ObjectValue o =
        (ObjectValue)
            Json.parse(
                "{\"a\":\"\\ud800x\",\"\\udc00\":1,\"p\":\"\\ud800\\ud800\\udc00\","
                    + "\"q\":\"\\ud83d\\ude00\",\"r\":\"ok\\ud800\"}");
    assertThat(text(o, "a")).isEqualTo("\uFFFDx");
    assertThat(text(o, "p")).isEqualTo("\uFFFD\uD800\uDC00");
    assertThat(text(o, "q")).isEqualTo("\uD83D\uDE00");
    assertThat(text(o, "r")).isEqualTo("ok\uFFFD");
    assertThat(o.get("\uFFFD")).isPresent();
    assertThat(o.get("\uDC00")).isEmpty();
  }

  @Test
  void pairedSurrogates_returnsTheSameStringWhenThereIsNothingToReplace() {
    String plain = "plain text, \u00e9 and \uD83D\uDE00";
    assertThat(Json.pairedSurrogates(plain)).isSameAs(plain);
  }

  private static String text(ObjectValue o, String key) {
    return ((StringValue) o.get(key).orElseThrow()).value();
  }

  @Test
  void parse_rejectsTrailingDataWithPosition() {
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x"))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageContaining("line 1, column");
  }

  @Test
  void parse_namesLineAndColumnOfSyntaxErrors() {
    assertThatThrownBy(() -> Json.parse("{\n  \"a\": tru\n}"))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageStartingWith("invalid JSON at line 2");
  }

  @Test
  void parse_rejectsEmptyDocument() {
    assertThatThrownBy(() -> Json.parse("  ")).hasMessageContaining("empty document");
  }

  @Test
  void write_sortsKeysAndWritesSetsAsArrays() {
    Value v =
        new ObjectValue.Builder()
            .put("z", SetValue.of(NumberValue.of(2), NumberValue.of(1)))
            .put("a", ArrayValue.of(StringValue.of("x"), NullValue.INSTANCE, BooleanValue.TRUE))
            .build();
    assertThat(Json.write(v)).isEqualTo("{\"a\":[\"x\",null,true],\"z\":[1,2]}");
  }

  @Test
  void write_roundTripsParsedDocuments() {
    String doc = "{\"a\":[1,2.5,{\"b\":\"c\\n\"}],\"d\":null}";
    assertThat(Json.write(Json.parse(doc))).isEqualTo(doc);
  }
}
