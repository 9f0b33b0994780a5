package io.jrego.server.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A SPIFFE trust domain's CA made in the test, issuing X.509 SVIDs as SPIRE does: EC P-256, one URI
 * SAN (the SPIFFE ID), client and server auth, short-lived. {@link #writeSpireFiles} writes them as
 * a SPIFFE helper does, one file after the other in place.
 */
final class SvidPki {

  /** A certificate with its key. */
  record Issued(X509Certificate cert, KeyPair keys) {}

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Issued ca;
  private final X500Name name;

  SvidPki(String caName) throws GeneralSecurityException, OperatorCreationException, IOException {
    KeyPair keys = newKeys();
    this.name = new X500Name("O=SPIFFE,CN=" + caName);
    X509v3CertificateBuilder b =
        builder(name, name, keys, Instant.now().minusSeconds(3600), Duration.ofDays(2));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.ca = new Issued(sign(b, keys), keys);
  }

  X509Certificate ca() {
    return ca.cert();
  }

  /** An SVID valid from an hour ago for a day. */
  Issued svid(String spiffeId) throws Exception {
    return svid(Instant.now().minusSeconds(3600), Duration.ofDays(1), uri(spiffeId));
  }

  /** An SVID with the given validity. */
  Issued svid(String spiffeId, Instant notBefore, Duration validity) throws Exception {
    return svid(notBefore, validity, uri(spiffeId));
  }

  /** A leaf with the given SANs (none, two URIs, a DNS name: not SVIDs). */
  Issued leaf(GeneralName... sans) throws Exception {
    return svid(Instant.now().minusSeconds(3600), Duration.ofDays(1), sans);
  }

  static GeneralName uri(String value) {
    return new GeneralName(GeneralName.uniformResourceIdentifier, value);
  }

  private Issued svid(Instant notBefore, Duration validity, GeneralName... sans) throws Exception {
    KeyPair keys = newKeys();
    X509v3CertificateBuilder b =
        builder(name, new X500Name("O=SPIRE,C=US"), keys, notBefore, validity);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(
        Extension.keyUsage,
        true,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
    b.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    if (sans.length > 0) {
      b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(sans));
    }
    return new Issued(sign(b, ca.keys()), keys);
  }

  /**
   * Writes {@code svid.pem}, {@code svid_key.pem} (PKCS#8) and {@code bundle.pem} (every CA in
   * {@code bundle}) into {@code dir}, in place, in that order.
   */
  static void writeSpireFiles(Path dir, Issued svid, SvidPki... bundle) throws IOException {
    Files.writeString(dir.resolve("svid.pem"), pem(svid.cert()));
    Files.writeString(
        dir.resolve("svid_key.pem"), pem(new JcaPKCS8Generator(svid.keys().getPrivate(), null)));
    List<Object> cas = new ArrayList<>();
    for (SvidPki p : bundle) {
      cas.add(p.ca());
    }
    Files.writeString(dir.resolve("bundle.pem"), pem(cas.toArray()));
  }

  static String pem(Object... objects) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    }
    return out.toString();
  }

  private static KeyPair newKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair keys, Instant notBefore, Duration validity) {
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(notBefore),
        Date.from(notBefore.plus(validity)),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }
}
