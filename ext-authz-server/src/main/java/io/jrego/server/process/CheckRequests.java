package io.jrego.server.process;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * What an ext_proc stream knows of a request, as the {@link CheckRequest} Envoy's ext_authz filter
 * would have sent, so that the input document is built by the same mapping as Check's and a policy
 * reads the same fields in both.
 *
 * <p>From the request headers message: method, path, host, scheme and every header (pseudo-headers
 * included, repeated names joined by commas, as ext_authz sends them); from the attributes Envoy
 * adds when the filter's {@code request_attributes} name them: {@code source.address} and {@code
 * source.port}, {@code destination.address} and {@code destination.port}, {@code
 * connection.uri_san_peer_certificate} (the caller's SPIFFE id, as {@code source.principal}),
 * {@code connection.uri_san_local_certificate} or {@code connection.dns_san_local_certificate}
 * ({@code destination.principal}), {@code connection.requested_server_name}, {@code request.id},
 * {@code request.time} and {@code request.protocol}; the dynamic metadata as {@code
 * metadata_context}; the body as {@code body} when it is UTF-8, else {@code raw_body}.
 */
final class CheckRequests {

  private CheckRequests() {}

  static CheckRequest of(
      Headers headers, Map<String, Struct> attributes, Metadata metadata, ByteString body) {
    Struct attrs = merged(attributes);
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setMethod(headers.get(":method").orElse(""))
            .setPath(headers.get(":path").orElse(""))
            .setHost(headers.get(":authority").or(() -> headers.get("host")).orElse(""))
            .setScheme(headers.get(":scheme").orElse(""))
            .putAllHeaders(headers.asMap());
    string(attrs, "request.id").ifPresent(http::setId);
    string(attrs, "request.protocol").ifPresent(http::setProtocol);
    if (!body.isEmpty()) {
      http.setSize(body.size());
      Optional<String> text = utf8(body);
      if (text.isPresent()) {
        http.setBody(text.get());
      } else {
        http.setRawBody(body);
      }
    } else {
      http.setSize(contentLength(headers));
    }
    AttributeContext.Request.Builder request = AttributeContext.Request.newBuilder().setHttp(http);
    string(attrs, "request.time").flatMap(CheckRequests::timestamp).ifPresent(request::setTime);
    AttributeContext.Builder ctx = AttributeContext.newBuilder().setRequest(request);
    ctx.setSource(
        peer(attrs, "source", string(attrs, "connection.uri_san_peer_certificate").orElse("")));
    ctx.setDestination(
        peer(
            attrs,
            "destination",
            string(attrs, "connection.uri_san_local_certificate")
                .or(() -> string(attrs, "connection.dns_san_local_certificate"))
                .orElse("")));
    string(attrs, "connection.requested_server_name")
        .filter(s -> !s.isEmpty())
        .ifPresent(sni -> ctx.setTlsSession(AttributeContext.TLSSession.newBuilder().setSni(sni)));
    ctx.setMetadataContext(metadata);
    return CheckRequest.newBuilder().setAttributes(ctx).build();
  }

  private static Struct merged(Map<String, Struct> attributes) {
    if (attributes.size() == 1) {
      return attributes.values().iterator().next();
    }
    Struct.Builder out = Struct.newBuilder();
    attributes.values().forEach(s -> out.putAllFields(s.getFieldsMap()));
    return out.build();
  }

  private static AttributeContext.Peer peer(Struct attrs, String prefix, String principal) {
    AttributeContext.Peer.Builder p = AttributeContext.Peer.newBuilder().setPrincipal(principal);
    Optional<String> address = string(attrs, prefix + ".address");
    if (address.isPresent()) {
      String a = address.get();
      int port = number(attrs, prefix + ".port").orElse(0);
      // "ip:port" or "[v6]:port"
      int colon = a.lastIndexOf(':');
      String host = a;
      if (a.startsWith("[") && a.contains("]")) {
        host = a.substring(1, a.indexOf(']'));
      } else if (colon > 0 && a.indexOf(':') == colon) {
        host = a.substring(0, colon);
      }
      if (port == 0 && colon > 0) {
        try {
          port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
          // no port in the text
        }
      }
      p.setAddress(
          Address.newBuilder()
              .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port)));
    }
    return p.build();
  }

  private static Optional<String> string(Struct s, String key) {
    Value v = s.getFieldsMap().get(key);
    return v != null && v.hasStringValue() ? Optional.of(v.getStringValue()) : Optional.empty();
  }

  private static Optional<Integer> number(Struct s, String key) {
    Value v = s.getFieldsMap().get(key);
    return v != null && v.hasNumberValue()
        ? Optional.of((int) v.getNumberValue())
        : Optional.empty();
  }

  private static Optional<Timestamp> timestamp(String rfc3339) {
    try {
      var t = OffsetDateTime.parse(rfc3339).toInstant();
      return Optional.of(
          Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static long contentLength(Headers headers) {
    try {
      return Long.parseLong(headers.get("content-length").orElse("-1").trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Optional<String> utf8(ByteString body) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body.toByteArray()))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
