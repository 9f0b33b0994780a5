package io.jrego.server.envoy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzzes {@code parsed_body} for {@code multipart/form-data}: the input's first line is appended to
 * the {@code content-type} (its parameters, such as {@code ; boundary=b}), the rest is the body.
 * Invariants: {@link RequestFuzzing}.
 *
 * <p>Seeds: {@code
 * src/test/resources/io/jrego/server/envoy/MultipartBodyFuzzTestInputs/multipart/}.
 */
class MultipartBodyFuzzTest {

  @FuzzTest
  void multipart(byte[] bytes) {
    int lf = 0;
    while (lf < bytes.length && bytes[lf] != '\n') {
      lf++;
    }
    String params = new String(bytes, 0, lf, StandardCharsets.UTF_8);
    byte[] body = Arrays.copyOfRange(bytes, Math.min(lf + 1, bytes.length), bytes.length);
    RequestFuzzing.check("/upload", "multipart/form-data" + params, body);
  }
}
