package io.jrego.server.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionMapperTest {

  private final DecisionMapper mapper = new DecisionMapper(false);

  private CheckResponse map(String decisionJson) throws CheckException {
    return mapper.map(Json.parse(decisionJson), "id-1");
  }

  private static List<String> headerStrings(List<HeaderValueOption> hs) {
    return hs.stream()
        .map(
            h ->
                h.getHeader().getKey() + "=" + h.getHeader().getValue() + "/" + h.getAppendAction())
        .toList();
  }

  @Test
  void booleanTrue_isOkWithoutHttpResponse() throws Exception {
    CheckResponse r = mapper.map(BooleanValue.TRUE, "id-1");
    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(r.getHttpResponseCase())
        .isEqualTo(CheckResponse.HttpResponseCase.HTTPRESPONSE_NOT_SET);
    assertThat(r.getDynamicMetadata().getFieldsMap()).containsOnlyKeys("decision_id");
    assertThat(r.getDynamicMetadata().getFieldsOrThrow("decision_id").getStringValue())
        .isEqualTo("id-1");
  }

  @Test
  void booleanFalse_isPermissionDeniedWithoutHttpResponse() throws Exception {
    CheckResponse r = mapper.map(BooleanValue.FALSE, "id-1");
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.hasDeniedResponse()).isFalse();
  }

  @Test
  void allowObject_carriesHeadersRemovalsResponseHeadersAndQueryChanges() throws Exception {
    CheckResponse r =
        map(
            """
            {"allowed": true,
             "headers": {"x-caller": "a", "x-multi": ["1", "2"]},
             "request_headers_to_remove": ["x-unverified"],
             "response_headers_to_add": {"x-resp": "r"},
             "query_parameters_to_set": {"k": "v", "m": ["1", "2"]},
             "query_parameters_to_remove": ["drop"],
             "body": "ignored on allow", "http_status": 999}
            """);
    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    var ok = r.getOkResponse();
    assertThat(headerStrings(ok.getHeadersList()))
        .containsExactly(
            "x-caller=a/OVERWRITE_IF_EXISTS_OR_ADD",
            "x-multi=1/OVERWRITE_IF_EXISTS_OR_ADD",
            "x-multi=2/APPEND_IF_EXISTS_OR_ADD");
    assertThat(ok.getHeadersToRemoveList()).containsExactly("x-unverified");
    assertThat(headerStrings(ok.getResponseHeadersToAddList()))
        .containsExactly("x-resp=r/OVERWRITE_IF_EXISTS_OR_ADD");
    assertThat(ok.getQueryParametersToSetList())
        .extracting(q -> q.getKey() + "=" + q.getValue())
        .containsExactly("k=v", "m=1", "m=2");
    assertThat(ok.getQueryParametersToRemoveList()).containsExactly("drop");
  }

  @Test
  void headers_mayBeAnArrayOfObjectsAndTheFirstValueOfANameOverwrites() throws Exception {
    CheckResponse r =
        map(
            "{\"allowed\": true, \"headers\": [{\"X-A\": \"1\"}, {\"x-a\": \"2\", \"x-b\": \"3\"}]}");
    assertThat(headerStrings(r.getOkResponse().getHeadersList()))
        .containsExactly(
            "X-A=1/OVERWRITE_IF_EXISTS_OR_ADD",
            "x-a=2/APPEND_IF_EXISTS_OR_ADD",
            "x-b=3/OVERWRITE_IF_EXISTS_OR_ADD");
  }

  @Test
  void setsAreAcceptedWhereArraysAre() throws Exception {
    Value decision =
        new ObjectValue.Builder()
            .put("allowed", BooleanValue.TRUE)
            .put("request_headers_to_remove", SetValue.of(StringValue.of("b"), StringValue.of("a")))
            .build();
    assertThat(mapper.map(decision, "id").getOkResponse().getHeadersToRemoveList())
        .containsExactly("a", "b");
  }

  @Test
  void denyObject_carriesStatusBodyAndHeaders() throws Exception {
    CheckResponse r =
        map(
            """
            {"allowed": false, "http_status": 400, "body": "{\\"code\\":\\"x\\"}",
             "headers": {"content-type": "application/json"},
             "request_headers_to_remove": ["ignored on deny"]}
            """);
    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    var denied = r.getDeniedResponse();
    assertThat(denied.getStatus().getCode()).isEqualTo(StatusCode.BadRequest);
    assertThat(denied.getBody()).isEqualTo("{\"code\":\"x\"}");
    assertThat(headerStrings(denied.getHeadersList()))
        .containsExactly("content-type=application/json/OVERWRITE_IF_EXISTS_OR_ADD");
  }

  @Test
  void denyObject_defaultsTo403() throws Exception {
    assertThat(map("{\"allowed\": false}").getDeniedResponse().getStatus().getCode())
        .isEqualTo(StatusCode.Forbidden);
  }

  @Test
  void httpStatus_mustBeOneEnvoyKnows() throws Exception {
    for (int ok : new int[] {100, 200, 208, 226, 308, 418 - 1, 421, 429, 431, 503, 511}) {
      assertThat(
              map("{\"allowed\": false, \"http_status\": " + ok + "}")
                  .getDeniedResponse()
                  .getStatus()
                  .getCodeValue())
          .isEqualTo(ok);
    }
    for (String bad :
        new String[] {"0", "99", "101", "306", "418", "420", "509", "600", "403.5", "\"403\""}) {
      assertThatThrownBy(() -> map("{\"allowed\": false, \"http_status\": " + bad + "}"))
          .as(bad)
          .isInstanceOfSatisfying(
              CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_DECISION));
    }
  }

  @Test
  void allowed_mustBeABoolean() {
    assertThatThrownBy(() -> map("{\"allowed\": \"yes\"}"))
        .isInstanceOfSatisfying(
            CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_DECISION))
        .hasMessageContaining("expected allowed to be of type 'boolean' but got 'string'");
    assertThatThrownBy(() -> map("{\"headers\": {}}"))
        .hasMessageContaining("missing \"allowed\" key");
    assertThatThrownBy(() -> map("\"allow\"")).hasMessageContaining("illegal value");
    assertThatThrownBy(() -> map("1")).hasMessageContaining("illegal value");
  }

  @Test
  void badFieldShapes_areInvalidDecisions() {
    String[] bad = {
      "{\"allowed\": true, \"headers\": \"x\"}",
      "{\"allowed\": true, \"headers\": {\"a\": 1}}",
      "{\"allowed\": true, \"headers\": {\"a\": [\"1\", 2]}}",
      "{\"allowed\": true, \"headers\": [\"x\"]}",
      "{\"allowed\": false, \"headers\": {\"a\": 1}}",
      "{\"allowed\": true, \"request_headers_to_remove\": \"x\"}",
      "{\"allowed\": true, \"request_headers_to_remove\": [1]}",
      "{\"allowed\": true, \"response_headers_to_add\": 3}",
      "{\"allowed\": true, \"query_parameters_to_set\": [\"a\"]}",
      "{\"allowed\": true, \"query_parameters_to_set\": {\"a\": 1}}",
      "{\"allowed\": true, \"query_parameters_to_set\": {\"a\": [1]}}",
      "{\"allowed\": true, \"query_parameters_to_remove\": {}}",
      "{\"allowed\": false, \"body\": 1}",
      "{\"allowed\": true, \"dynamic_metadata\": []}",
      "{\"allowed\": false, \"dynamic_metadata\": \"x\"}",
    };
    for (String d : bad) {
      assertThatThrownBy(() -> map(d))
          .as(d)
          .isInstanceOfSatisfying(
              CheckException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_DECISION));
    }
  }

  @Test
  void dynamicMetadata_isKeptAndDecisionIdOverridesThePolicys() throws Exception {
    CheckResponse r =
        map(
            "{\"allowed\": false, \"dynamic_metadata\": {\"decision_id\": \"mine\", \"n\": 1, \"l\": [true, null, {\"a\": \"b\"}]}}");
    var fields = r.getDynamicMetadata().getFieldsMap();
    assertThat(fields.get("decision_id").getStringValue()).isEqualTo("id-1");
    assertThat(fields.get("n").getNumberValue()).isEqualTo(1.0);
    assertThat(fields.get("l").getListValue().getValues(0).getBoolValue()).isTrue();
    assertThat(
            fields
                .get("l")
                .getListValue()
                .getValues(2)
                .getStructValue()
                .getFieldsOrThrow("a")
                .getStringValue())
        .isEqualTo("b");
  }

  @Test
  void dryRun_turnsADenyIntoAnEmptyOkKeepingMetadata() throws Exception {
    DecisionMapper dry = new DecisionMapper(true);
    CheckResponse r =
        dry.map(
            Json.parse(
                "{\"allowed\": false, \"http_status\": 400, \"body\": \"no\", \"dynamic_metadata\": {\"k\": \"v\"}}"),
            "id-9");
    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(r.hasOkResponse()).isTrue();
    assertThat(r.getOkResponse().getHeadersCount()).isZero();
    assertThat(r.getDynamicMetadata().getFieldsMap()).containsOnlyKeys("k", "decision_id");
    CheckResponse b = dry.map(BooleanValue.FALSE, "id-9");
    assertThat(b.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    CheckResponse allow =
        dry.map(Json.parse("{\"allowed\": true, \"headers\": {\"a\": \"b\"}}"), "id");
    assertThat(allow.getOkResponse().getHeadersCount()).isEqualTo(1);
  }

  @Test
  void dryRun_stillRejectsABadShape() {
    DecisionMapper dry = new DecisionMapper(true);
    assertThatThrownBy(() -> dry.map(Json.parse("{\"allowed\": 1}"), "id"))
        .isInstanceOf(CheckException.class);
  }
}
