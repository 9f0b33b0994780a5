package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
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
}
