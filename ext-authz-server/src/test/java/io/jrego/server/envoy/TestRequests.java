package io.jrego.server.envoy;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.util.Map;

/** CheckRequests as Envoy sends them for an HTTP request, for the input-mapping tests. */
final class TestRequests {

  private TestRequests() {}

  /** A POST to {@code path} with {@code headers} and {@code body}, and nothing else set. */
  static CheckRequest request(String path, Map<String, String> headers, String body) {
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setRequest(
                    AttributeContext.Request.newBuilder()
                        .setHttp(
                            AttributeContext.HttpRequest.newBuilder()
                                .setMethod("POST")
                                .setPath(path)
                                .putAllHeaders(headers)
                                .setBody(body))))
        .build();
  }

  /** The one header {@code content-type: contentType}. */
  static Map<String, String> ct(String contentType) {
    return Map.of("content-type", contentType);
  }
}
