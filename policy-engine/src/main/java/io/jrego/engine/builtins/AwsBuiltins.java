package io.jrego.engine.builtins;

import io.jrego.engine.builtins.gocompat.GoUrl;
import io.jrego.engine.builtins.http.HttpSendRequest;
import io.jrego.engine.builtins.jose.Hmac;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code providers.aws.sign_req(request, aws_config, time_ns)}: signs an http.send request object
 * with AWS Signature Version 4 the way OPA does, including its quirks: the canonical URI is Go's
 * escaped URL path (empty, not {@code /}, for a bare host), the request's own headers override the
 * AWS ones in what is signed, and non-string header values sign as empty strings.
 */
final class AwsBuiltins {

  private AwsBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "providers.aws.sign_req(request: object[string: any], "
                    + "aws_config: object[string: any], "
                    + "time_ns: number) => signed_request: object[any: any]")
            .categories("providers.aws"),
        AwsBuiltins::signReq);
  }

  private static final List<String> REQUIRED_CONFIG =
      List.of("aws_access_key", "aws_region", "aws_secret_access_key", "aws_service");

  private static final Set<String> IGNORED_HEADERS =
      Set.of("authorization", "user-agent", "x-amzn-trace-id");

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private static Value signReq(Value[] args, BuiltinContext ctx) throws BuiltinException {
    // OPA reports a non-object config or non-number time as operand 1; kept for parity.
    ObjectValue req = Operands.object(args[0], 1);
    ObjectValue config = Operands.object(args[1], 1);
    validateConfig(config);
    NumberValue time = Operands.number(args[2], 1);
    // OPA takes the number's text as a Go int64, so 1e9 or 1.5 fail; our numbers keep no text,
    // so an exponent form of an integer passes, except that a negative time (never a signing
    // time) is refused like OPA's -1e9 case.
    long nanos = time.asLong().orElse(-1L);
    if (nanos < 0) {
      throw Operands.failure(3, "could not convert time_ns value into a unix timestamp");
    }
    validateRequest(req);

    Value headersTerm = field(req, "headers");
    ObjectValue headers = ObjectValue.EMPTY;
    if (headersTerm != null) {
      if (!(headersTerm instanceof ObjectValue h)) {
        throw Operands.typeError(0, headersTerm, "object");
      }
      headers = h;
    }
    List<String> invalid = new ArrayList<>();
    if (!(field(req, "method") instanceof StringValue)) {
      invalid.add("method");
    }
    if (!(field(req, "url") instanceof StringValue)) {
      invalid.add("url");
    }
    if (!invalid.isEmpty()) {
      throw Operands.failure(
          1, "invalid values for required request parameters(s): " + goSet(invalid));
    }
    String method = str(field(req, "method"));
    GoUrl url = GoUrl.parse(str(field(req, "url")));

    boolean unsignedPayload = false;
    Value dps = field(config, "disable_payload_signing");
    if (dps != null) {
      if (!(dps instanceof BooleanValue b)) {
        throw Operands.failure(2, "invalid value for 'disable_payload_signing' in AWS config");
      }
      unsignedPayload = b.value();
    }

    Map<String, String> reqHeaders = new TreeMap<>();
    headers.forEach((k, v) -> reqHeaders.put(str(k), str(v)));
    byte[] body = body(req);
    String service = str(field(config, "aws_service"));
    String region = str(field(config, "aws_region"));
    Value token = field(config, "aws_session_token");

    Instant now = Instant.ofEpochSecond(0, nanos);
    String date = DATE.format(now);
    String stamp = STAMP.format(now);
    String payloadHash = unsignedPayload ? "UNSIGNED-PAYLOAD" : hex(sha256(body));

    Map<String, String> awsHeaders = new TreeMap<>();
    awsHeaders.put("host", url.host());
    awsHeaders.put("x-amz-date", stamp);
    if (service.equals("s3") || service.equals("glacier")) {
      awsHeaders.put("x-amz-content-sha256", payloadHash);
    }
    if (token != null && !str(token).isEmpty()) {
      awsHeaders.put("x-amz-security-token", str(token));
    }
    Map<String, String> toSign = new TreeMap<>(awsHeaders);
    reqHeaders.forEach(
        (k, v) -> {
          String lower = k.toLowerCase(java.util.Locale.ROOT);
          if (!IGNORED_HEADERS.contains(lower)) {
            toSign.put(lower, v);
          }
        });

    StringBuilder canonical = new StringBuilder();
    canonical.append(method).append('\n');
    canonical.append(url.escapedPath()).append('\n');
    canonical.append(url.rawQuery()).append('\n');
    toSign.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
    canonical.append('\n');
    String signedHeaders = String.join(";", toSign.keySet());
    canonical.append(signedHeaders).append('\n');
    canonical.append(payloadHash);

    String scope = date + "/" + region + "/" + service + "/aws4_request";
    String toSignText =
        "AWS4-HMAC-SHA256\n"
            + stamp
            + "\n"
            + scope
            + "\n"
            + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    byte[] key = utf8("AWS4" + str(field(config, "aws_secret_access_key")));
    for (String part : List.of(date, region, service, "aws4_request")) {
      key = Hmac.of("HmacSHA256", key, utf8(part));
    }
    String signature = hex(Hmac.of("HmacSHA256", key, utf8(toSignText)));
    String auth =
        "AWS4-HMAC-SHA256 Credential="
            + str(field(config, "aws_access_key"))
            + "/"
            + scope
            + ",SignedHeaders="
            + signedHeaders
            + ",Signature="
            + signature;

    ObjectValue.Builder out = new ObjectValue.Builder();
    reqHeaders.forEach((k, v) -> out.put(k, StringValue.of(v)));
    out.put("Authorization", StringValue.of(auth));
    awsHeaders.forEach((k, v) -> out.put(k, StringValue.of(v)));
    return req.with(StringValue.of("headers"), out.build());
  }

  private static void validateConfig(ObjectValue config) throws BuiltinException {
    List<String> missing = REQUIRED_CONFIG.stream().filter(k -> field(config, k) == null).toList();
    if (!missing.isEmpty()) {
      throw Operands.failure(2, "missing required AWS config parameters(s): " + goSet(missing));
    }
    List<String> invalid =
        REQUIRED_CONFIG.stream().filter(k -> !(field(config, k) instanceof StringValue)).toList();
    if (!invalid.isEmpty()) {
      throw Operands.failure(
          2, "invalid values for required AWS config parameters(s): " + goSet(invalid));
    }
  }

  private static void validateRequest(ObjectValue req) throws BuiltinException {
    List<String> unknown = new ArrayList<>();
    for (Value k : req.keys()) {
      if (!(k instanceof StringValue s) || !HttpSendRequest.KEYS.contains(s.value())) {
        unknown.add(k.toString());
      }
    }
    if (!unknown.isEmpty()) {
      throw Operands.failure(
          1, "invalid request parameters(s): {" + String.join(", ", unknown) + "}");
    }
    List<String> missing =
        List.of("method", "url").stream().filter(k -> field(req, k) == null).toList();
    if (!missing.isEmpty()) {
      throw Operands.failure(1, "missing required request parameters(s): " + goSet(missing));
    }
  }

  /** An ast.Set of strings as OPA prints it: sorted, quoted, comma-separated in braces. */
  private static String goSet(List<String> keys) {
    return keys.stream()
        .sorted()
        .map(k -> StringValue.of(k).toString())
        .collect(Collectors.joining(", ", "{", "}"));
  }

  private static byte[] body(ObjectValue req) {
    Value raw = field(req, "raw_body");
    if (raw != null) {
      return utf8(str(raw));
    }
    Value body = field(req, "body");
    return body == null ? new byte[0] : utf8(JwtBuiltins.goJson(body));
  }

  /** The object's value at a string key, or null when absent. */
  private static Value field(ObjectValue o, String key) {
    return o.get(key).orElse(null);
  }

  private static String str(Value v) {
    return v instanceof StringValue s ? s.value() : "";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
