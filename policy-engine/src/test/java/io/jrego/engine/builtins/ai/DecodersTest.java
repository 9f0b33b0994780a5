package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DecodersTest {

  /** What the JDK's reporting decoder makes of {@code b}: the text, or null when malformed. */
  private static String jdk(byte[] b) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  @Test
  void utf8_agreesWithTheJdkDecoderOnTheEdgesOfWellFormedness() {
    int[][] cases = {
      {},
      {0x41},
      {0x7F},
      {0x80},
      {0xC0, 0x80},
      {0xC1, 0xBF},
      {0xC2, 0x80},
      {0xDF, 0xBF},
      {0xE0, 0x9F, 0x80},
      {0xE0, 0xA0, 0x80},
      {0xED, 0x9F, 0xBF},
      {0xED, 0xA0, 0x80},
      {0xEF, 0xBF, 0xBF},
      {0xF0, 0x8F, 0x80, 0x80},
      {0xF0, 0x90, 0x80, 0x80},
      {0xF4, 0x8F, 0xBF, 0xBF},
      {0xF4, 0x90, 0x80, 0x80},
      {0xF5, 0x80, 0x80, 0x80},
      {0xFF},
      {0xE2, 0x82},
      {0xF0, 0x9F, 0x98},
      {0x41, 0xC3},
      {0xC3, 0x41},
      {0xE2, 0x41, 0x82},
    };
    for (int[] c : cases) {
      byte[] b = bytes(c);
      assertThat(Decoders.utf8(b)).as(java.util.Arrays.toString(c)).isEqualTo(jdk(b));
    }
  }

  @Test
  void utf8_agreesWithTheJdkDecoderOnRandomBytes() {
    SplittableRandom r = new SplittableRandom(10);
    int wellFormed = 0;
    for (int round = 0; round < 200_000; round++) {
      byte[] b = new byte[r.nextInt(1, 12)];
      for (int i = 0; i < b.length; i++) {
        // mostly bytes near the boundaries of UTF-8's ranges, so both answers occur often
        b[i] = (byte) (r.nextBoolean() ? r.nextInt(256) : 0x80 + r.nextInt(0x80));
        if (r.nextInt(4) == 0) {
          b[i] = (byte) (0xC0 + r.nextInt(0x40));
        }
      }
      String expected = jdk(b);
      assertThat(Decoders.utf8(b)).as(java.util.Arrays.toString(b)).isEqualTo(expected);
      if (expected != null) {
        wellFormed++;
      }
    }
    assertThat(wellFormed).isGreaterThan(1000);
  }
}
