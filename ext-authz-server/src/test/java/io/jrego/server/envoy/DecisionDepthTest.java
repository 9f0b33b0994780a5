package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.value.Json;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a decision whose {@code dynamic_metadata} nests deeper than protobuf parsers read
 * (Envoy's among them, 100 messages) would fail in Envoy as if jrego had failed, and {@code
 * failure_mode_allow: true} would let the request through. jrego refuses it as an invalid decision,
 * which {@code --on-error} answers.
 */
class DecisionDepthTest {

  private final DecisionMapper mapper = new DecisionMapper(false);

  private static String decisionWithMetadataDepth(int depth) {
    // the metadata object is level 1; each further level is one more {"a": ...}
    return "{\"allowed\": false, \"dynamic_metadata\": "
        + "{\"a\":".repeat(depth - 1)
        + "{\"leaf\": 1}"
        + "}".repeat(depth - 1)
        + "}";
  }

  @Test
  void issue14_metadataAsDeepAsEnvoyReadsIsAnsweredAndParsesBack() throws Exception {
    CheckResponse r =
        mapper.map(
            Json.parse(decisionWithMetadataDepth(DecisionMapper.MAX_METADATA_DEPTH)), "id-1");
    // protobuf's default recursion limit, as Envoy parses the response
    assertThat(CheckResponse.parseFrom(r.toByteArray())).isEqualTo(r);
  }

  @Test
  void issue14_deeperMetadataIsAnInvalidDecision() {
    assertThatThrownBy(
            () ->
                mapper.map(
                    Json.parse(decisionWithMetadataDepth(DecisionMapper.MAX_METADATA_DEPTH + 1)),
                    "id-1"))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_DECISION))
        .hasMessage(
            "invalid_decision: dynamic_metadata nested deeper than 32 levels, which Envoy cannot"
                + " read");
  }

  @Test
  void issue14_withoutTheLimitAReaderWouldFailAFewLevelsFurther() throws Exception {
    // The reason for the limit: the same shape a few levels deeper no longer parses.
    Struct.Builder deep = Struct.newBuilder();
    for (int i = 0; i < DecisionMapper.MAX_METADATA_DEPTH + 2; i++) {
      deep =
          Struct.newBuilder()
              .putFields("a", com.google.protobuf.Value.newBuilder().setStructValue(deep).build());
    }
    byte[] bytes = CheckResponse.newBuilder().setDynamicMetadata(deep).build().toByteArray();
    assertThatThrownBy(() -> CheckResponse.parseFrom(bytes))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }
}
