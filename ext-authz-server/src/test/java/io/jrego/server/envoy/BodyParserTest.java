package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BodyParserTest {

  private static byte[] bytes(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  // Expected texts are what Go's encoding/json gives for the bytes inside a JSON string.
  @ParameterizedTest
  @CsvSource({
    "fffe, \ufffd\ufffd",
    "e282, \ufffd\ufffd",
    "e28241, \ufffd\ufffdA",
    "eda080, \ufffd\ufffd\ufffd",
    "e08080, \ufffd\ufffd\ufffd",
    "c080, \ufffd\ufffd",
    "6f6bf4908080, ok\ufffd\ufffd\ufffd\ufffd",
  })
  void replaceInvalidUtf8_oneReplacementPerBadByteAsGo(String hex, String expected) {
    assertThat(BodyParser.replaceInvalidUtf8(bytes(hex))).isEqualTo(expected);
  }

  @Test
  void replaceInvalidUtf8_nullWhenWellFormed() {
    assertThat(BodyParser.replaceInvalidUtf8(bytes("636166c3a9f09f9880"))).isNull();
  }

  @Test
  void parse_jsonWithBytesThatAreNotUtf8_readsThemAsReplacementCharacters() throws Exception {
    ByteString raw = ByteString.copyFrom(bytes("7b2261223a22fffe227d")); // {"a":"\xff\xfe"}
    BodyParser.Parsed p = BodyParser.parse(Map.of("content-type", "application/json"), "", raw);
    Value a = ((ObjectValue) p.body()).getOrNull(StringValue.of("a"));
    assertThat((Object) a).isEqualTo(StringValue.of("\ufffd\ufffd"));
  }

  /**
   * Issue 14: Jackson's byte parser read overlong forms, encoded surrogates and sequences above
   * U+10FFFF as characters (C0 80 as U+0000, ED A0 80 as a lone surrogate), where Go's decoder
   * (OPA-Envoy's) reads each of their bytes as U+FFFD; the policy saw another input document. Each
   * class in a string and in a key, as opa 1.22.2 reads the same bytes as input and OPA-Envoy
   * v1.19.1 maps them as raw_body (load-tests/compat, "JSON body with ..." cases).
   */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "overlong 2-byte, c080",
    "overlong 2-byte, c1bf",
    "overlong 3-byte, e08080",
    "overlong 3-byte, e09fbf",
    "overlong 4-byte, f0808080",
    "overlong 4-byte, f08fbfbf",
    "surrogate, eda080",
    "surrogate, edbfbf",
    "surrogate pair, eda0bdedb880",
    "above U+10FFFF, f4908080",
    "above U+10FFFF, f5808080",
    "above U+10FFFF, f888808080",
    "truncated 2-byte, c3",
    "truncated 3-byte, e282",
    "truncated 4-byte, f09f98",
    "continuation byte alone, 80",
    "never in UTF-8, ff",
  })
  void parseJson_eachByteOfAnIllFormedSequenceIsOneReplacementCharacter(String what, String hex)
      throws Exception {
    byte[] bad = bytes(hex);
    String replaced = "\ufffd".repeat(bad.length); // Go: one U+FFFD per byte, every class
    ObjectValue parsed = (ObjectValue) BodyParser.parseJson(json(bad));
    assertThat(parsed.keys())
        .as(what)
        .containsExactlyInAnyOrder(StringValue.of("a"), StringValue.of("k" + replaced));
    assertThat((Object) parsed.getOrNull(StringValue.of("a")))
        .as(what)
        .isEqualTo(StringValue.of("x" + replaced + "y"));
    // the same in a multipart part that says it is JSON
    byte[] multipart =
        concat(
            "--b\r\nContent-Disposition: form-data; name=\"p\"\r\nContent-Type: application/json"
                + "\r\n\r\n",
            json(bad),
            "\r\n--b--\r\n");
    ObjectValue form = parsedBody("multipart/form-data; boundary=b", multipart);
    assertThat((Object) ((ArrayValue) form.getOrNull(StringValue.of("p"))).get(0))
        .as(what)
        .isEqualTo(parsed);
  }

  @Test
  void parseJson_wellFormedTextIsReadAsItIs() throws Exception {
    // two, three and four bytes at both ends of their ranges, and U+FFFD itself
    String text = "\u0080\u07ff\u0800\ud7ff\ue000\uffff\ufffd\ud800\udc00\udbff\udfff";
    Value parsed = BodyParser.parseJson(json(text.getBytes(StandardCharsets.UTF_8)));
    assertThat((Object) ((ObjectValue) parsed).getOrNull(StringValue.of("a")))
        .isEqualTo(StringValue.of("x" + text + "y"));
  }

  /**
   * Issue 14: form values, percent-decoded query and path parts and multipart text parts were
   * decoded by Java, which reads a maximal bad subpart as one U+FFFD ({@code E2 82 41}: one), where
   * Go reads each bad byte as one (two), so OPA-Envoy's input document had one more character.
   * Expected texts are what OPA-Envoy v1.19.1 answers for the same requests (load-tests/compat,
   * "form and multipart text with bad bytes" cases).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "escaped bad bytes      | 613d254532253832253431  | \ufffd\ufffdA",
        "raw bad bytes          | 613de28241               | \ufffd\ufffdA",
        "escaped overlong form  | 613d254330253830         | \ufffd\ufffd",
        "raw byte, escapes after| 613de2253832254143       | \u20ac",
        "escapes, raw byte after| 613d2545322538328241     | \u2082A",
        "well-formed            | 613de282ac2b254532253832254143 | \u20ac \u20ac",
      })
  void parse_formDecodesBadBytesAsGo(String what, String hex, String expected) throws Exception {
    ObjectValue form = parsedBody("application/x-www-form-urlencoded", bytes(hex));
    assertThat((Object) form).as(what).isEqualTo(formOf("a", expected));
    // a key is decoded the same way
    byte[] asKey = concat(Arrays.copyOfRange(bytes(hex), 2, hex.length() / 2), "=1");
    ObjectValue keyed = parsedBody("application/x-www-form-urlencoded", asKey);
    assertThat((Object) keyed).as(what).isEqualTo(formOf(expected, "1"));
  }

  @Test
  void parse_multipartTextPartDecodesBadBytesAsGo() throws Exception {
    byte[] multipart =
        concat(
            "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\n",
            bytes("78e2824179"),
            "\r\n--b--\r\n");
    ObjectValue form = parsedBody("multipart/form-data; boundary=b", multipart);
    assertThat((Object) form).isEqualTo(formOf("p", "x\ufffd\ufffdAy"));
  }

  @Test
  void queryAndPath_escapedBadBytesDecodeAsGo() throws Exception {
    assertThat((Object) UrlDecoding.parseQuery("q=%E2%82A&%C0%80=1"))
        .isEqualTo(
            ObjectValue.of(
                Map.of(
                    StringValue.of("q"), ArrayValue.of(List.of(StringValue.of("\ufffd\ufffdA"))),
                    StringValue.of("\ufffd\ufffd"), ArrayValue.of(List.of(StringValue.of("1"))))));
    assertThat((Object) UrlDecoding.parsedPath("/v1/%E2%82A/%E2%82%AC"))
        .isEqualTo(
            ArrayValue.of(
                List.of(
                    StringValue.of("v1"),
                    StringValue.of("\ufffd\ufffdA"),
                    StringValue.of("\u20ac"))));
  }

  private static ObjectValue formOf(String key, String value) {
    return ObjectValue.of(
        Map.of(StringValue.of(key), ArrayValue.of(List.of(StringValue.of(value)))));
  }

  /** {@code body} as the parser reads it under {@code contentType}. */
  private static ObjectValue parsedBody(String contentType, byte[] body) throws Exception {
    return (ObjectValue)
        BodyParser.parse(Map.of("content-type", contentType), "", ByteString.copyFrom(body)).body();
  }

  /** {@code {"a":"x<bytes>y","k<bytes>":1}}. */
  private static byte[] json(byte[] inside) {
    return concat("{\"a\":\"x", inside, "y\",\"k", inside, "\":1}");
  }

  private static byte[] concat(Object... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Object p : parts) {
      out.writeBytes(p instanceof byte[] b ? b : ((String) p).getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
