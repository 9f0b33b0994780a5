package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a JSON body that failed to parse was copied whole with its bytes that are not UTF-8
 * replaced, and parsed again, whatever the failure; a hostile body that fails (too deep, a syntax
 * error) cost two parses and a copy. Now only a failure on such a byte is tried again.
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
