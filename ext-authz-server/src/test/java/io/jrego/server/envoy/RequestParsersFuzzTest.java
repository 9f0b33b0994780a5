package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Fuzzes what jrego parses out of a request before any policy sees it: the JSON, form and multipart
 * body parsers and the path and query parser, each through {@link InputMapper} as a check uses
 * them. Invariants: the input document is built, or the request is refused with {@link
 * Reason#REQUEST_PARSE_ERROR} and a message (the 400 OPA-Envoy answers); nothing else is thrown;
 * each input is done within {@link #BOUND} (hash-collision keys, deep nesting and huge numbers
 * included).
 *
 * <p>Seeds: {@code
 * src/test/resources/io/jrego/server/envoy/RequestParsersFuzzTestInputs/<target>/}. {@code
 * multipart} takes the {@code content-type} header's parameters from its first line and the body
 * from the rest.
 */
class RequestParsersFuzzTest {

  /** Far above what any input of the fuzzer's size takes; a quadratic blow-up passes it. */
  static final Duration BOUND = Duration.ofSeconds(5);

  private static final InputMapper MAPPER = new InputMapper(InputMapper.Options.defaults());

  @FuzzTest
  void json(byte[] body) {
    check("/v1/chat/completions", "application/json", body);
  }

  @FuzzTest
  void form(byte[] body) {
    check("/login", "application/x-www-form-urlencoded", body);
  }

  @FuzzTest
  void multipart(byte[] bytes) {
    int lf = indexOf(bytes, (byte) '\n');
    String params = lf < 0 ? "" : new String(bytes, 0, lf, StandardCharsets.UTF_8);
    byte[] body = lf < 0 ? bytes : Arrays.copyOfRange(bytes, lf + 1, bytes.length);
    check("/upload", "multipart/form-data" + params, body);
  }

  @FuzzTest
  void pathAndQuery(byte[] bytes) {
    check(new String(bytes, StandardCharsets.UTF_8), "text/plain", new byte[0]);
  }

  private static void check(String path, String contentType, byte[] body) {
    CheckRequest request =
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setRequest(
                        AttributeContext.Request.newBuilder()
                            .setHttp(
                                AttributeContext.HttpRequest.newBuilder()
                                    .setMethod("POST")
                                    .setPath(path)
                                    .putHeaders("content-type", contentType)
                                    .setRawBody(ByteString.copyFrom(body)))))
            .build();
    long start = System.nanoTime();
    try {
      ObjectValue input = MAPPER.map(request);
      assertThat(input.get("parsed_path")).isPresent();
    } catch (CheckException e) {
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.REQUEST_PARSE_ERROR);
      assertThat(e.getMessage()).isNotBlank();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
