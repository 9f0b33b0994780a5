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

  /** Any byte sequence starting with {@code prefix} that {@link Decoders#utf8} accepts. */
  @Test
  void illFormedPrefix_onlyWhenNoContinuationIsUtf8() {
    SplittableRandom r = new SplittableRandom(22);
    int refused = 0;
    for (int round = 0; round < 200_000; round++) {
      byte[] whole = new byte[r.nextInt(1, 16)];
      for (int i = 0; i < whole.length; i++) {
        whole[i] = (byte) (r.nextBoolean() ? r.nextInt(256) : 0x80 + r.nextInt(0x80));
      }
      byte[] prefix = java.util.Arrays.copyOf(whole, r.nextInt(1, whole.length + 1));
      if (Decoders.illFormedUtf8Prefix(prefix)) {
        refused++;
        assertThat(jdk(whole)).as(java.util.Arrays.toString(whole)).isNull();
      }
      if (jdk(whole) != null) {
        assertThat(Decoders.illFormedUtf8Prefix(prefix)).isFalse();
      }
    }
    assertThat(refused).isGreaterThan(50_000);
  }

  /**
   * What {@code Decoders} reads a run as: the JDK's base64 decoders, as its decodeRun uses them.
   */
  private static byte[] jdkBase64(String run) {
    String s = run.length() % 4 == 1 ? run.substring(0, run.length() - 1) : run;
    boolean urlSafe = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
    try {
      return (urlSafe ? java.util.Base64.getUrlDecoder() : java.util.Base64.getDecoder())
          .decode(s + "==".substring(0, (4 - s.length() % 4) % 4));
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  @Test
  void base64Prefix_refusesOnlyRunsWhoseBytesAreNotUtf8() {
    SplittableRandom r = new SplittableRandom(23);
    String standard = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    String urlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int refused = 0;
    for (int round = 0; round < 100_000; round++) {
      String run;
      switch (round % 4) {
        case 0 -> run = randomRun(r, standard, r.nextInt(16, 64));
        case 1 -> run = randomRun(r, urlSafe, r.nextInt(16, 64));
        case 2 -> run = randomRun(r, "0123456789", r.nextInt(16, 24)); // card numbers, IBAN tails
        default -> {
          // the base64 of text (twelve code points or more: at least 16 characters)
          StringBuilder t = new StringBuilder();
          for (int k = r.nextInt(12, 40); k > 0; k--) {
            t.appendCodePoint(r.nextInt(5) == 0 ? 0xA0 + r.nextInt(0x3000) : 'a' + r.nextInt(26));
          }
          run =
              (r.nextBoolean() ? java.util.Base64.getEncoder() : java.util.Base64.getUrlEncoder())
                  .withoutPadding()
                  .encodeToString(t.toString().getBytes(StandardCharsets.UTF_8));
        }
      }
      // the run in the middle of a view's code points
      int[] view = ("a " + run + " z").chars().toArray();
      boolean may = Decoders.mayBeUtf8AsBase64(view, 2, 2 + run.length());
      byte[] decoded = jdkBase64(run);
      if (!may) {
        refused++;
        assertThat(Decoders.utf8(decoded)).as(run).isNull();
      }
      if (round % 4 == 3) {
        assertThat(may).as(run).isTrue(); // text is never refused
      }
    }
    assertThat(refused).isGreaterThan(40_000);
  }

  private static String randomRun(SplittableRandom r, String alphabet, int length) {
    StringBuilder b = new StringBuilder(length);
    for (int k = 0; k < length; k++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
