package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes the {@code x-forwarded-client-cert} reader with what a client can put in the header before
 * a proxy appends its own element (Envoy's {@code APPEND_FORWARD}). Invariants: reading never
 * throws; whatever the client sent, the identity taken from the forwarded header is the proxy's URI
 * or none at all, never one the client wrote (issue 14, finding 8); a header that reads well still
 * does with the proxy's element appended, and that element is its last.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/server/envoy/XfccFuzzTestInputs/clientPart/}.
 */
class XfccFuzzTest {

  private static final String PROXY_URI = "spiffe://cluster.local/ns/default/sa/stranger";
  private static final String PROXY_ELEMENT =
      "By=spiffe://cluster.local/ns/edge/sa/envoy;Hash=5f3a;URI=" + PROXY_URI;

  @FuzzTest
  void clientPart(byte[] bytes) {
    String client = new String(bytes, StandardCharsets.UTF_8);
    Optional<List<List<Xfcc.Pair>>> alone = Xfcc.parse(client);
    String forwarded = client + "," + PROXY_ELEMENT;
    Optional<String> uri = SpiffeId.xfccUri(forwarded);
    assertThat(uri)
        .as(forwarded)
        .satisfiesAnyOf(u -> assertThat(u).isEmpty(), u -> assertThat(u).contains(PROXY_URI));
    if (alone.isPresent()) {
      List<List<Xfcc.Pair>> elements = Xfcc.parse(forwarded).orElseThrow();
      assertThat(elements).hasSize(alone.get().size() + 1);
      assertThat(elements.get(elements.size() - 1))
          .contains(
              new Xfcc.Pair("uri", PROXY_URI),
              new Xfcc.Pair("by", "spiffe://cluster.local/ns/edge/sa/envoy"));
      assertThat(uri).contains(PROXY_URI);
    }
  }
}
