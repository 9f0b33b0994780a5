package io.jrego.server.envoy;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.util.Map;

/**
 * CheckRequests as Envoy sends them for an HTTP request, for tests in any package: {@code
 * TestRequests.post("/v1/chat/completions").json(body).build()}. Only what a test sets is set, so a
 * request built here maps to an input with nothing else in it.
 */
public final class TestRequests {

  private TestRequests() {}

  /** A {@code GET} of {@code path}. */
  public static Http get(String path) {
    return http("GET", path);
  }

  /** A {@code POST} to {@code path}. */
  public static Http post(String path) {
    return http("POST", path);
  }

  /** A request with {@code method} for {@code path}. */
  public static Http http(String method, String path) {
    return new Http(method, path);
  }

  /** A POST to {@code path} with {@code headers} and {@code body}, and nothing else set. */
  static CheckRequest request(String path, Map<String, String> headers, String body) {
    return post(path).headers(headers).body(body).build();
  }

  /** The one header {@code content-type: contentType}. */
  static Map<String, String> ct(String contentType) {
    return Map.of("content-type", contentType);
  }

  /** The parts of one CheckRequest being built; {@link #build()} may be called more than once. */
  public static final class Http {
    private final AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder();
    private final AttributeContext.Builder attributes = AttributeContext.newBuilder();

    private Http(String method, String path) {
      http.setMethod(method).setPath(path);
    }

    /** Adds header {@code name: value} (Envoy sends names in lower case). */
    public Http header(String name, String value) {
      http.putHeaders(name, value);
      return this;
    }

    /** Adds every one of {@code headers}. */
    public Http headers(Map<String, String> headers) {
      http.putAllHeaders(headers);
      return this;
    }

    /** Sets the {@code host} (the {@code :authority}). */
    public Http host(String host) {
      http.setHost(host);
      return this;
    }

    /** Sets the body as text, without a content-type. */
    public Http body(String body) {
      http.setBody(body);
      return this;
    }

    /** Sets the body as bytes ({@code raw_body}, as Envoy sends it with {@code pack_as_bytes}). */
    public Http rawBody(byte[] body) {
      http.setRawBody(ByteString.copyFrom(body));
      return this;
    }

    /** Sets the body {@code json} with {@code content-type: application/json}. */
    public Http json(String json) {
      return header("content-type", "application/json").body(json);
    }

    /**
     * Sets the peer's principal (its SPIFFE ID, as Envoy reports it from the client certificate).
     */
    public Http principal(String principal) {
      attributes.setSource(AttributeContext.Peer.newBuilder().setPrincipal(principal));
      return this;
    }

    /** Adds every one of {@code extensions} to the route's context extensions. */
    public Http contextExtensions(Map<String, String> extensions) {
      attributes.putAllContextExtensions(extensions);
      return this;
    }

    /** The CheckRequest with what was set so far. */
    public CheckRequest build() {
      return CheckRequest.newBuilder()
          .setAttributes(attributes.setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
          .build();
    }
  }
}
