package io.jrego.engine.pem;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The one PEM reader of jrego: key files for bundle signing and verification, SVID keys, the bundle
 * service's client key, and the PEM the {@code io.jwt.*} and {@code crypto.x509.*} builtins take.
 *
 * <p>Every failure is a {@link PemException} whose message starts with where the text came from
 * (the caller says: a file, an option and its file, "verification key") and says what is wrong, so
 * a missing file says "not found", a file without a block says "no PEM block", and a block that
 * holds no key says "not a PEM key", each distinct from the others.
 */
public final class Pem {

  /** The largest file {@link #readFile} reads: far above any key or bundle, below a mistake's. */
  public static final long MAX_FILE_BYTES = 1 << 20;

  // Go's encoding/pem: text before a block is skipped; END must repeat BEGIN's type.
  private static final Pattern BLOCK =
      Pattern.compile(
          "(?:^|\\n)-----BEGIN ([^\\r\\n]*?)-----\\r?\\n(.*?)(?:^|\\n)-----END \\1-----[ \\t]*(?:\\r?\\n|$)",
          Pattern.DOTALL | Pattern.MULTILINE);

  private Pem() {}

  /**
   * The text of {@code file}, as UTF-8.
   *
   * @param where how messages name the file, e.g. {@code "--verification-key /etc/key.pem"}
   * @throws PemException if the file is not found, is a folder, cannot be read, is empty or larger
   *     than {@link #MAX_FILE_BYTES}
   */
  public static String readFile(String where, Path file) throws PemException {
    try {
      if (Files.isDirectory(file)) {
        throw new PemException(where, "is a folder, not a key file");
      }
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new PemException(where, size + " bytes, more than a key file holds");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      if (text.isEmpty()) {
        throw new PemException(where, "the file is empty");
      }
      return text;
    } catch (NoSuchFileException e) {
      throw new PemException(where, "not found", e);
    } catch (AccessDeniedException e) {
      throw new PemException(where, "permission denied", e);
    } catch (IOException e) {
      throw new PemException(where, "cannot read: " + e.getMessage(), e);
    }
  }

  /** The first well-formed block in {@code text}, as Go's {@code pem.Decode} finds it. */
  public static Optional<PemBlock> decode(String text) {
    Matcher m = BLOCK.matcher(text);
    int from = 0;
    while (m.find(from)) {
      byte[] bytes = body(m.group(2));
      if (bytes != null) {
        return Optional.of(new PemBlock(m.group(1), bytes, text.substring(m.end())));
      }
      from = m.end();
    }
    return Optional.empty();
  }

  /** Every well-formed block in {@code text}, in order. */
  public static List<PemBlock> decodeAll(String text) {
    List<PemBlock> out = new ArrayList<>();
    Optional<PemBlock> b = decode(text);
    while (b.isPresent()) {
      out.add(b.get());
      b = decode(b.get().rest());
    }
    return out;
  }

  /**
   * The first block in {@code text}.
   *
   * @throws PemException "no PEM block" when there is none
   */
  public static PemBlock firstBlock(String where, String text) throws PemException {
    return decode(text)
        .orElseThrow(() -> new PemException(where, "no PEM block (no -----BEGIN ...----- line)"));
  }

  /**
   * The first key in {@code text}: PKCS#1 and PKCS#8 private keys, SEC1 EC private keys, public
   * keys (PKIX or PKCS#1) and certificates (their public key), the formats OPA reads.
   *
   * @throws PemException "no PEM block", "not a PEM key (the block's kind)" or "not a usable PEM
   *     key" with the parser's reason
   */
  public static PemKey key(String where, String text) throws PemException {
    if (decode(text).isEmpty()) {
      throw new PemException(where, "not a PEM key: no PEM block (no -----BEGIN ...----- line)");
    }
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
    try (PEMParser p = new PEMParser(new StringReader(text))) {
      Object o = p.readObject();
      return switch (o) {
        case PEMKeyPair kp -> {
          var pair = conv.getKeyPair(kp);
          yield new PemKey(Optional.of(pair.getPublic()), Optional.of(pair.getPrivate()));
        }
        case PrivateKeyInfo pki -> {
          PrivateKey priv = conv.getPrivateKey(pki);
          yield new PemKey(rsaPublicHalf(priv), Optional.of(priv));
        }
        case SubjectPublicKeyInfo spki ->
            new PemKey(Optional.of(conv.getPublicKey(spki)), Optional.empty());
        case X509CertificateHolder cert ->
            new PemKey(
                Optional.of(conv.getPublicKey(cert.getSubjectPublicKeyInfo())), Optional.empty());
        case null -> throw new PemException(where, "not a PEM key");
        default ->
            throw new PemException(where, "not a PEM key (" + o.getClass().getSimpleName() + ")");
      };
    } catch (IOException | GeneralSecurityException e) {
      throw new PemException(where, "not a usable PEM key: " + e.getMessage(), e);
    }
  }

  /**
   * Every private key in {@code text} (PKCS#1, SEC1 EC or PKCS#8), in order; other blocks are
   * skipped.
   *
   * @throws PemException "not a usable PEM key" when a block does not parse
   */
  public static List<PrivateKey> privateKeys(String where, String text) throws PemException {
    List<PrivateKey> out = new ArrayList<>();
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PEMKeyPair kp) {
          out.add(conv.getKeyPair(kp).getPrivate());
        } else if (o instanceof PrivateKeyInfo pki) {
          out.add(conv.getPrivateKey(pki));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new PemException(where, "not a usable PEM key: " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * An unencrypted PKCS#8 private key (EC, RSA or Ed25519) from its DER bytes: a {@code PRIVATE
   * KEY} block's, or the SPIFFE Workload API's.
   *
   * @throws PemException if the bytes are no such key
   */
  public static PrivateKey pkcs8(String where, byte[] der) throws PemException {
    for (String alg : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // try the next algorithm
      }
    }
    throw new PemException(where, "not an EC, RSA or Ed25519 PKCS#8 private key");
  }

  private static Optional<PublicKey> rsaPublicHalf(PrivateKey priv)
      throws GeneralSecurityException {
    if (priv instanceof RSAPrivateCrtKey crt) {
      return Optional.of(
          KeyFactory.getInstance("RSA")
              .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent())));
    }
    return Optional.empty();
  }

  private static byte[] body(String body) {
    StringBuilder b64 = new StringBuilder();
    for (String line : body.lines().toList()) {
      if (line.contains(":")) {
        continue; // RFC 1421 headers such as Proc-Type
      }
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (!Character.isWhitespace(c)) {
          b64.append(c);
        }
      }
    }
    try {
      return Base64.getDecoder().decode(b64.toString().getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
