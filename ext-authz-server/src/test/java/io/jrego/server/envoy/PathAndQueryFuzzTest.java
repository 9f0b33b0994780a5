package io.jrego.server.envoy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@code parsed_path} and {@code parsed_query} with the input as the request's {@code
 * :path}. Invariants: {@link RequestFuzzing}.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/server/envoy/PathAndQueryFuzzTestInputs/path/}.
 */
class PathAndQueryFuzzTest {

  @FuzzTest
  void path(byte[] bytes) {
    RequestFuzzing.check(new String(bytes, StandardCharsets.UTF_8), "text/plain", new byte[0]);
  }
}
