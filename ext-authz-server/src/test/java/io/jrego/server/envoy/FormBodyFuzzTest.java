package io.jrego.server.envoy;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@code parsed_body} for {@code application/x-www-form-urlencoded}. Invariants: {@link
 * RequestFuzzing}.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/server/envoy/FormBodyFuzzTestInputs/form/}.
 */
class FormBodyFuzzTest {

  @FuzzTest
  void form(byte[] body) {
    RequestFuzzing.check("/login", "application/x-www-form-urlencoded", body);
  }
}
