package io.jrego.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Turns an OPA-Envoy input document (as in {@code load-tests/inputs/*.json}) back into the
 * CheckRequest Envoy would send for it, so every Check server under test receives the request whose
 * mapped input is that document.
 *
 * <p>The input's {@code attributes} is the CheckRequest's {@code attributes} in protobuf JSON
 * names, except that OPA-Envoy writes a Timestamp as {@code {seconds, nanos}} where protobuf JSON
 * wants an RFC 3339 string; that one field is converted before parsing.
 */
final class CheckRequests {

  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckRequests() {}

  /** The CheckRequest for the input document in {@code file}. */
  static CheckRequest fromInputFile(Path file) throws IOException {
    return fromInput(JSON.readTree(Files.readAllBytes(file)));
  }

  /** The CheckRequest for an input document. */
  static CheckRequest fromInput(JsonNode input) throws IOException {
    JsonNode attributes = input.path("attributes").deepCopy();
    if (!(attributes instanceof ObjectNode attrs)) {
      throw new IllegalArgumentException("the input has no attributes object");
    }
    JsonNode time = attrs.path("request").path("time");
    if (time.isObject() && attrs.get("request") instanceof ObjectNode request) {
      Instant t = Instant.ofEpochSecond(time.path("seconds").asLong(), time.path("nanos").asLong());
      request.put("time", t.toString());
    }
    CheckRequest.Builder b = CheckRequest.newBuilder();
    JsonFormat.parser().merge(JSON.writeValueAsString(attrs), b.getAttributesBuilder());
    return b.build();
  }

  /** The body OPA's REST data API takes for the same input: {@code {"input": ...}}. */
  static byte[] restBody(Path inputFile) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.set("input", JSON.readTree(Files.readAllBytes(inputFile)));
    return JSON.writeValueAsBytes(body);
  }
}
