package io.jrego.engine.builtins.jose;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemBlock;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * Keys and signatures for the JWT builtins: reading verification keys from a PEM certificate, a PEM
 * public key or a JWK/JWK set as OPA does, and signing/verifying by JWS algorithm name.
 */
public final class JoseKeys {

  /** The JWS algorithms OPA knows. */
  public static final Set<String> ALGORITHMS =
      Set.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256",
          "HS384", "HS512", "EdDSA");

  private static final Map<String, String> PKIX_ALGORITHMS =
      Map.of(
          "1.2.840.113549.1.1.1", "RSA",
          "1.2.840.113549.1.1.10", "RSASSA-PSS",
          "1.2.840.10045.2.1", "EC",
          "1.3.101.112", "Ed25519");

  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private JoseKeys() {}

  /** A key to verify with: a {@link PublicKey} or HMAC secret bytes, with JWK alg and kid. */
  public record VerificationKey(Object key, String alg, String kid) {}

  /** OPA's getKeysFromCertOrJWK: one PEM certificate or public key, or a JWK or JWK set. */
  public static List<VerificationKey> verificationKeys(String text) throws BuiltinException {
    Optional<PemBlock> found = Pem.decode(text);
    if (found.isPresent()) {
      PemBlock block = found.get();
      if (!block.rest().isEmpty()) {
        throw BuiltinException.error("extra data after a PEM certificate block");
      }
      if (block.type().equals("CERTIFICATE")) {
        try {
          PublicKey k =
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(block.bytes()))
                  .getPublicKey();
          return List.of(new VerificationKey(k, "", ""));
        } catch (GeneralSecurityException | RuntimeException e) {
          throw BuiltinException.error("failed to parse a PEM certificate: " + e.getMessage());
        }
      }
      if (block.type().equals("PUBLIC KEY")) {
        try {
          return List.of(new VerificationKey(pkixPublicKey(block.bytes()), "", ""));
        } catch (GeneralSecurityException | RuntimeException e) {
          throw BuiltinException.error("failed to parse a PEM public key: " + e.getMessage());
        }
      }
      throw BuiltinException.error("failed to extract a Key from the PEM certificate");
    }
    List<JWK> jwks;
    try {
      jwks = parseJwks(text);
    } catch (java.text.ParseException | RuntimeException e) {
      throw BuiltinException.error("failed to parse a JWK key (set): " + e.getMessage());
    }
    List<VerificationKey> out = new ArrayList<>();
    for (JWK k : jwks) {
      String alg = k.getAlgorithm() == null ? "" : k.getAlgorithm().getName();
      if (!alg.isEmpty() && !ALGORITHMS.contains(alg)) {
        continue;
      }
      Object key;
      try {
        key = publicPart(k);
      } catch (GeneralSecurityException | com.nimbusds.jose.JOSEException e) {
        throw BuiltinException.error("failed to parse a JWK key (set): " + e.getMessage());
      }
      out.add(new VerificationKey(key, alg, k.getKeyID() == null ? "" : k.getKeyID()));
    }
    return out;
  }

  /** A JWK object or a {@code {"keys": [...]}} set. */
  public static List<JWK> parseJwks(String text) throws java.text.ParseException {
    Map<String, Object> json = com.nimbusds.jose.util.JSONObjectUtils.parse(text);
    if (json.containsKey("keys")) {
      return JWKSet.parse(json).getKeys();
    }
    return List.of(JWK.parse(json));
  }

  private static Object publicPart(JWK k)
      throws GeneralSecurityException, com.nimbusds.jose.JOSEException {
    return switch (k) {
      case RSAKey r -> r.toRSAPublicKey();
      case ECKey e -> e.toECPublicKey();
      case OctetSequenceKey o -> o.toByteArray();
      case OctetKeyPair okp -> ed25519Public(okp);
      default -> throw new GeneralSecurityException("unsupported key type " + k.getKeyType());
    };
  }

  private static PublicKey ed25519Public(OctetKeyPair okp) throws GeneralSecurityException {
    if (!"Ed25519".equals(okp.getCurve().getName())) {
      throw new GeneralSecurityException("unsupported curve " + okp.getCurve());
    }
    byte[] x = okp.getDecodedX();
    byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + x.length);
    System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, x.length);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
  }

  /** A DER SubjectPublicKeyInfo as a JCA key. */
  public static PublicKey pkixPublicKey(byte[] der) throws GeneralSecurityException {
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(der);
    String oid = spki.getAlgorithm().getAlgorithm().getId();
    String alg = PKIX_ALGORITHMS.get(oid);
    if (alg == null) {
      throw new GeneralSecurityException("x509: unknown public key algorithm " + oid);
    }
    return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
  }

  // ---------------------------------------------------------------------------------------------
  // Verification

  /** The JCA digest name for a JWS algorithm's SHA size. */
  public static String digestName(String alg) {
    return switch (alg.substring(2)) {
      case "256" -> "SHA-256";
      case "384" -> "SHA-384";
      case "512" -> "SHA-512";
      default -> throw new IllegalArgumentException(alg);
    };
  }

  /** Verifies {@code sig} over {@code input} with the named JWS algorithm; false on any failure. */
  public static boolean verify(String alg, Object key, byte[] input, byte[] sig) {
    if (!ALGORITHMS.contains(alg)) {
      return false;
    }
    try {
      return switch (alg.substring(0, 2)) {
        case "HS" ->
            key instanceof byte[] secret
                && MessageDigest.isEqual(
                    Hmac.of("Hmac" + digestName(alg).replace("-", ""), secret, input), sig);
        case "RS" -> verifyPkcs1(digestName(alg), key, input, sig);
        case "PS" -> verifyPss(digestName(alg), key, input, sig);
        case "ES" -> verifyEcdsa(digestName(alg), key, input, sig);
        default -> verifyEd25519(key, input, sig);
      };
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  static boolean verifyPkcs1(String digest, Object key, byte[] input, byte[] sig)
      throws GeneralSecurityException {
    if (!(key instanceof RSAPublicKey pub)) {
      return false;
    }
    Signature s = Signature.getInstance(digest.replace("-", "") + "withRSA");
    s.initVerify(pub);
    s.update(input);
    return s.verify(sig);
  }

  /** RSASSA-PSS verification with MGF1 over the same hash and any salt length (Go's auto). */
  static boolean verifyPss(String digest, Object key, byte[] input, byte[] sig)
      throws GeneralSecurityException {
    if (!(key instanceof RSAPublicKey pub)) {
      return false;
    }
    int k = (pub.getModulus().bitLength() + 7) / 8;
    if (sig.length != k) {
      return false;
    }
    MessageDigest md = MessageDigest.getInstance(digest);
    byte[] mHash = md.digest(input);
    int hLen = mHash.length;
    int emBits = pub.getModulus().bitLength() - 1;
    int emLen = (emBits + 7) / 8;
    BigInteger m = new BigInteger(1, sig).modPow(pub.getPublicExponent(), pub.getModulus());
    byte[] raw = m.toByteArray();
    int significant = raw.length;
    int offset = 0;
    while (significant > 0 && raw[offset] == 0) {
      offset++;
      significant--;
    }
    if (significant > emLen || emLen < hLen + 2) {
      return false;
    }
    byte[] em = new byte[emLen];
    System.arraycopy(raw, offset, em, emLen - significant, significant);
    if (em[emLen - 1] != (byte) 0xbc) {
      return false;
    }
    int dbLen = emLen - hLen - 1;
    byte[] h = Arrays.copyOfRange(em, dbLen, dbLen + hLen);
    int topBits = 8 * emLen - emBits;
    if ((em[0] & (0xff << (8 - topBits)) & 0xff) != 0) {
      return false;
    }
    byte[] db = mgf1(md, h, dbLen);
    for (int i = 0; i < dbLen; i++) {
      db[i] ^= em[i];
    }
    db[0] &= (byte) (0xff >>> topBits);
    int i = 0;
    while (i < dbLen && db[i] == 0) {
      i++;
    }
    if (i == dbLen || db[i] != 1) {
      return false;
    }
    byte[] salt = Arrays.copyOfRange(db, i + 1, dbLen);
    md.reset();
    md.update(new byte[8]);
    md.update(mHash);
    md.update(salt);
    return MessageDigest.isEqual(h, md.digest());
  }

  private static byte[] mgf1(MessageDigest md, byte[] seed, int len) {
    byte[] out = new byte[len];
    int pos = 0;
    for (int counter = 0; pos < len; counter++) {
      md.reset();
      md.update(seed);
      md.update(
          new byte[] {
            (byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter
          });
      byte[] d = md.digest();
      int n = Math.min(d.length, len - pos);
      System.arraycopy(d, 0, out, pos, n);
      pos += n;
    }
    return out;
  }

  /** ECDSA over a raw r||s signature split in half, as OPA does. */
  static boolean verifyEcdsa(String digest, Object key, byte[] input, byte[] sig)
      throws GeneralSecurityException {
    if (!(key instanceof ECPublicKey pub) || sig.length < 2) {
      return false;
    }
    int n = sig.length / 2;
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(sig, 0, n));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, n, sig.length));
    byte[] der;
    try {
      ASN1EncodableVector v = new ASN1EncodableVector();
      v.add(new ASN1Integer(r));
      v.add(new ASN1Integer(s));
      der = new DERSequence(v).getEncoded();
    } catch (java.io.IOException e) {
      return false;
    }
    Signature verifier = Signature.getInstance("NONEwithECDSA");
    verifier.initVerify(pub);
    verifier.update(MessageDigest.getInstance(digest).digest(input));
    return verifier.verify(der);
  }

  static boolean verifyEd25519(Object key, byte[] input, byte[] sig)
      throws GeneralSecurityException {
    if (!(key instanceof EdECPublicKey pub) || sig.length != 64) {
      return false;
    }
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(pub);
    s.update(input);
    return s.verify(sig);
  }

  // ---------------------------------------------------------------------------------------------
  // Signing

  /** Signs {@code input} with the first key of a JWK (set) using JWS algorithm {@code alg}. */
  public static byte[] sign(JWK jwk, String alg, byte[] input) throws BuiltinException {
    try {
      String family = alg.substring(0, 2);
      switch (family) {
        case "HS" -> {
          if (!(jwk instanceof OctetSequenceKey oct)) {
            throw wrongKey(alg, jwk);
          }
          return Hmac.of("Hmac" + digestName(alg).replace("-", ""), oct.toByteArray(), input);
        }
        case "RS", "PS" -> {
          if (!(jwk instanceof RSAKey rsa) || !rsa.isPrivate()) {
            throw wrongKey(alg, jwk);
          }
          String digest = digestName(alg);
          Signature s;
          if (family.equals("RS")) {
            s = Signature.getInstance(digest.replace("-", "") + "withRSA");
          } else {
            s = Signature.getInstance("RSASSA-PSS");
            int hLen = MessageDigest.getInstance(digest).getDigestLength();
            s.setParameter(
                new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest), hLen, 1));
          }
          s.initSign(rsa.toRSAPrivateKey());
          s.update(input);
          return s.sign();
        }
        case "ES" -> {
          if (!(jwk instanceof ECKey ec) || !ec.isPrivate()) {
            throw wrongKey(alg, jwk);
          }
          Signature s =
              Signature.getInstance(digestName(alg).replace("-", "") + "withECDSAinP1363Format");
          s.initSign(ec.toECPrivateKey());
          s.update(input);
          return s.sign();
        }
        default -> {
          if (!(jwk instanceof OctetKeyPair okp) || !okp.isPrivate()) {
            throw wrongKey(alg, jwk);
          }
          PrivateKey pk =
              KeyFactory.getInstance("Ed25519")
                  .generatePrivate(
                      new EdECPrivateKeySpec(NamedParameterSpec.ED25519, okp.getDecodedD()));
          Signature s = Signature.getInstance("Ed25519");
          s.initSign(pk);
          s.update(input);
          return s.sign();
        }
      }
    } catch (GeneralSecurityException | com.nimbusds.jose.JOSEException e) {
      throw BuiltinException.error("failed to sign with " + alg + ": " + e.getMessage());
    }
  }

  private static BuiltinException wrongKey(String alg, JWK jwk) {
    return BuiltinException.error(
        "failed to sign with " + alg + ": key of type " + jwk.getKeyType() + " does not fit");
  }
}
