package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.BuiltinCalls.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.Value;
import org.junit.jupiter.api.Test;

/** {@code providers.aws.sign_req}, with expected signatures taken from real OPA 1.22.2. */
class AwsBuiltinsTest {

  private static final Value API_GATEWAY =
      json(
          "{\"aws_access_key\":\"AK\",\"aws_secret_access_key\":\"SK\","
              + "\"aws_service\":\"execute-api\",\"aws_region\":\"eu-west-1\"}");

  private static Value sign(Value req, Value config, long nanos) throws BuiltinException {
    return BuiltinCalls.call("providers.aws.sign_req", req, config, NumberValue.of(nanos));
  }

  @Test
  void signReq_escapesPathKeepsQueryAndSkipsIgnoredHeaders() throws Exception {
    Value req =
        json(
            "{\"method\":\"post\",\"url\":\"https://example.com:443/a b/c%2Fd?x=1&a=2#frag\","
                + "\"headers\":{\"User-Agent\":\"u\",\"X-Foo\":\"bar\",\"n\":1}}");
    Value got = sign(req, API_GATEWAY, 1451311705000000000L);
    assertThat(got)
        .isEqualTo(
            json(
                "{\"headers\": {\"Authorization\": \"AWS4-HMAC-SHA256"
                    + " Credential=AK/20151228/eu-west-1/execute-api/aws4_request,"
                    + "SignedHeaders=host;n;x-amz-date;x-foo,"
                    + "Signature=e5f5e1e99fcbbc5a111fb94dfb84832b7525cd71f3cc0cc0ce34c6daf59da67f\","
                    + " \"User-Agent\": \"u\", \"X-Foo\": \"bar\", \"host\": \"example.com:443\","
                    + " \"n\": \"\", \"x-amz-date\": \"20151228T140825Z\"}, \"method\": \"post\","
                    + " \"url\": \"https://example.com:443/a b/c%2Fd?x=1&a=2#frag\"}"));
  }

  @Test
  void signReq_hashesBodyAsGoJsonWithHtmlEscapes() throws Exception {
    Value req =
        json(
            "{\"method\":\"get\",\"url\":\"http://example.com\",\"body\":{\"b\":[1,\"<&>\"]},"
                + "\"tls_insecure_skip_verify\":true}");
    Value config =
        json(
            "{\"aws_access_key\":\"AK\",\"aws_secret_access_key\":\"SK\",\"aws_service\":\"s3\","
                + "\"aws_region\":\"eu-west-1\",\"aws_session_token\":5}");
    Value headers =
        ((io.jrego.engine.value.ObjectValue) sign(req, config, 1)).get("headers").orElseThrow();
    assertThat(headers)
        .isEqualTo(
            json(
                "{\"Authorization\": \"AWS4-HMAC-SHA256"
                    + " Credential=AK/19700101/eu-west-1/s3/aws4_request,"
                    + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                    + "Signature=97286b6290e9bfa7677c86d9d61291fffdaef2879a737ff9de05194331d287b2\","
                    + " \"host\": \"example.com\", \"x-amz-content-sha256\":"
                    + " \"79b67a9c85c90cee48a60becedbf607a176fb5132426a8dd8815562d8878b864\","
                    + " \"x-amz-date\": \"19700101T000000Z\"}"));
  }

  @Test
  void signReq_refusesKeysHttpSendDoesNotKnow() {
    Value req = json("{\"method\":\"get\",\"url\":\"http://example.com:8080\",\"foo\":1}");
    assertThatThrownBy(() -> sign(req, API_GATEWAY, 1))
        .isInstanceOf(BuiltinException.class)
        .hasMessage("operand 1 invalid request parameters(s): {\"foo\"}");
  }

  @Test
  void signReq_reportsUnparsableUrlAsGoDoes() {
    Value req = json("{\"method\":\"get\",\"url\":\"::bad\"}");
    assertThatThrownBy(() -> sign(req, API_GATEWAY, 1))
        .isInstanceOf(BuiltinException.class)
        .hasMessage("parse \"::bad\": missing protocol scheme");
  }

  @Test
  void signReq_requiresObjectHeaders() {
    Value req = json("{\"method\":\"get\",\"url\":\"http://example.com\",\"headers\":\"x\"}");
    assertThatThrownBy(() -> sign(req, API_GATEWAY, 1))
        .hasMessage("operand 0 must be object but got string");
  }
}
