package io.jrego.engine.builtins;

import com.nimbusds.jose.jwk.JWK;
import io.jrego.engine.builtins.jose.Hmac;
import io.jrego.engine.builtins.jose.JoseKeys;
import io.jrego.engine.builtins.operand.OperandChecks;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code io.jwt.*} builtins: decoding, signature checks ({@code verify_*}), full validation
 * ({@code decode_verify}) and signing ({@code encode_sign}, {@code encode_sign_raw}), following
 * OPA's topdown/tokens.go. Keys come from {@link JoseKeys}.
 */
final class JwtBuiltins {

  private static final ArrayValue UNVERIFIED =
      ArrayValue.of(BooleanValue.FALSE, ObjectValue.EMPTY, ObjectValue.EMPTY);

  private JwtBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "io.jwt.decode(jwt: string) => output: array<object[any: any], "
                    + "object[any: any], string>")
            .categories("tokens"),
        (args, ctx) -> decode(args[0]));
    r.add(
        Declaration.of(
                "io.jwt.verify_rs256(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("RS256", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_rs384(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("RS384", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_rs512(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("RS512", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_ps256(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("PS256", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_ps384(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("PS384", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_ps512(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("PS512", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_es256(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("ES256", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_es384(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("ES384", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_es512(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("ES512", args));
    r.add(
        Declaration.of(
                "io.jwt.verify_eddsa(jwt: string, " + "certificate: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyAsymmetric("EdDSA", args));
    r.add(
        Declaration.of("io.jwt.verify_hs256(jwt: string, secret: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyHmac("HS256", args));
    r.add(
        Declaration.of("io.jwt.verify_hs384(jwt: string, secret: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyHmac("HS384", args));
    r.add(
        Declaration.of("io.jwt.verify_hs512(jwt: string, secret: string) => result: boolean")
            .categories("tokens"),
        (args, ctx) -> verifyHmac("HS512", args));
    r.add(
        Declaration.of(
                "io.jwt.decode_verify(jwt: string, "
                    + "constraints: object[string: any]) => output: array<boolean, "
                    + "object[any: any], object[any: any]>")
            .nondeterministic()
            .categories("tokens"),
        JwtBuiltins::decodeVerify);
    r.add(
        Declaration.of(
                "io.jwt.encode_sign(headers: object[string: any], "
                    + "payload: object[string: any], "
                    + "key: object[string: any]) => output: string")
            .nondeterministic()
            .categories("tokensign"),
        JwtBuiltins::encodeSign);
    r.add(
        Declaration.of(
                "io.jwt.encode_sign_raw(headers: string, payload: string, "
                    + "key: string) => output: string")
            .nondeterministic()
            .categories("tokensign"),
        JwtBuiltins::encodeSignRaw);
  }

  // ---------------------------------------------------------------------------------------------
  // Token structure

  /** The three base64url sections of a compact JWS. */
  private record Token(String header, String payload, String signature) {
    byte[] signingInput() {
      return (header + "." + payload).getBytes(StandardCharsets.UTF_8);
    }
  }

  private static Token split(Value v) throws BuiltinException {
    if (!(v instanceof StringValue s)) {
      throw BuiltinException.operand(1, "string", v);
    }
    String text = s.value();
    if (text.indexOf('.') < 0) {
      throw BuiltinException.error("encoded JWT had no period separators");
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 3) {
      throw BuiltinException.error("encoded JWT must have 3 sections, found " + parts.length);
    }
    return new Token(parts[0], parts[1], parts[2]);
  }

  private static ObjectValue decodeHeader(Token t) throws BuiltinException {
    byte[] raw;
    try {
      raw = base64UrlDecode(t.header());
    } catch (IllegalArgumentException e) {
      throw BuiltinException.error("JWT header had invalid encoding: " + e.getMessage());
    }
    ObjectValue header;
    try {
      header = jsonObject(raw);
    } catch (BuiltinException e) {
      throw BuiltinException.error("bad JWT header: " + e.getMessage());
    }
    if (header.containsKey(StringValue.of("enc"))) {
      throw BuiltinException.error("JWT is a JWE object, which is not supported");
    }
    return header;
  }

  private static byte[] decodePayload(Token t) throws BuiltinException {
    try {
      return base64UrlDecode(t.payload());
    } catch (IllegalArgumentException e) {
      throw BuiltinException.error("JWT payload had invalid encoding: " + e.getMessage());
    }
  }

  private static ObjectValue jsonObject(byte[] raw) throws BuiltinException {
    Value v;
    try {
      v = Json.parse(raw);
    } catch (Json.JsonException e) {
      throw BuiltinException.error("invalid JSON: " + e.getMessage());
    }
    if (!(v instanceof ObjectValue o)) {
      throw BuiltinException.error("decoded JSON type was not an Object");
    }
    return o;
  }

  // ---------------------------------------------------------------------------------------------
  // io.jwt.decode

  private static Value decode(Value jwt) throws BuiltinException {
    Token t = split(jwt);
    ObjectValue header = decodeHeader(t);
    byte[] payload = decodePayload(t);
    if (header.getOrNull(StringValue.of("cty")) instanceof StringValue cty
        && cty.value().equals("JWT")) {
      // A nested token, quoted as jwt.io does: strip the quotes and decode the inner one.
      String inner = trimChars(new String(payload, StandardCharsets.UTF_8), "\"'");
      return decode(StringValue.of(inner));
    }
    ObjectValue claims = jsonObject(payload);
    byte[] sig;
    try {
      sig = base64UrlDecode(t.signature());
    } catch (IllegalArgumentException e) {
      throw BuiltinException.error("JWT signature had invalid encoding: " + e.getMessage());
    }
    return ArrayValue.of(header, claims, StringValue.of(HexFormat.of().formatHex(sig)));
  }

  private static String trimChars(String s, String chars) {
    int start = 0;
    int end = s.length();
    while (start < end && chars.indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    while (end > start && chars.indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(start, end);
  }

  // ---------------------------------------------------------------------------------------------
  // io.jwt.verify_*

  private static byte[] signature(Token t) throws BuiltinException {
    try {
      return base64UrlDecode(t.signature());
    } catch (IllegalArgumentException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  /** The parsed header fields OPA checks; unknown names are kept for the crit check. */
  private record Header(
      String alg, String kid, String cty, List<String> crit, List<String> unknown) {
    boolean valid() {
      if (alg.isEmpty()) {
        return false;
      }
      for (String u : unknown) {
        if (crit.contains(u)) {
          return false;
        }
      }
      return true;
    }
  }

  private static Header parseHeader(ObjectValue h) throws BuiltinException {
    String alg = "";
    String kid = "";
    String cty = "";
    List<String> crit = List.of();
    List<String> unknown = new java.util.ArrayList<>();
    for (Value k : h.keys()) {
      String name = ((StringValue) k).value();
      Value v = h.getOrNull(k);
      switch (name) {
        case "alg" -> alg = headerString(name, v);
        case "kid" -> kid = headerString(name, v);
        case "typ" -> headerString(name, v);
        case "cty" -> cty = headerString(name, v);
        case "crit" -> {
          if (!(v instanceof ArrayValue a)) {
            throw BuiltinException.error("crit: must be a list");
          }
          java.util.ArrayList<String> c = new java.util.ArrayList<>();
          for (Value e : a) {
            if (e instanceof StringValue s) {
              c.add(s.value());
            }
          }
          if (c.isEmpty()) {
            throw BuiltinException.error("crit: must be a nonempty list");
          }
          crit = c;
        }
        default -> unknown.add(name);
      }
    }
    return new Header(alg, kid, cty, crit, unknown);
  }

  private static String headerString(String name, Value v) throws BuiltinException {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.error(name + ": must be a string");
  }

  private static Value verifyAsymmetric(String alg, Value[] args) throws BuiltinException {
    Token t = split(args[0]);
    String keyText = OperandChecks.string(args, 1);
    List<JoseKeys.VerificationKey> keys = JoseKeys.verificationKeys(keyText);
    byte[] sig = signature(t);
    Header header = parseHeader(decodeHeader(t));
    byte[] input = t.signingInput();
    if (!header.kid().isEmpty()) {
      for (JoseKeys.VerificationKey k : keys) {
        if (k.kid().equals(header.kid())) {
          return BooleanValue.of(JoseKeys.verify(alg, k.key(), input, sig));
        }
      }
    }
    for (JoseKeys.VerificationKey k : keys) {
      if (!k.alg().isEmpty() && !k.alg().equals(header.alg())) {
        continue;
      }
      if (JoseKeys.verify(alg, k.key(), input, sig)) {
        return BooleanValue.TRUE;
      }
    }
    return BooleanValue.FALSE;
  }

  private static Value verifyHmac(String alg, Value[] args) throws BuiltinException {
    if (!(args[0] instanceof StringValue)) {
      throw BuiltinException.operand(1, "string", args[0]);
    }
    String secret = OperandChecks.string(args, 1);
    Token t = split(args[0]);
    byte[] mac =
        Hmac.of(
            "Hmac" + JoseKeys.digestName(alg).replace("-", ""),
            secret.getBytes(StandardCharsets.UTF_8),
            t.signingInput());
    return BooleanValue.of(java.security.MessageDigest.isEqual(signature(t), mac));
  }

  // ---------------------------------------------------------------------------------------------
  // io.jwt.decode_verify

  private static final class Constraints {
    String secret = "";
    String alg = "";
    String iss = "";
    String aud = "";
    List<JoseKeys.VerificationKey> keys;
    double time = -1;

    boolean verify(String kid, String tokenAlg, byte[] input, byte[] sig) {
      if (keys != null) {
        if (!kid.isEmpty()) {
          for (JoseKeys.VerificationKey k : keys) {
            if (k.kid().equals(kid)) {
              return JoseKeys.verify(tokenAlg, k.key(), input, sig);
            }
          }
        }
        for (JoseKeys.VerificationKey k : keys) {
          if (!k.alg().isEmpty() && !tokenAlg.equals(k.alg())) {
            continue;
          }
          if (JoseKeys.verify(tokenAlg, k.key(), input, sig)) {
            return true;
          }
        }
        return false;
      }
      return JoseKeys.verify(tokenAlg, secret.getBytes(StandardCharsets.UTF_8), input, sig);
    }

    boolean validAudience(Value aud) {
      if (aud instanceof StringValue s) {
        return s.value().equals(this.aud);
      }
      if (aud instanceof ArrayValue a) {
        for (Value e : a) {
          if (e instanceof StringValue s && s.value().equals(this.aud)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  private static double timeValue(Value v) throws BuiltinException {
    if (!(v instanceof NumberValue n)) {
      throw BuiltinException.error("token time constraint: must be a number");
    }
    double d = n.doubleValue();
    if (Double.isInfinite(d) || Double.isNaN(d)) {
      throw BuiltinException.error("token time constraint: unvalid float64");
    }
    if (d < 0) {
      throw BuiltinException.error("token time constraint: must not be negative");
    }
    return d;
  }

  private static String constraintString(String name, Value v) throws BuiltinException {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.error(name + " constraint: must be a string");
  }

  private static Constraints constraints(ObjectValue o, BuiltinContext ctx)
      throws BuiltinException {
    Constraints c = new Constraints();
    for (Value k : o.keys()) {
      String name = k instanceof StringValue s ? s.value() : k.toString();
      Value v = o.getOrNull(k);
      switch (name) {
        case "cert" -> {
          if (!(v instanceof StringValue s)) {
            throw BuiltinException.error("cert constraint: must be a string");
          }
          c.keys = JoseKeys.verificationKeys(s.value());
        }
        case "secret" -> c.secret = constraintString(name, v);
        case "alg" -> c.alg = constraintString(name, v);
        case "iss" -> c.iss = constraintString(name, v);
        case "aud" -> c.aud = constraintString(name, v);
        case "time" -> c.time = timeValue(v);
        default -> throw BuiltinException.error("unknown token validation constraint: " + name);
      }
    }
    if (c.time == -1) {
      c.time = ctx.nowNanos();
    }
    int keyConstraints = (c.keys != null ? 1 : 0) + (c.secret.isEmpty() ? 0 : 1);
    if (keyConstraints > 1) {
      throw BuiltinException.error("duplicate key constraints");
    }
    if (keyConstraints < 1) {
      throw BuiltinException.error("no key constraint");
    }
    return c;
  }

  private static Value decodeVerify(Value[] args, BuiltinContext ctx) throws BuiltinException {
    ObjectValue o = OperandChecks.object(args, 1);
    Constraints c = constraints(o, ctx);
    Value a = args[0];
    Token t;
    ObjectValue headerObj;
    byte[] payload;
    while (true) {
      t = split(a);
      headerObj = decodeHeader(t);
      Header header = parseHeader(headerObj);
      if (!header.valid()) {
        return UNVERIFIED;
      }
      if (!c.alg.isEmpty() && !c.alg.equals(header.alg())) {
        return UNVERIFIED;
      }
      byte[] sig = signature(t);
      if (!c.verify(header.kid(), header.alg(), t.signingInput(), sig)) {
        return UNVERIFIED;
      }
      payload = decodePayload(t);
      if (header.cty().equalsIgnoreCase("JWT")) {
        a = StringValue.of(new String(payload, StandardCharsets.UTF_8));
        continue;
      }
      break;
    }
    ObjectValue claims = jsonObject(payload);
    if (!c.iss.isEmpty()) {
      if (!(claims.getOrNull(StringValue.of("iss")) instanceof StringValue iss)
          || !iss.value().equals(c.iss)) {
        return UNVERIFIED;
      }
    }
    Value aud = claims.getOrNull(StringValue.of("aud"));
    if (aud != null) {
      if (!c.validAudience(aud)) {
        return UNVERIFIED;
      }
    } else if (!c.aud.isEmpty()) {
      return UNVERIFIED;
    }
    BigDecimal now = new BigDecimal(Double.toString(c.time / 1_000_000_000d));
    Value exp = claims.getOrNull(StringValue.of("exp"));
    if (exp != null) {
      if (!(exp instanceof NumberValue e)) {
        throw BuiltinException.error("exp value must be a number");
      }
      if (now.compareTo(e.bigDecimal()) >= 0) {
        return UNVERIFIED;
      }
    }
    Value nbf = claims.getOrNull(StringValue.of("nbf"));
    if (nbf != null) {
      if (!(nbf instanceof NumberValue n)) {
        throw BuiltinException.error("nbf value must be a number");
      }
      if (now.compareTo(n.bigDecimal()) < 0) {
        return UNVERIFIED;
      }
    }
    return ArrayValue.of(BooleanValue.TRUE, headerObj, claims);
  }

  // ---------------------------------------------------------------------------------------------
  // io.jwt.encode_sign / encode_sign_raw

  private static Value encodeSign(Value[] args, BuiltinContext ctx) throws BuiltinException {
    return sign(
        goJson(args[0]).getBytes(StandardCharsets.UTF_8),
        goJson(args[1]).getBytes(StandardCharsets.UTF_8),
        goJson(args[2]));
  }

  private static Value encodeSignRaw(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String jwk = OperandChecks.string(args, 2);
    String headers = OperandChecks.string(args, 0);
    String payload = OperandChecks.string(args, 1);
    return sign(
        headers.getBytes(StandardCharsets.UTF_8), payload.getBytes(StandardCharsets.UTF_8), jwk);
  }

  private static Value sign(byte[] headers, byte[] payload, String jwkText)
      throws BuiltinException {
    List<JWK> keys;
    try {
      keys = JoseKeys.parseJwks(jwkText);
    } catch (java.text.ParseException | RuntimeException e) {
      throw BuiltinException.error("failed to parse JWK: " + e.getMessage());
    }
    if (keys.isEmpty()) {
      throw BuiltinException.error("no keys found in JWK set");
    }
    Value parsedHeaders = parseLoosely(headers);
    String alg = headerField(parsedHeaders, "alg", headers.length == 0, looksLikeObject(headers));
    if (!JoseKeys.ALGORITHMS.contains(alg)) {
      throw BuiltinException.error("unknown JWS algorithm: " + alg);
    }
    String typ = headerFieldOrNull(parsedHeaders, "typ");
    if ((typ == null || typ.equals("JWT")) && !isJson(payload)) {
      throw BuiltinException.error("type is JWT but payload is not JSON");
    }
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    String signingInput = enc.encodeToString(headers) + "." + enc.encodeToString(payload);
    byte[] sig = JoseKeys.sign(keys.get(0), alg, signingInput.getBytes(StandardCharsets.US_ASCII));
    return StringValue.of(signingInput + "." + enc.encodeToString(sig));
  }

  /** The header as JSON, null when it does not parse. */
  private static Value parseLoosely(byte[] headers) {
    try {
      return Json.parse(headers);
    } catch (Json.JsonException e) {
      return null;
    }
  }

  /**
   * Whether {@code text} starts as a JSON object does. OPA reports a header that is not JSON at all
   * ({@code e}) as missing its field, and one that starts as an object but does not parse as
   * unparseable.
   */
  private static boolean looksLikeObject(byte[] text) {
    for (byte b : text) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return b == '{';
      }
    }
    return false;
  }

  private static String headerField(Value headers, String name, boolean empty, boolean object)
      throws BuiltinException {
    if (empty) {
      throw BuiltinException.error(
          "missing or invalid '" + name + "' header: cannot parse JSON: cannot parse empty string");
    }
    if (headers == null && object) {
      throw BuiltinException.error("missing or invalid '" + name + "' header: cannot parse JSON");
    }
    String v = headerFieldOrNull(headers, name);
    if (v == null) {
      throw BuiltinException.error(
          "missing or invalid '" + name + "' header: jwsbb: header \"" + name + "\" not found");
    }
    return v;
  }

  private static String headerFieldOrNull(Value headers, String name) {
    if (headers instanceof ObjectValue o
        && o.getOrNull(StringValue.of(name)) instanceof StringValue s) {
      return s.value();
    }
    return null;
  }

  private static boolean isJson(byte[] text) {
    try {
      Json.parse(text);
      return true;
    } catch (Json.JsonException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Encodings shared with the other builtins-b namespaces

  /**
   * Base64url decoding as OPA's {@code base64url.decode}: padding optional, and errors worded as
   * Go's ({@code illegal base64 data at input byte N}). Throws IllegalArgumentException.
   */
  static byte[] base64UrlDecode(String s) {
    if (!s.endsWith("=")) {
      switch (s.length() % 4) {
        case 2 -> s = s + "==";
        case 3 -> s = s + "=";
        case 1 -> throw new IllegalArgumentException("illegal base64url string: " + s);
        default -> {}
      }
    }
    return base64Decode(s, true);
  }

  /**
   * Go's padded base64 decoding ({@code base64.StdEncoding} or {@code URLEncoding}): CR and LF are
   * skipped, padding is required, and errors name the offending byte as Go does.
   */
  static byte[] base64Decode(String s, boolean url) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() * 3 / 4);
    int[] quantum = new int[4];
    int n = 0;
    int padding = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n') {
        continue;
      }
      if (padding > 0) {
        if (c == '=' && n + padding < 4) {
          padding++;
          continue;
        }
        throw illegal(i);
      }
      if (c == '=') {
        if (n < 2) {
          throw illegal(i);
        }
        padding = 1;
        continue;
      }
      int d = url ? urlDigit(c) : stdDigit(c);
      if (d < 0) {
        throw illegal(i);
      }
      quantum[n++] = d;
      if (n == 4) {
        out.write((quantum[0] << 2) | (quantum[1] >> 4));
        out.write(((quantum[1] & 0xf) << 4) | (quantum[2] >> 2));
        out.write(((quantum[2] & 0x3) << 6) | quantum[3]);
        n = 0;
      }
    }
    if (padding > 0 && n + padding != 4) {
      throw illegal(s.length());
    }
    if (padding == 0 && n > 0) {
      throw illegal(s.length() - n);
    }
    if (n >= 2) {
      out.write((quantum[0] << 2) | (quantum[1] >> 4));
    }
    if (n == 3) {
      out.write(((quantum[1] & 0xf) << 4) | (quantum[2] >> 2));
    }
    return out.toByteArray();
  }

  private static IllegalArgumentException illegal(int index) {
    return new IllegalArgumentException("illegal base64 data at input byte " + index);
  }

  private static int stdDigit(char c) {
    return c == '+' ? 62 : c == '/' ? 63 : c == '-' || c == '_' ? -1 : urlDigit(c);
  }

  private static int urlDigit(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '-') {
      return 62;
    }
    if (c == '_') {
      return 63;
    }
    return -1;
  }

  /**
   * A value as Go's {@code json.Marshal} writes OPA's JSON form of it: compact, object keys sorted,
   * sets as sorted arrays, and {@code <}, {@code >}, {@code &}, U+2028 and U+2029 escaped.
   */
  static String goJson(Value v) {
    return JsonCodec.marshal(v, "", null);
  }
}
