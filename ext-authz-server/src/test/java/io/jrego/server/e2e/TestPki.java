package io.jrego.server.e2e;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
 * A throwaway PKI for the end-to-end tests, as envoy-config/make-certs.sh makes with openssl: a CA,
 * a server certificate for localhost/127.0.0.1 and client certificates whose URI SAN is a SPIFFE
 * ID. EC P-256 keys (quick to make).
 */
final class TestPki {

  /** A certificate with its key. */
  record Issued(X509Certificate cert, KeyPair keys) {}

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Issued ca;

  TestPki() throws GeneralSecurityException, OperatorCreationException, IOException {
    KeyPair keys = newKeys();
    X500Name name = new X500Name("O=jrego test,CN=jrego e2e CA");
    X509v3CertificateBuilder b = builder(name, name, keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.ca = new Issued(sign(b, keys), keys);
  }

  Issued ca() {
    return ca;
  }

  Issued server() throws GeneralSecurityException, OperatorCreationException, IOException {
    return leaf(
        "localhost",
        KeyPurposeId.id_kp_serverAuth,
        new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
  }

  Issued client(String cn, String spiffeId)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    return leaf(
        cn,
        KeyPurposeId.id_kp_clientAuth,
        new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId));
  }

  /**
   * An X.509 SVID as SPIRE issues it: only a URI SAN (the SPIFFE ID), for client and server auth.
   */
  Issued svid(String cn, String spiffeId)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    return leaf(
        cn,
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
        new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId));
  }

  /** A client certificate without a SPIFFE ID: a DNS name SAN only. */
  Issued clientWithDnsName(String cn, String dnsName)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    return leaf(cn, KeyPurposeId.id_kp_clientAuth, new GeneralName(GeneralName.dNSName, dnsName));
  }

  private Issued leaf(String cn, KeyPurposeId purpose, GeneralName... sans)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    return leaf(cn, new KeyPurposeId[] {purpose}, sans);
  }

  private Issued leaf(String cn, KeyPurposeId[] purposes, GeneralName... sans)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    KeyPair keys = newKeys();
    X509v3CertificateBuilder b =
        builder(
            new X500Name("O=jrego test,CN=jrego e2e CA"),
            new X500Name("O=jrego test,CN=" + cn),
            keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
    return new Issued(sign(b, ca.keys()), keys);
  }

  private static KeyPair newKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(2))),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
      throws GeneralSecurityException, OperatorCreationException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  /**
   * A new PKI with the files the shipped Envoy config reads written into {@code certs}: {@code ca},
   * {@code server} (Envoy's listener) and {@code envoy} (Envoy's client certificate, SPIFFE ID
   * {@link EnvoyEndToEndIT#ENVOY}), each as {@code .crt} and {@code .key}.
   */
  static TestPki forEnvoy(Path certs)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    TestPki pki = new TestPki();
    writePem(certs, "ca", pki.ca());
    writePem(certs, "server", pki.server());
    writePem(certs, "envoy", pki.client("envoy", EnvoyEndToEndIT.ENVOY));
    return pki;
  }

  /** Writes {@code <name>.crt} and {@code <name>.key} (PKCS#8) as PEM. */
  static void writePem(Path dir, String name, Issued issued) throws IOException {
    StringWriter crt = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(crt)) {
      w.writeObject(issued.cert());
    }
    Files.writeString(dir.resolve(name + ".crt"), crt.toString());
    StringWriter key = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(key)) {
      w.writeObject(new JcaPKCS8Generator(issued.keys().getPrivate(), null));
    }
    Files.writeString(dir.resolve(name + ".key"), key.toString());
  }

  /**
   * An HTTP/1.1 client ({@link EnvoyRunner#http1}) presenting {@code client}, trusting only the CA.
   */
  HttpClient httpClient(Issued client) throws GeneralSecurityException, IOException {
    return EnvoyRunner.http1().sslContext(clientContext(client)).build();
  }

  /** A TLS context presenting {@code client} and trusting only the CA. */
  SSLContext clientContext(Issued client) throws GeneralSecurityException, IOException {
    char[] pw = "changeit".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "client", client.keys().getPrivate(), pw, new Certificate[] {client.cert(), ca.cert()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, pw);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.cert());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
    return ctx;
  }
}
