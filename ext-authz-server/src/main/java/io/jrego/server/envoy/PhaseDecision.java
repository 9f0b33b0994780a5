package io.jrego.server.envoy;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.jrego.server.body.BodyEdit;
import io.jrego.server.body.StreamSpec;
import java.util.List;
import java.util.Objects;

/**
 * A policy's answer for one ext_proc phase: OPA-Envoy's decision object, read the way {@link
 * DecisionMapper} reads it for Check, plus the body and stream fields of the processing-phase
 * contract (see the module README).
 *
 * @param allowed whether the request (or response) goes on
 * @param httpStatus on a deny, the status of the answer (default 403)
 * @param body on a deny, the answer's body
 * @param headers on a deny, headers of the answer; on an allow, headers set on the request (request
 *     phase) or the response (response phase)
 * @param headersToRemove on an allow, header names removed ({@code request_headers_to_remove} in
 *     the request phase, {@code response_headers_to_remove} in the response phase)
 * @param responseHeadersToAdd request phase: headers added to the response when it comes
 * @param bodyEdits edits of the JSON body, or of each event's JSON data in an SSE stream
 * @param stream how the answer text of an SSE stream is treated (response phase)
 * @param onBlock what a blocking {@code pii} rule answers: status, headers and body
 * @param dynamicMetadata the policy's {@code dynamic_metadata}, with the decision id added
 */
public record PhaseDecision(
    boolean allowed,
    int httpStatus,
    String body,
    List<HeaderValueOption> headers,
    List<String> headersToRemove,
    List<HeaderValueOption> responseHeadersToAdd,
    List<BodyEdit> bodyEdits,
    StreamSpec stream,
    Denial onBlock,
    Struct dynamicMetadata) {

  public PhaseDecision {
    Objects.requireNonNull(body);
    headers = List.copyOf(headers);
    headersToRemove = List.copyOf(headersToRemove);
    responseHeadersToAdd = List.copyOf(responseHeadersToAdd);
    bodyEdits = List.copyOf(bodyEdits);
    Objects.requireNonNull(stream);
    Objects.requireNonNull(onBlock);
    Objects.requireNonNull(dynamicMetadata);
  }

  /**
   * A local answer: status, headers and body, where the body may name what was found ({@code
   * {types}} in it becomes the comma-separated type ids, never the values).
   */
  public record Denial(int httpStatus, List<HeaderValueOption> headers, String body) {
    public Denial {
      headers = List.copyOf(headers);
    }
  }
}
