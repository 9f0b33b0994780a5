package io.jrego.server.tls;

import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemBlock;
import io.jrego.engine.pem.PemException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One consistent set of X.509 SVID files, read and checked: the SVID's chain (leaf first), its
 * private key, the trust bundle, and a trust manager over that bundle. Built only when every check
 * passes, so a set that is half rotated (a new certificate beside the old key) is never served.
 *
 * @param chain the SVID and the intermediates after it
 * @param key the SVID's private key
 * @param bundle the trust bundle's CA certificates
 * @param trust PKIX over {@code bundle}, no revocation (as SPIFFE: short-lived SVIDs instead)
 * @param spiffeId the SVID's SPIFFE ID
 * @param alias the name the key manager hands out for this set; differs for every set read
 */
record SvidMaterial(
    List<X509Certificate> chain,
    PrivateKey key,
    List<X509Certificate> bundle,
    X509TrustManager trust,
    String spiffeId,
    String alias) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** When the SVID stops being valid. */
  Instant notAfter() {
    return chain.getFirst().getNotAfter().toInstant();
  }

  /**
   * Where the parts of one SVID came from, for messages: the files' paths, or the Workload API's
   * fields.
   */
  record Origin(String certificate, String key, String bundle) {

    static Origin of(SvidFiles files) {
      return new Origin(
          files.certificate().toString(), files.key().toString(), files.bundle().toString());
    }
  }

  /**
   * Reads and checks the three files: each parses, the key is PKCS#8 and belongs to the SVID, the
   * SVID has exactly one URI SAN that is a SPIFFE ID, is valid now, and chains to the bundle.
   *
   * @throws SvidException naming the file and what is wrong with it
   */
  static SvidMaterial read(SvidFiles files, Instant now, String alias) throws SvidException {
    return read(SvidFileTexts.read(files), now, alias);
  }

  /**
   * Checks the files' texts as they were read once, as {@link #read(SvidFiles, Instant, String)}.
   */
  static SvidMaterial read(SvidFileTexts texts, Instant now, String alias) throws SvidException {
    Origin origin = Origin.of(texts.files());
    List<X509Certificate> chain = certificates(bytes(texts.certificate()), origin.certificate());
    List<X509Certificate> bundle = certificates(bytes(texts.bundle()), origin.bundle());
    PrivateKey key = pemPrivateKey(texts.files().key(), texts.key());
    return checked(chain, key, bundle, now, alias, origin);
  }

  /**
   * Parses and checks an SVID as the SPIFFE Workload API sends it (DER certificates one after the
   * other, leaf first; an unencrypted PKCS#8 DER key; the bundle's DER certificates), with the
   * checks of {@link #read}.
   *
   * @throws SvidException naming the field and what is wrong with it
   */
  static SvidMaterial fromDer(
      byte[] chainDer, byte[] keyDer, byte[] bundleDer, Instant now, String alias, Origin origin)
      throws SvidException {
    List<X509Certificate> chain = certificates(chainDer, origin.certificate());
    List<X509Certificate> bundle = certificates(bundleDer, origin.bundle());
    PrivateKey key = pkcs8(keyDer, origin.key());
    return checked(chain, key, bundle, now, alias, origin);
  }

  private static SvidMaterial checked(
      List<X509Certificate> chain,
      PrivateKey key,
      List<X509Certificate> bundle,
      Instant now,
      String alias,
      Origin origin)
      throws SvidException {
    X509Certificate leaf = chain.getFirst();
    String id =
        SpiffeIds.ofCertificate(leaf)
            .orElseThrow(
                () ->
                    new SvidException(
                        origin.certificate()
                            + ": the first certificate is no X.509 SVID: it needs exactly one URI"
                            + " SAN, a SPIFFE ID (spiffe://trust-domain/path)"));
    try {
      leaf.checkValidity(Date.from(now));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new SvidException(
          origin.certificate()
              + ": the SVID is valid from "
              + leaf.getNotBefore().toInstant()
              + " to "
              + leaf.getNotAfter().toInstant()
              + ", not now ("
              + now
              + ")");
    }
    if (!matches(key, leaf)) {
      throw new SvidException(
          origin.key()
              + ": the private key does not belong to the SVID in "
              + origin.certificate());
    }
    X509TrustManager trust;
    try {
      trust = pkix(bundle);
    } catch (GeneralSecurityException e) {
      throw new SvidException(
          origin.bundle() + ": the trust bundle cannot be used: " + e.getMessage());
    }
    chainsTo(origin, chain, bundle, now);
    return new SvidMaterial(List.copyOf(chain), key, List.copyOf(bundle), trust, id, alias);
  }

  private static List<X509Certificate> certificates(byte[] bytes, String where)
      throws SvidException {
    try {
      List<X509Certificate> out =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))
              .stream()
              .map(X509Certificate.class::cast)
              .toList();
      if (out.isEmpty()) {
        throw new SvidException(where + ": no certificate");
      }
      return out;
    } catch (CertificateException e) {
      throw new SvidException(where + ": the certificates do not parse: " + e.getMessage());
    }
  }

  private static PrivateKey pemPrivateKey(Path file, String text) throws SvidException {
    try {
      PemBlock block = Pem.firstBlock(file.toString(), text);
      if (!block.type().equals("PRIVATE KEY")) {
        throw new SvidException(
            file
                + ": a "
                + block.type()
                + " block; the SVID key must be PKCS#8 (-----BEGIN PRIVATE KEY-----), as SPIRE"
                + " writes it");
      }
      return Pem.pkcs8(file.toString(), block.bytes());
    } catch (PemException e) {
      throw new SvidException(e.getMessage());
    }
  }

  private static PrivateKey pkcs8(byte[] der, String where) throws SvidException {
    try {
      return Pem.pkcs8(where, der);
    } catch (PemException e) {
      throw new SvidException(e.getMessage());
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code key} signs what the certificate's public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate leaf) {
    String alg =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default -> key.getAlgorithm();
        };
    try {
      byte[] probe = new byte[32];
      RANDOM.nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * PKIX over {@code bundle}, no revocation (SPIFFE relies on short-lived SVIDs): what verifies a
   * peer's chain, for jrego's callers here and for the tests' callers verifying jrego.
   */
  static X509TrustManager pkix(List<X509Certificate> bundle) throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException("an empty key store cannot be made", e);
    }
    for (int i = 0; i < bundle.size(); i++) {
      store.setCertificateEntry("ca-" + i, bundle.get(i));
    }
    TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
    f.init(store);
    for (var tm : f.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager for the bundle");
  }

  /** The SVID must chain to the bundle: a set from two different rotations is refused. */
  private static void chainsTo(
      Origin origin, List<X509Certificate> chain, List<X509Certificate> bundle, Instant now)
      throws SvidException {
    try {
      Set<TrustAnchor> anchors = new HashSet<>();
      for (X509Certificate ca : bundle) {
        anchors.add(new TrustAnchor(ca, null));
      }
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
    } catch (GeneralSecurityException e) {
      throw new SvidException(
          origin.certificate()
              + ": the SVID does not chain to the trust bundle "
              + origin.bundle()
              + ": "
              + e.getMessage());
    }
  }
}
