package io.jrego.server.envoy;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@code parsed_body} for {@code application/json}, including the second reading that
 * replaces bytes that are not UTF-8 as Go does. Invariants: {@link RequestFuzzing}.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/server/envoy/JsonBodyFuzzTestInputs/json/}.
 */
class JsonBodyFuzzTest {

  @FuzzTest
  void json(byte[] body) {
    RequestFuzzing.check("/v1/chat/completions", "application/json", body);
  }
}
