package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UnsafeByteOperations;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a JSON body that failed to parse was copied whole with its bytes that are not UTF-8
 * replaced, and parsed again, whatever the failure; a hostile body that fails (too deep, a syntax
 * error) cost two parses and a copy. Now each body is parsed once: by the byte parser when it is
 * well-formed UTF-8, else through the reader that replaces bad bytes as Go does.
 */
class BodyParserParseOnceTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void aSyntaxErrorIsReportedAtOnceWithoutCopyingTheBody() {
    // `{"a" 1,` then 1 MiB of a string, and a byte that is not UTF-8 at the very end
    byte[] body = body("{\"a\" 1, \"b\":\"", 1 << 20, "\"}");
    body[body.length - 3] = (byte) 0xff;
    parseJsonFails(body); // warm: the first call loads classes
    long before = THREADS.getCurrentThreadAllocatedBytes();
    String message = parseJsonFails(body);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    assertThat(message).startsWith("invalid JSON at line 1, column 6:");
    // the copy alone was 2 MiB (a UTF-16 StringBuilder of 1 MiB characters), then a second parse
    assertThat(allocated).as("bytes allocated to report the error").isLessThan(256 << 10);
  }

  @Test
  void aBodyNestedTooDeepIsReportedOnce() {
    byte[] body = body("[".repeat(100_000), 1 << 20, "\u00ff");
    body[body.length - 1] = (byte) 0xfe;
    parseJsonFails(body);
    long before = THREADS.getCurrentThreadAllocatedBytes();
    String message = parseJsonFails(body);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    assertThat(message).contains("nested deeper than");
    assertThat(allocated).as("bytes allocated to report the error").isLessThan(256 << 10);
  }

  @Test
  void aStringWithABadByteDeepInsideIsStillReadAsGoReadsIt() throws Exception {
    // the byte sits 64 KiB into a string: the first parse fails there, the second reads it
    byte[] body = body("{\"a\":\"", 1 << 17, "\"}");
    body[6 + (1 << 16)] = (byte) 0xc0;
    Value parsed = BodyParser.parseJson(body);
    String a = ((StringValue) ((ObjectValue) parsed).getOrNull(StringValue.of("a"))).value();
    assertThat(a).hasSize(1 << 17);
    assertThat(a.charAt(1 << 16)).isEqualTo('\ufffd');
    assertThat(a.replace("\ufffd", "")).matches("x+");
  }

  @Test
  void aBadByteOutsideAStringIsReportedFromTheReplacedText() {
    byte[] body = "{\"a\":1,?}".getBytes(StandardCharsets.UTF_8);
    body[7] = (byte) 0xff;
    assertThat(parseJsonFails(body)).startsWith("invalid JSON at line 1, column 8:");
  }

  @Test
  void wellFormedBodiesAndTheScanAgree() throws Exception {
    byte[] ok = "{\"caf\u00e9\":\"\ud83d\ude00\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(BodyParser.firstInvalidUtf8(ok, ok.length)).isEqualTo(-1);
    assertThat(BodyParser.parseJson(ok)).isInstanceOf(ObjectValue.class);
    byte[] bad = {'a', 'b', (byte) 0xe2, (byte) 0x82, 'c'};
    assertThat(BodyParser.firstInvalidUtf8(bad, bad.length)).isEqualTo(2);
    assertThat(BodyParser.firstInvalidUtf8(bad, 2)).isEqualTo(-1);
    assertThat(BodyParser.replaceInvalidUtf8(bad)).isEqualTo("ab\ufffd\ufffdc");
  }

  @Test
  void aGzipStreamSentAsJsonFailsAtItsFirstByteWithoutACopy() {
    // the fault matrix's gzip bomb as raw_body: a gzip header (a NUL among the first four bytes,
    // so the first parse fails with no offset) and 400 KB of bytes, most of them not UTF-8
    byte[] body = new byte[400 << 10];
    new Random(14).nextBytes(body);
    System.arraycopy(new byte[] {0x1f, (byte) 0x8b, 0x08, 0x00}, 0, body, 0, 4);
    String asBefore = outcome(() -> Json.parse(BodyParser.replaceInvalidUtf8(body))).toString();
    parseJsonFails(body);
    long before = THREADS.getCurrentThreadAllocatedBytes();
    String message = parseJsonFails(body);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    // the same answer as parsing the whole body copied with its bytes replaced
    assertThat(message).isEqualTo(asBefore).contains("(CTRL-CHAR, code 31)");
    // the copy and its parse allocated 2.86 MB for the fault matrix's 400 KB gzip bomb
    assertThat(allocated).as("bytes allocated to report the error").isLessThan(256 << 10);
  }

  @Test
  void theReaderReadsWhatTheCopyHolds() throws IOException {
    // bytes drawn to hit every branch of the decoder: ASCII, continuation bytes, every lead byte,
    // encoded surrogates (ED A0..BF), overlong forms, sequences cut short, 4-byte code points
    byte[] alphabet = {
      'a',
      '"',
      '{',
      (byte) 0x80,
      (byte) 0xbf,
      (byte) 0xc0,
      (byte) 0xc2,
      (byte) 0xdf,
      (byte) 0xe0,
      (byte) 0xa0,
      (byte) 0xed,
      (byte) 0xef,
      (byte) 0xf0,
      (byte) 0x90,
      (byte) 0xf4,
      (byte) 0x8f,
      (byte) 0xf5,
      (byte) 0xff,
      0
    };
    Random random = new Random(11);
    for (int round = 0; round < 20_000; round++) {
      byte[] bytes = new byte[random.nextInt(24)];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = alphabet[random.nextInt(alphabet.length)];
      }
      String copy = BodyParser.replaceInvalidUtf8(bytes);
      // parseJson's check (protobuf's validator) and the reader's rules agree on what is bad
      assertThat(UnsafeByteOperations.unsafeWrap(bytes).isValidUtf8())
          .as("round %d: %s well-formed", round, Arrays.toString(bytes))
          .isEqualTo(copy == null);
      String expected = copy != null ? copy : new String(bytes, StandardCharsets.UTF_8);
      int chunk = 1 + random.nextInt(4); // 1: a surrogate pair split over two reads
      assertThat(readAll(new BodyParser.GoUtf8Reader(bytes), chunk))
          .as("round %d, reads of %d", round, chunk)
          .isEqualTo(expected);
    }
  }

  @Test
  void bodiesWithBadBytesParseAsTheCopyParses() {
    // JSON with bytes that are not UTF-8 in strings, keys and between tokens, half of it well
    // formed apart from them: the streaming second parse gives the same value or the same message
    // as parsing the copy
    String[] parts = {
      "{\"k\":", "\"v", "\"", "[", "]", "1", ",", "}", "\u00e9", "\ud83d\ude00", " "
    };
    String[] text = {"a", "\u00e9", "\ud83d\ude00", "\\n", " "};
    byte[][] bad = {
      {(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}
    };
    Random random = new Random(9);
    int values = 0;
    int errors = 0;
    for (int round = 0; round < 5_000; round++) {
      boolean wellFormed = round % 2 == 0;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (wellFormed) {
        out.writeBytes("{\"k\":[\"".getBytes(StandardCharsets.UTF_8));
      }
      int pieces = 1 + random.nextInt(8);
      for (int i = 0; i < pieces; i++) {
        String[] from = wellFormed ? text : parts;
        out.writeBytes(
            random.nextInt(3) == 0
                ? bad[random.nextInt(bad.length)]
                : from[random.nextInt(from.length)].getBytes(StandardCharsets.UTF_8));
      }
      if (wellFormed) {
        out.writeBytes("\",1]}".getBytes(StandardCharsets.UTF_8));
      }
      byte[] body = out.toByteArray();
      String copy = BodyParser.replaceInvalidUtf8(body);
      if (copy == null) {
        continue;
      }
      Object fromCopy = outcome(() -> Json.parse(copy));
      Object parsed;
      try {
        parsed = BodyParser.parseReplaced(body);
      } catch (UrlDecoding.DecodingException e) {
        parsed = e.getMessage();
      }
      assertThat(parsed).as("round %d: %s", round, Arrays.toString(body)).isEqualTo(fromCopy);
      values += fromCopy instanceof Value ? 1 : 0;
      errors += fromCopy instanceof Value ? 0 : 1;
    }
    assertThat(values).as("documents that parsed").isGreaterThan(1_000);
    assertThat(errors).as("documents that did not").isGreaterThan(1_000);
  }

  /** The value parsed, or the message of the JsonException thrown. */
  private static Object outcome(Supplier<Value> parse) {
    try {
      return parse.get();
    } catch (Json.JsonException e) {
      return e.getMessage();
    }
  }

  private static String readAll(Reader in, int chunk) throws IOException {
    StringBuilder out = new StringBuilder();
    char[] buf = new char[chunk];
    int n;
    while ((n = in.read(buf, 0, chunk)) != -1) {
      out.append(buf, 0, n);
    }
    return out.toString();
  }

  /** {@code head}, {@code n} times 'x', {@code tail}, as UTF-8 (an 0xff-free tail). */
  private static byte[] body(String head, int n, String tail) {
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] t = tail.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[h.length + n + t.length];
    System.arraycopy(h, 0, out, 0, h.length);
    Arrays.fill(out, h.length, h.length + n, (byte) 'x');
    System.arraycopy(t, 0, out, h.length + n, t.length);
    return out;
  }

  private static String parseJsonFails(byte[] body) {
    Throwable[] thrown = new Throwable[1];
    assertThatThrownBy(() -> BodyParser.parseJson(body))
        .isInstanceOf(UrlDecoding.DecodingException.class)
        .satisfies(e -> thrown[0] = e);
    return thrown[0].getMessage();
  }
}
