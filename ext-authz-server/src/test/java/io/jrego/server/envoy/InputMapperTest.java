package io.jrego.server.envoy;

import static io.jrego.server.envoy.TestRequests.ct;
import static io.jrego.server.envoy.TestRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputMapperTest {

  private final InputMapper mapper = new InputMapper(InputMapper.Options.defaults());

  private ObjectValue map(CheckRequest r) throws CheckException {
    return mapper.map(r);
  }

  private static Value at(ObjectValue o, String... keys) {
    Value cur = o;
    for (String k : keys) {
      cur = ((ObjectValue) cur).get(k).orElseThrow(() -> new AssertionError("missing " + k));
    }
    return cur;
  }

  private static Value json(String s) {
    return Json.parse(s);
  }

  @Test
  void map_convertsAttributesWithJsonNamesAndOnlyPopulatedFields() throws Exception {
    CheckRequest r =
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setSource(
                        AttributeContext.Peer.newBuilder()
                            .setAddress(
                                Address.newBuilder()
                                    .setSocketAddress(
                                        SocketAddress.newBuilder()
                                            .setAddress("10.0.0.1")
                                            .setPortValue(51000)))
                            .setPrincipal("spiffe://cluster.local/ns/ai/sa/orchestrator"))
                    .putContextExtensions("k", "v")
                    .setMetadataContext(Metadata.getDefaultInstance())
                    .setRequest(
                        AttributeContext.Request.newBuilder()
                            .setTime(Timestamp.newBuilder().setSeconds(1767225602))
                            .setHttp(
                                AttributeContext.HttpRequest.newBuilder()
                                    .setId("42")
                                    .setMethod("GET")
                                    .setPath("/x")
                                    .setSize(-1)
                                    .setRawBody(ByteString.copyFromUtf8("hi")))))
            .build();
    ObjectValue attrs = (ObjectValue) at(map(r), "attributes");
    assertThat(attrs)
        .isEqualTo(
            json(
                """
                {"source": {"address": {"socketAddress": {"address": "10.0.0.1", "portValue": 51000}},
                            "principal": "spiffe://cluster.local/ns/ai/sa/orchestrator"},
                 "contextExtensions": {"k": "v"},
                 "metadataContext": {},
                 "request": {"time": {"seconds": 1767225602},
                             "http": {"id": "42", "method": "GET", "path": "/x", "size": -1,
                                      "rawBody": "aGk="}}}
                """));
  }

  @Test
  void map_populatedFieldsAreExactlyThoseProtobufCallsSet() throws Exception {
    AttributeContext attrs =
        AttributeContext.newBuilder()
            .setSource(
                AttributeContext.Peer.newBuilder()
                    .setAddress(
                        Address.newBuilder()
                            .setSocketAddress(
                                SocketAddress.newBuilder()
                                    .setProtocol(SocketAddress.Protocol.UDP)
                                    .setPortValue(0) // a oneof member: set, though zero
                                    .setIpv4Compat(false)
                                    .setResolverName(""))))
            .setDestination(
                AttributeContext.Peer.newBuilder()
                    .setAddress(
                        Address.newBuilder()
                            .setPipe(Pipe.newBuilder().setPath("/run/x.sock").setMode(-1))))
            .setTlsSession(AttributeContext.TLSSession.getDefaultInstance()) // set, though empty
            .setRequest(
                AttributeContext.Request.newBuilder()
                    .setHttp(
                        AttributeContext.HttpRequest.newBuilder()
                            .setSize(0)
                            .setMethod("")
                            .putHeaders("a", "1")
                            .setHeaderMap(
                                HeaderMap.newBuilder()
                                    .addHeaders(
                                        HeaderValue.newBuilder()
                                            .setKey("b")
                                            .setRawValue(ByteString.copyFromUtf8("2"))))))
            .build();
    Value mapped = at(map(CheckRequest.newBuilder().setAttributes(attrs).build()), "attributes");
    assertSameFields(attrs, mapped);
    assertThat(at((ObjectValue) mapped, "source", "address", "socketAddress"))
        .isEqualTo(json("{\"protocol\": 1, \"portValue\": 0}"));
    assertThat(at((ObjectValue) mapped, "destination", "address", "pipe"))
        .isEqualTo(json("{\"path\": \"/run/x.sock\", \"mode\": 4294967295}"));
    assertThat(at((ObjectValue) mapped, "tlsSession")).isEqualTo(json("{}"));
  }

  /** The keys of every mapped object are the JSON names of the fields protobuf reports set. */
  private static void assertSameFields(Message msg, Value mapped) {
    ObjectValue o = (ObjectValue) mapped;
    Map<FieldDescriptor, Object> set = msg.getAllFields();
    assertThat(o.keys().stream().map(k -> ((StringValue) k).value()))
        .as(msg.getDescriptorForType().getFullName())
        .containsExactlyInAnyOrderElementsOf(
            set.keySet().stream().map(FieldDescriptor::getJsonName).toList());
    set.forEach(
        (fd, v) -> {
          if (v instanceof Message m && !fd.isRepeated()) {
            assertSameFields(m, o.get(fd.getJsonName()).orElseThrow());
          } else if (v instanceof List<?> l
              && fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            if (!fd.isMapField()) {
              ArrayValue a = (ArrayValue) o.get(fd.getJsonName()).orElseThrow();
              for (int i = 0; i < l.size(); i++) {
                assertSameFields((Message) l.get(i), a.get(i));
              }
            }
          }
        });
  }

  @Test
  void map_walksWellKnownTypesFieldByFieldButStructAsJson() throws Exception {
    Struct s =
        Struct.newBuilder()
            .putFields("n", com.google.protobuf.Value.newBuilder().setNumberValue(1.5).build())
            .putFields("s", com.google.protobuf.Value.newBuilder().setStringValue("x").build())
            .build();
    CheckRequest r =
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setMetadataContext(
                        Metadata.newBuilder()
                            .putFilterMetadata("f", s)
                            .putTypedFilterMetadata(
                                "t",
                                Any.newBuilder()
                                    .setTypeUrl("type.googleapis.com/x.Y")
                                    .setValue(ByteString.copyFrom(new byte[] {1, 2, 3}))
                                    .build())))
            .build();
    assertThat(at(map(r), "attributes", "metadataContext"))
        .isEqualTo(
            json(
                """
                {"filterMetadata": {"f": {"n": 1.5, "s": "x"}},
                 "typedFilterMetadata": {"t": {"typeUrl": "type.googleapis.com/x.Y", "value": "AQID"}}}
                """));
  }

  @Test
  void map_addsVersionAndSourcePrincipalOnlyWhenSet() throws Exception {
    ObjectValue in = map(request("/", Map.of(), ""));
    assertThat(in.get("version"))
        .contains(json("{\"ext_authz\":\"v3\",\"encoding\":\"protojson\"}"));
    assertThat(in.get("source_principal")).isEmpty();
    assertThat(in.get("spiffe")).isEmpty();
    assertThat(in.get("parsed_path")).contains(json("[\"\"]"));
    assertThat(in.get("parsed_query")).contains(json("{}"));
    assertThat(in.get("parsed_body")).contains(json("null"));
    assertThat(in.get("truncated_body")).contains(json("false"));
  }

  @Test
  void map_emptyCheckRequestHasNoAttributes() throws Exception {
    ObjectValue in = map(CheckRequest.getDefaultInstance());
    assertThat(in.get("attributes")).isEmpty();
    assertThat(in.get("parsed_path")).contains(json("[\"\"]"));
  }

  @Test
  void parsedPath_decodesStripsLeadingSlashesAndSplits() throws Exception {
    assertThat(parsedPath("/a/b")).isEqualTo(json("[\"a\",\"b\"]"));
    assertThat(parsedPath("%2Fa%2Fb")).isEqualTo(json("[\"a\",\"b\"]"));
    assertThat(parsedPath("//admin/x")).isEqualTo(json("[\"admin\",\"x\"]"));
    assertThat(parsedPath("/")).isEqualTo(json("[\"\"]"));
    assertThat(parsedPath("/a/")).isEqualTo(json("[\"a\",\"\"]"));
    assertThat(parsedPath("/a//b")).isEqualTo(json("[\"a\",\"\",\"b\"]"));
    assertThat(parsedPath("/a+b%20c?x=1")).isEqualTo(json("[\"a+b c\"]"));
    assertThat(parsedPath("/caf%C3%A9")).isEqualTo(json("[\"café\"]"));
  }

  private Value parsedPath(String path) throws CheckException {
    return at(map(request(path, Map.of(), "")), "parsed_path");
  }

  @Test
  void parsedPath_badEscapeIsARequestParseError() {
    assertThatThrownBy(() -> parsedPath("/a%zzb"))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessage("request_parse_error: invalid URL escape \"%zz\"");
    assertThatThrownBy(() -> parsedPath("/a%4"))
        .hasMessage("request_parse_error: invalid URL escape \"%4\"");
  }

  @Test
  void parsedQuery_formDecodesAndKeepsRepeatedKeysInOrder() throws Exception {
    Value q = at(map(request("/p?b=2&a=x+y&b=1&flag&e=&&c=%41", Map.of(), "")), "parsed_query");
    assertThat(q)
        .isEqualTo(
            json(
                "{\"a\":[\"x y\"],\"b\":[\"2\",\"1\"],\"flag\":[\"\"],\"e\":[\"\"],\"c\":[\"A\"]}"));
  }

  @Test
  void parsedQuery_semicolonOrBadEscapeIsARequestParseError() {
    assertThatThrownBy(() -> map(request("/p?a=1;b=2", Map.of(), "")))
        .hasMessage("request_parse_error: invalid semicolon separator in query");
    assertThatThrownBy(() -> map(request("/p?a=%G1", Map.of(), "")))
        .hasMessage("request_parse_error: invalid URL escape \"%G1\"");
  }

  @Test
  void parsedBody_jsonKeepsNumbersExact() throws Exception {
    ObjectValue in =
        map(
            request(
                "/",
                ct("application/json; charset=utf-8"),
                "{\"n\": 12345678901234567890.5, \"m\": [1]}"));
    assertThat(in.get("parsed_body")).contains(json("{\"n\": 12345678901234567890.5, \"m\": [1]}"));
    assertThat(in.get("truncated_body")).contains(json("false"));
    assertThat(map(request("/", ct("application/json"), "\"str\"")).get("parsed_body"))
        .contains(json("\"str\""));
  }

  @Test
  void parsedBody_jsonFallsBackToRawBody() throws Exception {
    CheckRequest r =
        request("/", ct("application/json"), "").toBuilder()
            .setAttributes(
                request("/", ct("application/json"), "").getAttributes().toBuilder()
                    .setRequest(
                        AttributeContext.Request.newBuilder()
                            .setHttp(
                                AttributeContext.HttpRequest.newBuilder()
                                    .putHeaders("content-type", "application/json")
                                    .setRawBody(ByteString.copyFromUtf8("{\"a\":1}")))))
            .build();
    assertThat(map(r).get("parsed_body")).contains(json("{\"a\":1}"));
  }

  @Test
  void parsedBody_invalidJsonOrTrailingDataIsARequestParseError() {
    assertThatThrownBy(() -> map(request("/", ct("application/json"), "{\"a\": ")))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REQUEST_PARSE_ERROR))
        .hasMessageStartingWith("request_parse_error: invalid JSON");
    assertThatThrownBy(() -> map(request("/", ct("application/json"), "{} {}")))
        .hasMessageStartingWith("request_parse_error: invalid JSON");
  }

  @Test
  void parsedBody_emptyJsonBodyIsNull() throws Exception {
    ObjectValue in = map(request("/", ct("application/json"), ""));
    assertThat(in.get("parsed_body")).contains(json("null"));
    assertThat(in.get("truncated_body")).contains(json("false"));
  }

  @Test
  void parsedBody_truncatedWhenContentLengthExceedsPayloadBytes() throws Exception {
    // "é" is 2 bytes: 10 bytes in all, so content-length 10 is complete and 11 is cut.
    String body = "{\"a\":\"é\"}";
    assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(10);
    ObjectValue complete =
        map(request("/", Map.of("content-type", "application/json", "content-length", "10"), body));
    assertThat(complete.get("truncated_body")).contains(json("false"));
    ObjectValue cut =
        map(request("/", Map.of("content-type", "application/json", "content-length", "11"), body));
    assertThat(cut.get("parsed_body")).contains(json("null"));
    assertThat(cut.get("truncated_body")).contains(json("true"));
    ObjectValue unknown =
        map(request("/", Map.of("content-type", "application/json", "content-length", "-1"), body));
    assertThat(unknown.get("parsed_body")).contains(json("{\"a\":\"é\"}"));
  }

  @Test
  void parsedBody_badContentLengthIsARequestParseError() {
    assertThatThrownBy(
            () ->
                map(
                    request(
                        "/",
                        Map.of("content-type", "application/json", "content-length", "ten"),
                        "{}")))
        .hasMessageContaining("request_parse_error: strconv.ParseInt: parsing \"ten\"");
  }

  @Test
  void parsedBody_partialBodyHeaderWinsBeforeAnythingElse() throws Exception {
    ObjectValue in =
        map(
            request(
                "/",
                Map.of("x-envoy-auth-partial-body", "true", "content-type", "application/json"),
                "{not json"));
    assertThat(in.get("parsed_body")).contains(json("null"));
    assertThat(in.get("truncated_body")).contains(json("true"));
  }

  @Test
  void parsedBody_noContentTypeOrUnknownTypeIsNull() throws Exception {
    assertThat(map(request("/", Map.of(), "{}")).get("parsed_body")).contains(json("null"));
    assertThat(map(request("/", ct("text/plain"), "{}")).get("parsed_body")).contains(json("null"));
    assertThat(map(request("/", ct("application/grpc"), "x")).get("parsed_body"))
        .contains(json("null"));
    // OPA-Envoy checks application/grpc before form bodies.
    assertThat(
            map(request("/", ct("application/grpc; x=application/x-www-form-urlencoded"), "a=1"))
                .get("parsed_body"))
        .contains(json("null"));
  }

  @Test
  void parsedBody_formUrlEncoded() throws Exception {
    ObjectValue in =
        map(request("/", ct("application/x-www-form-urlencoded"), "a=1&b=x+y&a=2&c=%2F"));
    assertThat(in.get("parsed_body"))
        .contains(json("{\"a\":[\"1\",\"2\"],\"b\":[\"x y\"],\"c\":[\"/\"]}"));
    assertThatThrownBy(() -> map(request("/", ct("application/x-www-form-urlencoded"), "a=%")))
        .hasMessage("request_parse_error: invalid URL escape \"%\"");
    ObjectValue cut =
        map(
            request(
                "/",
                Map.of("content-type", "application/x-www-form-urlencoded", "content-length", "99"),
                "a=1"));
    assertThat(cut.get("truncated_body")).contains(json("true"));
  }

  private static final String MULTIPART =
      String.join(
          "\r\n",
          "preamble",
          "--XyZ",
          "Content-Disposition: form-data; name=\"meta\"",
          "Content-Type: application/json",
          "",
          "{\"model\": \"gpt-4o\", \"n\": 2}",
          "--XyZ",
          "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"",
          "Content-Type: text/plain",
          "",
          "line1",
          "line2",
          "--XyZ",
          "Content-Disposition: form-data; name=\"file\"",
          "",
          "",
          "--XyZ",
          "Content-Disposition: attachment; name=\"skipped\"",
          "",
          "x",
          "--XyZ--",
          "");

  @Test
  void parsedBody_multipartParsesJsonPartsAndKeepsOthersAsStrings() throws Exception {
    ObjectValue in = map(request("/", ct("multipart/form-data; boundary=XyZ"), MULTIPART));
    assertThat(in.get("parsed_body"))
        .contains(
            json(
                "{\"meta\":[{\"model\":\"gpt-4o\",\"n\":2}],\"file\":[\"line1\\r\\nline2\",\"\"]}"));
  }

  @Test
  void parsedBody_multipartWithBareNewlinesAndQuotedBoundary() throws Exception {
    String body = "--a b\nContent-Disposition: form-data; name=x\n\nv\n--a b--";
    ObjectValue in = map(request("/", ct("multipart/form-data; boundary=\"a b\""), body));
    assertThat(in.get("parsed_body")).contains(json("{\"x\":[\"v\"]}"));
  }

  @Test
  void parsedBody_multipartBoundaryTextInsideAPartIsContent() throws Exception {
    // Checked against Go's mime/multipart: only CRLF--boundary ends a part.
    String body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv1\r\n--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"a\"\r\n\r\nv2--XyZ\r\n--XyZ--";
    assertThat(map(request("/", ct("multipart/form-data; boundary=XyZ"), body)).get("parsed_body"))
        .contains(json("{\"a\":[\"v1\",\"v2--XyZ\"]}"));
  }

  @Test
  void parsedBody_multipartWithoutBoundaryIsNull() throws Exception {
    assertThat(map(request("/", ct("multipart/form-data"), MULTIPART)).get("parsed_body"))
        .contains(json("null"));
  }

  @Test
  void parsedBody_badMultipartIsARequestParseError() {
    assertThatThrownBy(
            () -> map(request("/", ct("multipart/form-data; boundary=XyZ"), "no parts here\r\n")))
        .hasMessageStartingWith("request_parse_error: multipart");
    String unterminated = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
    assertThatThrownBy(
            () -> map(request("/", ct("multipart/form-data; boundary=XyZ"), unterminated)))
        .hasMessage("request_parse_error: unexpected EOF");
    String trailing =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv1\r\n--XyZ--trailing";
    assertThatThrownBy(() -> map(request("/", ct("multipart/form-data; boundary=XyZ"), trailing)))
        .hasMessage("request_parse_error: multipart: NextPart: EOF");
    String badJson =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: application/json\r\n\r\n{x\r\n--XyZ--";
    assertThatThrownBy(() -> map(request("/", ct("multipart/form-data; boundary=XyZ"), badJson)))
        .hasMessageStartingWith("request_parse_error: invalid JSON");
    assertThatThrownBy(() -> map(request("/", ct("multipart/form-data; boundary"), MULTIPART)))
        .hasMessage("request_parse_error: mime: invalid media parameter");
  }

  @Test
  void skipRequestBodyParse_leavesBodyKeysOut() throws Exception {
    InputMapper skip =
        new InputMapper(InputMapper.Options.defaults().withSkipRequestBodyParse(true));
    ObjectValue in = skip.map(request("/", ct("application/json"), "{broken"));
    assertThat(in.get("parsed_body")).isEmpty();
    assertThat(in.get("truncated_body")).isEmpty();
  }

  private static CheckRequest withPeer(String principal, Map<String, String> headers) {
    CheckRequest base = request("/", headers, "");
    return base.toBuilder()
        .setAttributes(
            base.getAttributes().toBuilder()
                .setSource(AttributeContext.Peer.newBuilder().setPrincipal(principal)))
        .build();
  }

  @Test
  void spiffe_fromPeerCertificateWithIstioNamespaceAndServiceAccount() throws Exception {
    ObjectValue in = map(withPeer("spiffe://cluster.local/ns/ai/sa/orchestrator", Map.of()));
    assertThat(in.get("source_principal"))
        .contains(json("\"spiffe://cluster.local/ns/ai/sa/orchestrator\""));
    assertThat(in.get("spiffe"))
        .contains(
            json(
                """
                {"id": "spiffe://cluster.local/ns/ai/sa/orchestrator", "trust_domain": "cluster.local",
                 "path": "/ns/ai/sa/orchestrator", "namespace": "ai", "service_account": "orchestrator",
                 "from": "peer_certificate"}
                """));
  }

  @Test
  void spiffe_nonIstioPathHasNoNamespace() throws Exception {
    ObjectValue in = map(withPeer("spiffe://example.org/workload/a", Map.of()));
    assertThat(in.get("spiffe"))
        .contains(
            json(
                "{\"id\":\"spiffe://example.org/workload/a\",\"trust_domain\":\"example.org\","
                    + "\"path\":\"/workload/a\",\"from\":\"peer_certificate\"}"));
  }

  @Test
  void spiffe_absentForInvalidIds() throws Exception {
    for (String bad :
        new String[] {
          "localhost",
          "spiffe://",
          "spiffe://Cluster.local/ns/a",
          "spiffe://cluster.local/ns//a",
          "spiffe://cluster.local/ns/../a",
          "spiffe://cluster.local/ns/a/",
          "spiffe://cluster.local:8080/x",
          "spiffe://cluster.local/a?b",
          "SPIFFE://cluster.local/a"
        }) {
      ObjectValue in = map(withPeer(bad, Map.of()));
      assertThat(in.get("spiffe")).as(bad).isEmpty();
      assertThat(in.get("source_principal")).as(bad).isPresent();
    }
  }

  private static final String XFCC =
      "By=spiffe://cluster.local/ns/x/sa/y;Hash=abc;Subject=\"CN=a,O=b;c\";"
          + "URI=spiffe://cluster.local/ns/edge/sa/api-gateway";

  @Test
  void spiffe_fromXfccOnlyWhenTrusted() throws Exception {
    Map<String, String> h =
        Map.of("x-forwarded-client-cert", "URI=spiffe://cluster.local/ns/z/sa/old," + XFCC);
    assertThat(map(withPeer("", h)).get("spiffe")).isEmpty();
    InputMapper trusting = new InputMapper(InputMapper.Options.defaults().withTrustXfcc(true));
    ObjectValue in = trusting.map(withPeer("", h));
    assertThat(at(in, "spiffe", "id"))
        .isEqualTo(json("\"spiffe://cluster.local/ns/edge/sa/api-gateway\""));
    assertThat(at(in, "spiffe", "from")).isEqualTo(json("\"xfcc\""));
    assertThat(at(in, "spiffe", "namespace")).isEqualTo(json("\"edge\""));
  }

  @Test
  void spiffe_peerCertificateWinsOverXfcc() throws Exception {
    InputMapper trusting = new InputMapper(InputMapper.Options.defaults().withTrustXfcc(true));
    ObjectValue in =
        trusting.map(
            withPeer(
                "spiffe://cluster.local/ns/ai/sa/orchestrator",
                Map.of("x-forwarded-client-cert", XFCC)));
    assertThat(at(in, "spiffe", "from")).isEqualTo(json("\"peer_certificate\""));
    assertThat(at(in, "spiffe", "service_account")).isEqualTo(json("\"orchestrator\""));
  }

  @Test
  void spiffe_xfccWithoutValidUriIsAbsent() throws Exception {
    InputMapper trusting = new InputMapper(InputMapper.Options.defaults().withTrustXfcc(true));
    assertThat(
            trusting.map(withPeer("", Map.of("x-forwarded-client-cert", "Hash=abc"))).get("spiffe"))
        .isEmpty();
    assertThat(
            trusting
                .map(withPeer("", Map.of("x-forwarded-client-cert", "URI=https://x/y")))
                .get("spiffe"))
        .isEmpty();
  }

  @Test
  void map_matchesTheExampleInputShape() throws Exception {
    // The gateway example in rego-policies/examples, minus what a CheckRequest cannot carry.
    Value expected =
        Json.parse(
            java.nio.file.Files.readString(
                java.nio.file.Path.of(
                    "..", "rego-policies", "examples", "gateway-chat-internal-model.input.json")));
    ObjectValue ex = (ObjectValue) expected;
    String body =
        ((io.jrego.engine.value.StringValue) at(ex, "attributes", "request", "http", "body"))
            .value();
    ObjectValue headers = (ObjectValue) at(ex, "attributes", "request", "http", "headers");
    Map<String, String> h = new java.util.HashMap<>();
    headers.forEach(
        (k, v) ->
            h.put(
                ((io.jrego.engine.value.StringValue) k).value(),
                ((io.jrego.engine.value.StringValue) v).value()));
    CheckRequest r = withPeer("spiffe://cluster.local/ns/edge/sa/api-gateway", h);
    r =
        r.toBuilder()
            .setAttributes(
                r.getAttributes().toBuilder()
                    .setRequest(
                        r.getAttributes().getRequest().toBuilder()
                            .setHttp(
                                r.getAttributes().getRequest().getHttp().toBuilder()
                                    .setPath("/v1/chat/completions")
                                    .setBody(body))))
            .build();
    ObjectValue in = map(r);
    for (String k :
        new String[] {
          "parsed_path",
          "parsed_query",
          "parsed_body",
          "truncated_body",
          "version",
          "source_principal",
          "spiffe"
        }) {
      assertThat(in.get(k)).as(k).isEqualTo(ex.get(k));
    }
  }
}
