package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, findings 2 and 4: the JSON reader bounds what it reads so that no later walk of the
 * value can overflow a thread's stack or expand a number: nesting, number length and magnitude.
 * Every refusal is a {@link Json.JsonException} naming line and column, which the server answers
 * with a 400.
 */
class Issue14JsonLimitsTest {

  private static String nested(int depth) {
    return "[".repeat(depth) + "1" + "]".repeat(depth);
  }

  @Test
  void issue14_nestingUpToTheLimitIsRead() {
    Value v = Json.parse(nested(Json.MAX_DEPTH));
    int depth = 0;
    while (v instanceof ArrayValue a) {
      v = a.get(0);
      depth++;
    }
    assertThat(depth).isEqualTo(Json.MAX_DEPTH);
  }

  @Test
  void issue14_deeperNestingIsRefusedWithItsPositionNotAStackOverflow() {
    for (int depth : new int[] {Json.MAX_DEPTH + 1, 5_000, 10_001, 200_000}) {
      byte[] utf8 = nested(depth).getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> Json.parse(utf8))
          .as("depth %d", depth)
          .isInstanceOf(Json.JsonException.class)
          .hasMessage(
              "invalid JSON at line 1, column "
                  + (Json.MAX_DEPTH + 2)
                  + ": nested deeper than 1000 levels");
    }
    assertThatThrownBy(() -> Json.parse("{\"a\":".repeat(1_001) + "1" + "}".repeat(1_001)))
        .hasMessageContaining("nested deeper than 1000 levels");
  }

  @Test
  void issue14_numbersOpaCallsTooBigAreRefused() {
    // Answers of OPA 1.22.2 to `opa eval -I 'input.n'` and to the Rego literal: the binary
    // exponent must stay within +-100000, i.e. |n| < 2^100000 = 9.990020930...e30102 and
    // |n| >= 2^-100001 = 5.004994518...e-30104.
    for (String ok :
        new String[] {
          "9.99002e30102", "-9.99002e30102", "5.005e-30104", "0e100000000", "1e30000"
        }) {
      assertThat(Json.parse("{\"n\": " + ok + "}")).as(ok).isInstanceOf(ObjectValue.class);
      assertThat(NumberValue.tooBig(new BigDecimal(ok))).as(ok).isFalse();
    }
    for (String big :
        new String[] {"9.99003e30102", "1e30103", "5.004e-30104", "1e100000000", "-1e-100000000"}) {
      assertThat(NumberValue.tooBig(new BigDecimal(big))).as(big).isTrue();
      assertThatThrownBy(() -> Json.parse("{\"n\": " + big + "}"))
          .as(big)
          .isInstanceOf(Json.JsonException.class)
          .hasMessage("invalid JSON at line 1, column 7: number too big: " + big);
    }
  }

  @Test
  void issue14_numbersLongerThanTheLimitAreRefused() {
    String longest = "9".repeat(Json.MAX_NUMBER_LENGTH);
    assertThat(Json.parse(longest).toString()).isEqualTo(longest);
    assertThatThrownBy(() -> Json.parse("[" + longest + "9]"))
        .isInstanceOf(Json.JsonException.class)
        .hasMessageContaining("number longer than 1000 characters");
    assertThatThrownBy(() -> Json.parse("[0." + "1".repeat(1_000) + "]"))
        .hasMessageContaining("number longer than 1000 characters");
  }

  /**
   * Found by {@code JsonFuzzTest}: bytes with a NUL among the first four (or a UTF-16 byte-order
   * mark) were decoded by Jackson as UTF-32 or UTF-16, and a code point beyond U+10FFFF escaped as
   * an {@link java.io.UncheckedIOException} rather than a refusal of the body.
   */
  @Test
  void issue14_bytesJacksonWouldReadAsUtf16Or32AreRefusedAsJson() {
    byte[][] inputs = {
      {'[', 0, 0, 0, ' ', '+', 0x2b, 0x20, ']', 0, 0, 0},
      {0, 0, 0, '1'},
      {(byte) 0xff, (byte) 0xfe, '1', 0},
      {(byte) 0xfe, (byte) 0xff, 0, '1'},
    };
    for (byte[] in : inputs) {
      assertThatThrownBy(() -> Json.parse(in))
          .isInstanceOf(Json.JsonException.class)
          .hasMessageStartingWith("invalid JSON at line 1, column 1: not UTF-8");
    }
    assertThat(Json.parse("[1]".getBytes(StandardCharsets.UTF_8)).toString()).isEqualTo("[1]");
  }
}
