package io.jrego.engine.bundle;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemException;
import io.jrego.engine.pem.PemKey;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies bundles as OPA does: {@code .signatures.json} is {@code {"signatures":
 * ["<JWS>"]}}, the compact JWS's payload lists every other file with its digest ({@code files:
 * [{name, hash, algorithm}]}, see {@link FileHash}), plus {@code keyid} or the claims given, such
 * as {@code scope}. Verification checks the signature with the configured key, the scope, and that
 * the payload names exactly the bundle's files with matching digests; messages follow OPA's.
 */
public final class BundleSignatures {

  private BundleSignatures() {}

  /**
   * Returns {@code files} with a {@code .signatures.json} (replacing any) signing all the others.
   *
   * @throws BundleException if the key or algorithm is unusable, or a structured file does not
   *     parse
   */
  public static SortedMap<String, byte[]> sign(
      SortedMap<String, byte[]> files, SigningConfig config) throws BundleException {
    ArrayValue.Builder list = new ArrayValue.Builder(files.size());
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (f.getKey().equals(BundleLoader.SIGNATURES)) {
        continue;
      }
      list.add(
          new ObjectValue.Builder()
              .put("name", StringValue.of(f.getKey()))
              .put("hash", StringValue.of(FileHash.hash(f.getKey(), f.getValue())))
              .put("algorithm", StringValue.of(FileHash.ALGORITHM))
              .build());
    }
    ObjectValue payload = ObjectValue.EMPTY.with(StringValue.of("files"), list.build());
    if (config.claims().isPresent()) {
      for (Value k : config.claims().get().keys()) {
        if (!k.equals(StringValue.of("files"))) {
          payload = payload.with(k, config.claims().get().getOrNull(k));
        }
      }
    } else if (!config.keyId().isEmpty()) {
      payload = payload.with(StringValue.of("keyid"), StringValue.of(config.keyId()));
    }
    String token = token(payload, config);
    SortedMap<String, byte[]> out = new TreeMap<>(files);
    String sigs =
        Json.write(
            ObjectValue.EMPTY.with(
                StringValue.of("signatures"), ArrayValue.of(StringValue.of(token))));
    out.put(BundleLoader.SIGNATURES, sigs.getBytes(StandardCharsets.UTF_8));
    return out;
  }

  /**
   * Checks that {@code config} can sign: a known algorithm, and a private key of its family (or a
   * non-empty HMAC secret). What a command checks before it starts work.
   *
   * @throws BundleException naming what is wrong with the key or algorithm
   */
  public static void checkKey(SigningConfig config) throws BundleException {
    JWSAlgorithm alg = algorithm(config.algorithm());
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      hmac(alg, config.key(), "");
    } else {
      signer(alg, config.key());
    }
  }

  /**
   * Checks that {@code config} can verify: a known algorithm, and a public key or certificate of
   * its family (or a non-empty HMAC secret). What the server checks at start, so a key it cannot
   * use stops it instead of refusing every bundle later.
   *
   * @throws BundleException naming what is wrong with the key or algorithm
   */
  public static void checkKey(VerificationConfig config) throws BundleException {
    JWSAlgorithm alg = algorithm(config.algorithm());
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      hmac(alg, config.key(), "");
    } else {
      verifier(alg, config.key());
    }
  }

  private static String token(ObjectValue payload, SigningConfig config) throws BundleException {
    JWSAlgorithm alg = algorithm(config.algorithm());
    StringBuilder header = new StringBuilder("{\"alg\":\"").append(alg.getName()).append('"');
    if (!config.keyId().isEmpty()) {
      header.append(",\"kid\":").append(Json.write(StringValue.of(config.keyId())));
    }
    header.append(",\"typ\":\"JWT\"}");
    String input =
        b64(header.toString().getBytes(StandardCharsets.UTF_8))
            + "."
            + b64(Json.write(payload).getBytes(StandardCharsets.UTF_8));
    byte[] sig;
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      sig = hmac(alg, config.key(), input);
    } else {
      try {
        JWSSigner signer = signer(alg, config.key());
        sig = signer.sign(new JWSHeader(alg), input.getBytes(StandardCharsets.US_ASCII)).decode();
      } catch (JOSEException e) {
        throw new BundleException("cannot sign with " + alg + ": " + e.getMessage(), e);
      }
    }
    return input + "." + b64(sig);
  }

  private static JWSSigner signer(JWSAlgorithm alg, String pem) throws BundleException {
    PrivateKey priv = pemKey("signing key", pem).privateKey().orElse(null);
    try {
      if (JWSAlgorithm.Family.RSA.contains(alg) && priv instanceof RSAPrivateKey) {
        return new RSASSASigner(priv);
      }
      if (JWSAlgorithm.Family.EC.contains(alg) && priv instanceof ECPrivateKey ec) {
        return new ECDSASigner(ec);
      }
    } catch (JOSEException e) {
      throw new BundleException("signing key: " + e.getMessage(), e);
    }
    throw new BundleException("signing key: not a private key that can sign " + alg);
  }

  /**
   * Checks {@code files}' {@code .signatures.json} against {@code config}.
   *
   * @param source the bundle's name, for messages
   * @throws BundleException saying what does not verify: the signature, the scope, a file missing
   *     from the signature or from the bundle, or a digest (naming the file)
   */
  public static void verify(
      String source, SortedMap<String, byte[]> files, VerificationConfig config)
      throws BundleException {
    byte[] sigFile = files.get(BundleLoader.SIGNATURES);
    if (sigFile == null) {
      throw new BundleException(source + ": bundle missing .signatures.json file");
    }
    if (!(BundleLoader.readJson(source + "!/" + BundleLoader.SIGNATURES, sigFile)
            instanceof ObjectValue sc)
        || !(sc.getOrNull(StringValue.of("signatures")) instanceof ArrayValue list)) {
      throw new BundleException(
          source + ": .signatures.json: expected an object with a signatures array");
    }
    if (list.size() == 0) {
      throw new BundleException(source + ": .signatures.json: missing JWT (expected exactly one)");
    }
    if (list.size() > 1) {
      throw new BundleException(
          source + ": .signatures.json: multiple JWTs not supported (expected exactly one)");
    }
    if (!(list.get(0) instanceof StringValue token)) {
      throw new BundleException(source + ": .signatures.json: the JWT must be a string");
    }
    ObjectValue payload = verifyToken(source, token.value(), config);
    Map<String, ObjectValue> signed = new TreeMap<>();
    if (payload.getOrNull(StringValue.of("files")) instanceof ArrayValue fl) {
      for (Value v : fl) {
        if (v instanceof ObjectValue o
            && o.getOrNull(StringValue.of("name")) instanceof StringValue n) {
          signed.put(stripSlash(n.value()), o);
        }
      }
    }
    List<Pattern> excluded = new ArrayList<>();
    for (String g : config.excludeFiles()) {
      excluded.add(Pattern.compile(Pattern.quote(g).replace("*", "\\E[^/]*\\Q")));
    }
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String name = f.getKey();
      if (name.equals(BundleLoader.SIGNATURES)
          || excluded.stream().anyMatch(p -> p.matcher(name).matches())) {
        continue;
      }
      ObjectValue info = signed.remove(name);
      if (info == null) {
        throw new BundleException(source + ": file " + name + " not included in bundle signature");
      }
      String alg =
          info.getOrNull(StringValue.of("algorithm")) instanceof StringValue a ? a.value() : "";
      if (alg.isEmpty()) {
        throw new BundleException(source + ": no hashing algorithm provided for file " + name);
      }
      if (!alg.equals(FileHash.ALGORITHM)) {
        throw new BundleException(
            source + ": file " + name + ": unsupported hashing algorithm: " + alg);
      }
      String want =
          info.getOrNull(StringValue.of("hash")) instanceof StringValue h ? h.value() : "";
      String got = FileHash.hash(name, f.getValue());
      if (!want.equalsIgnoreCase(got)) {
        throw new BundleException(
            source + ": " + name + ": digest mismatch (want: " + want + ", got: " + got + ")");
      }
    }
    if (!signed.isEmpty()) {
      throw new BundleException(
          source
              + ": file(s) "
              + signed.keySet()
              + " specified in bundle signatures but not found in the target bundle");
    }
  }

  private static ObjectValue verifyToken(String source, String token, VerificationConfig config)
      throws BundleException {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new BundleException(source + ": .signatures.json: the JWT is not a compact JWS");
    }
    ObjectValue header;
    ObjectValue payload;
    try {
      header = asObject(Json.parse(Base64.getUrlDecoder().decode(parts[0])));
      payload = asObject(Json.parse(Base64.getUrlDecoder().decode(parts[1])));
    } catch (IllegalArgumentException | Json.JsonException e) {
      throw new BundleException(source + ": .signatures.json: malformed JWT: " + e.getMessage(), e);
    }
    if (header == null || payload == null) {
      throw new BundleException(source + ": .signatures.json: malformed JWT");
    }
    String keyId = config.keyId();
    if (keyId.isEmpty() && header.getOrNull(StringValue.of("kid")) instanceof StringValue k) {
      keyId = k.value();
    }
    if (keyId.isEmpty() && payload.getOrNull(StringValue.of("keyid")) instanceof StringValue k) {
      keyId = k.value();
    }
    if (keyId.isEmpty()) {
      throw new BundleException(source + ": verification key ID is empty");
    }
    JWSAlgorithm alg = algorithm(config.algorithm());
    String tokenAlg =
        header.getOrNull(StringValue.of("alg")) instanceof StringValue a ? a.value() : "";
    if (!tokenAlg.equals(alg.getName())) {
      throw new BundleException(
          source
              + ": failed to verify the bundle signature: token algorithm "
              + tokenAlg
              + " is not the configured "
              + alg);
    }
    String input = parts[0] + "." + parts[1];
    boolean ok;
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      byte[] sig;
      try {
        sig = Base64.getUrlDecoder().decode(parts[2]);
      } catch (IllegalArgumentException e) {
        sig = new byte[0];
      }
      ok = MessageDigest.isEqual(hmac(alg, config.key(), input), sig);
    } else {
      try {
        ok =
            verifier(alg, config.key())
                .verify(
                    new JWSHeader(alg),
                    input.getBytes(StandardCharsets.US_ASCII),
                    new Base64URL(parts[2]));
      } catch (JOSEException e) {
        throw new BundleException(
            source + ": failed to verify the bundle signature: " + e.getMessage(), e);
      }
    }
    if (!ok) {
      throw new BundleException(
          source + ": failed to verify the bundle signature: the JWS signature is invalid");
    }
    String scope =
        payload.getOrNull(StringValue.of("scope")) instanceof StringValue s ? s.value() : "";
    if (!scope.equals(config.scope())) {
      throw new BundleException(source + ": scope mismatch");
    }
    return payload;
  }

  private static JWSVerifier verifier(JWSAlgorithm alg, String pem) throws BundleException {
    PublicKey pub = pemKey("verification key", pem).publicKey().orElse(null);
    if (pub == null) {
      throw new BundleException("verification key: give the public key, not the private one");
    }
    try {
      if (JWSAlgorithm.Family.RSA.contains(alg) && pub instanceof RSAPublicKey rsa) {
        return new RSASSAVerifier(rsa);
      }
      if (JWSAlgorithm.Family.EC.contains(alg) && pub instanceof ECPublicKey ec) {
        return new ECDSAVerifier(ec);
      }
    } catch (JOSEException e) {
      throw new BundleException("verification key: " + e.getMessage(), e);
    }
    throw new BundleException(
        "verification key: a " + pub.getAlgorithm() + " key cannot verify " + alg);
  }

  private static PemKey pemKey(String what, String pem) throws BundleException {
    try {
      return Pem.key(what, pem);
    } catch (PemException e) {
      throw new BundleException(e.getMessage(), e);
    }
  }

  private static JWSAlgorithm algorithm(String name) throws BundleException {
    JWSAlgorithm alg = JWSAlgorithm.parse(name);
    if (!JWSAlgorithm.Family.SIGNATURE.contains(alg)
        && !JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      throw new BundleException("unsupported signing algorithm " + name);
    }
    return alg;
  }

  private static byte[] hmac(JWSAlgorithm alg, String secret, String input) throws BundleException {
    String jca =
        switch (alg.getName()) {
          case "HS256" -> "HmacSHA256";
          case "HS384" -> "HmacSHA384";
          default -> "HmacSHA512";
        };
    if (secret.isEmpty()) {
      throw new BundleException("HMAC key: the secret is empty");
    }
    try {
      Mac mac = Mac.getInstance(jca);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), jca));
      return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new BundleException("HMAC key: " + e.getMessage(), e);
    }
  }

  private static ObjectValue asObject(Value v) {
    return v instanceof ObjectValue o ? o : null;
  }

  private static String stripSlash(String s) {
    return s.startsWith("/") ? s.substring(1) : s;
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
