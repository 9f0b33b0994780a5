package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 1 (the fault matrix's hash phase): a query string or form body with more
 * parameters than the server's limit ({@code --max-form-params}, 1,000 by default, as Jetty's
 * {@code maxFormKeys}) is refused with a 400 naming the limit, counted before anything is decoded,
 * so a flood of names costs one scan. At OPA-Envoy's own limit (Go's 10,000) the answer stays Go's.
 */
class FormParamsLimitTest {

  private final InputMapper serve =
      new InputMapper(
          new InputMapper.Options(false, false, InputMapper.Options.DEFAULT_MAX_PARAMS));

  private static String pairs(int n, String first) {
    StringBuilder b = new StringBuilder(first);
    for (int i = 1; i < n; i++) {
      b.append("&k").append(i).append("=v");
    }
    return b.toString();
  }

  private static CheckRequest form(String body) {
    return request("POST", "/v1/chat/completions", body);
  }

  private static CheckRequest request(String method, String path, String body) {
    return TestRequests.http(method, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .build();
  }

  @Test
  void issue14_aFormOrQueryAtTheLimitIsMapped() throws Exception {
    ObjectValue in = serve.map(form(pairs(1_000, "k0=v")));
    assertThat(((ObjectValue) in.get("parsed_body").orElseThrow()).size()).isEqualTo(1_000);
    ObjectValue q = serve.map(request("GET", "/v1/models?" + pairs(1_000, "k0=v"), ""));
    assertThat(((ObjectValue) q.get("parsed_query").orElseThrow()).size()).isEqualTo(1_000);
  }

  @Test
  void issue14_aFormBodyPastTheLimitIsRefusedNamingItBeforeItIsDecoded() {
    // the first pair's escape is bad: the count comes first, so the limit is what is reported
    assertThatThrownBy(() -> serve.map(form(pairs(1_001, "k0=%zz"))))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessage(
            "request_parse_error: the form body has more than 1000 parameters, the most this"
                + " server takes (--max-form-params)");
  }

  @Test
  void issue14_aQueryStringPastTheLimitIsRefusedNamingIt() {
    assertThatThrownBy(() -> serve.map(request("GET", "/v1/models?" + pairs(1_001, "a"), "")))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessageContaining("the query string has more than 1000 parameters");
  }

  @Test
  void issue14_opaEnvoysLimitKeepsGosAnswer() throws Exception {
    InputMapper opaEnvoy = new InputMapper(InputMapper.Options.defaults());
    assertThat(opaEnvoy.map(form(pairs(1_001, "k0=v"))).get("parsed_body")).isPresent();
    assertThatThrownBy(() -> opaEnvoy.map(form(pairs(10_001, "k0=v"))))
        .hasMessage("request_parse_error: number of URL query parameters exceeded limit");
  }

  @Test
  void issue14_aLimitOutsideOneToGosIsRefused() {
    assertThatThrownBy(() -> new InputMapper.Options(false, false, 0))
        .hasMessage("the parameter limit must be 1 to 10000, got 0");
    assertThatThrownBy(() -> new InputMapper.Options(false, false, 10_001))
        .hasMessageContaining("got 10001");
  }
}
