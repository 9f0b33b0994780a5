package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 8: with {@code --trust-xfcc}, an unterminated quote in the client's element of
 * {@code x-forwarded-client-cert} swallowed the element the proxy appended (Envoy's {@code
 * APPEND_FORWARD}), so the client's forged URI was taken. The header is now read as Envoy writes
 * it, and a malformed one gives no identity at all.
 */
class XfccSmugglingTest {

  private final InputMapper trustingXfcc =
      new InputMapper(InputMapper.Options.defaults().withTrustXfcc(true));

  private static CheckRequest request(Map<String, String> headers) {
    return TestRequests.get("/").headers(headers).build();
  }

  private Optional<Value> spiffeFromXfcc(String header) throws CheckException {
    return trustingXfcc.map(request(Map.of("x-forwarded-client-cert", header))).get("spiffe");
  }

  /** What Envoy appends with {@code set_current_client_cert_details: {uri: true}}. */
  private static final String PROXY_ELEMENT =
      "By=spiffe://cluster.local/ns/edge/sa/envoy;Hash=5f3a;"
          + "URI=spiffe://cluster.local/ns/default/sa/stranger";

  @Test
  void issue14_anUnterminatedQuoteCannotSwallowTheProxysElement() throws Exception {
    // What Envoy forwards with APPEND_FORWARD when the client sent the part before the comma.
    String smuggled = "URI=spiffe://cluster.local/ns/ai/sa/orchestrator;By=\"," + PROXY_ELEMENT;
    assertThat(spiffeFromXfcc(smuggled)).isEmpty();
    String smuggledInQuotedValue =
        "Subject=\"x\";URI=spiffe://cluster.local/ns/ai/sa/orchestrator;Hash=\"abc,"
            + PROXY_ELEMENT;
    assertThat(spiffeFromXfcc(smuggledInQuotedValue)).isEmpty();
  }

  @Test
  void issue14_aWellFormedHeaderGivesTheLastElementsUri() throws Exception {
    String header =
        "URI=spiffe://cluster.local/ns/ai/sa/orchestrator;Subject=\"CN=a,O=\\\"b\\\";c\","
            + PROXY_ELEMENT
            + ";Subject=\"O=jrego test,CN=stranger\"";
    assertThat(spiffeFromXfcc(header).map(v -> ((ObjectValue) v).getOrNull(StringValue.of("id"))))
        .contains(StringValue.of("spiffe://cluster.local/ns/default/sa/stranger"));
  }

  @Test
  void issue14_malformedHeadersGiveNoIdentity() throws Exception {
    String uri = "URI=spiffe://cluster.local/ns/ai/sa/orchestrator";
    for (String bad :
        List.of(
            uri + ";Subject=\"unterminated",
            uri + ";Subject=\"a\"b",
            uri + ";Subject=a\"b\"",
            uri + ";Subject=a=b",
            uri + ";Hash",
            uri + ";=x",
            uri + ",",
            "," + uri,
            uri + ";;Hash=1",
            uri + ";URI=spiffe://cluster.local/ns/x/sa/y")) {
      assertThat(spiffeFromXfcc(bad)).as(bad).isEmpty();
    }
    assertThat(spiffeFromXfcc(uri)).isPresent(); // the control: the same URI, well-formed
  }
}
