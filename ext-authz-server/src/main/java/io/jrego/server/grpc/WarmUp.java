package io.jrego.server.grpc;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.util.List;

/** Made-up requests in the shapes Envoy sends, for {@link AuthorizationService#warmUp}. */
final class WarmUp {

  private WarmUp() {}

  static List<CheckRequest> samples() {
    return List.of(
        request(
            "spiffe://cluster.local/ns/warmup/sa/warmup",
            "POST",
            "/v1/chat/completions",
            "application/json",
            "{\"model\":\"warmup\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"),
        request("spiffe://cluster.local/ns/warmup/sa/warmup", "GET", "/v1/models?limit=1", "", ""),
        request("", "GET", "/", "", ""));
  }

  private static CheckRequest request(
      String principal, String method, String path, String contentType, String body) {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setId("0")
            .setMethod(method)
            .setPath(path)
            .setHost("localhost")
            .setScheme("https")
            .setProtocol("HTTP/1.1")
            .putHeaders(":authority", "localhost")
            .putHeaders(":method", method)
            .putHeaders(":path", path)
            .putHeaders("user-agent", "jrego-warmup")
            .putHeaders("x-request-id", "00000000-0000-4000-8000-000000000000");
    if (!contentType.isEmpty()) {
      http.putHeaders("content-type", contentType)
          .putHeaders("content-length", String.valueOf(body.length()))
          .setBody(body)
          .setSize(body.length());
    }
    AttributeContext.Peer.Builder source = AttributeContext.Peer.newBuilder();
    if (!principal.isEmpty()) {
      source.setPrincipal(principal);
    }
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(source)
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
        .build();
  }
}
