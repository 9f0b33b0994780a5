package io.jrego.server.envoy;

import static io.jrego.server.envoy.TestRequests.ct;
import static io.jrego.server.envoy.TestRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 at the level where requests become input: colliding keys (finding 1), deep nesting (2),
 * oversized numbers (4) and parameter counts are answered as request parse errors (400, as
 * OPA-Envoy answers its parse errors), the check's deadline covers mapping, and a malformed {@code
 * x-forwarded-client-cert} gives no identity (8).
 */
class HostileRequestMappingTest {

  private final InputMapper mapper = new InputMapper(InputMapper.Options.defaults());

  /** {@code n} distinct keys with one Java {@code String.hashCode}. */
  private static List<String> colliding(int n) {
    int blocks = 32 - Integer.numberOfLeadingZeros(n - 1);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      for (int b = 0; b < blocks; b++) {
        sb.append(((i >> b) & 1) == 0 ? "Aa" : "BB");
      }
      out.add(sb.toString());
    }
    return out;
  }

  private static ObjectValue object(ObjectValue input, String key) {
    return (ObjectValue) input.get(key).orElseThrow();
  }

  private static int distinctKeyHashes(ObjectValue o) {
    Set<Integer> hashes = new HashSet<>();
    for (Value k : o.keys()) {
      hashes.add(k.hashCode());
    }
    return hashes.size();
  }

  // ---- finding 1: colliding keys -------------------------------------------------------------

  @Test
  void issue14_collidingFormQueryJsonAndHeaderNamesAreMappedWithDistinctHashes() throws Exception {
    List<String> keys = colliding(2_450); // the issue's 62 KB body
    String form = String.join("=1&", keys) + "=1";
    StringBuilder json = new StringBuilder("{");
    Map<String, String> headers = new HashMap<>();
    for (String k : keys) {
      json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":1");
      headers.put(k, "1"); // straight to the gRPC port: any names, up to 4 MiB
    }
    json.append('}');

    ObjectValue fromForm =
        object(
            mapper.map(request("/", ct("application/x-www-form-urlencoded"), form)), "parsed_body");
    ObjectValue fromQuery = object(mapper.map(request("/?" + form, Map.of(), "")), "parsed_query");
    ObjectValue fromJson =
        object(mapper.map(request("/", ct("application/json"), json.toString())), "parsed_body");
    ObjectValue fromHeaders = mapper.map(request("/", headers, ""));
    for (String k : List.of("attributes", "request", "http", "headers")) {
      fromHeaders = object(fromHeaders, k);
    }
    for (ObjectValue o : List.of(fromForm, fromQuery, fromJson)) {
      assertThat(o.size()).isEqualTo(2_450);
      assertThat(distinctKeyHashes(o)).isGreaterThan(2_440);
    }
    assertThat(fromHeaders.size()).isEqualTo(2_450);
    assertThat(distinctKeyHashes(fromHeaders)).isGreaterThan(2_440);
  }

  @Test
  void issue14_moreThanTenThousandQueryOrFormParametersIsAParseError() throws Exception {
    String tenThousand = "a=1" + "&a=1".repeat(9_999);
    assertThat(mapper.map(request("/?" + tenThousand, Map.of(), "")).get("parsed_query"))
        .isPresent();
    String tooMany = tenThousand + "&";
    assertThatThrownBy(() -> mapper.map(request("/?" + tooMany, Map.of(), "")))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessage("request_parse_error: number of URL query parameters exceeded limit");
    assertThatThrownBy(
            () -> mapper.map(request("/", ct("application/x-www-form-urlencoded"), tooMany)))
        .hasMessage("request_parse_error: number of URL query parameters exceeded limit");
  }

  // ---- findings 2 and 4: nesting and numbers ------------------------------------------------

  @Test
  void issue14_deepJsonIsAParseErrorInABodyAndInAMultipartPart() {
    String deep = "[".repeat(5_000) + "]".repeat(5_000);
    assertThatThrownBy(() -> mapper.map(request("/", ct("application/json"), deep)))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessage(
            "request_parse_error: invalid JSON at line 1, column 1002: nested deeper than 1000"
                + " levels");
    String multipart =
        String.join(
            "\r\n",
            "--XyZ",
            "Content-Disposition: form-data; name=\"meta\"",
            "Content-Type: application/json",
            "",
            "{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000),
            "--XyZ--",
            "");
    assertThatThrownBy(
            () -> mapper.map(request("/", ct("multipart/form-data; boundary=XyZ"), multipart)))
        .hasMessageContaining("request_parse_error: invalid JSON")
        .hasMessageContaining("nested deeper than 1000 levels");
  }

  @Test
  void issue14_aNumberOpaCallsTooBigIsAParseError() {
    assertThatThrownBy(
            () -> mapper.map(request("/", ct("application/json"), "{\"ids\": [1e100000000]}")))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessage(
            "request_parse_error: invalid JSON at line 1, column 10: number too big: 1e100000000");
  }

  @Test
  void issue14_mappingStopsOnceTheChecksDeadlineHasPassed() throws Exception {
    CheckRequest r = request("/a?b=1", ct("application/json"), "{\"c\": 1}");
    assertThat(mapper.map(r, System.nanoTime() + 60_000_000_000L).get("parsed_body")).isPresent();
    assertThatThrownBy(() -> mapper.map(r, System.nanoTime() - 1))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT))
        .hasMessageStartingWith("timeout: the check's deadline passed while mapping the request");
  }

  /**
   * Left by the first round: multipart part and header counts were not limited, and every part and
   * header line costs objects far beyond its bytes. Go's form limits apply now: 1,000 parts, 10,000
   * header lines, answered 400 as {@code multipart: message too large}.
   */
  @Test
  void issue14_multipartPartAndHeaderCountsAreLimited() throws Exception {
    Map<String, String> headers = Map.of("content-type", "multipart/form-data; boundary=b");
    String part = "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n";
    ObjectValue ok =
        new InputMapper(InputMapper.Options.defaults())
            .map(request("/up", headers, part.repeat(Multipart.MAX_PARTS) + "--b--\r\n"));
    assertThat(ok.get("parsed_body").orElseThrow().toString()).contains("\"p\"");
    for (String body :
        new String[] {
          part.repeat(Multipart.MAX_PARTS + 1) + "--b--\r\n",
          "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n"
              + "X-A: 1\r\n".repeat(Multipart.MAX_HEADERS)
              + "\r\nv\r\n--b--\r\n"
        }) {
      assertThatThrownBy(
              () ->
                  new InputMapper(InputMapper.Options.defaults())
                      .map(request("/up", headers, body)))
          .isInstanceOfSatisfying(
              CheckException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
          .hasMessageContaining("multipart: message too large");
    }
  }
}
