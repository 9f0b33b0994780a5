package io.jrego.engine.bundle;

import java.io.IOException;
import java.io.StringReader;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads the PEM keys OPA accepts: PKCS#1 and PKCS#8 private keys, SEC1 EC private keys, public keys
 * (PKIX or PKCS#1) and certificates.
 */
final class PemKeys {

  private PemKeys() {}

  /**
   * The first key in {@code pem}: a {@link KeyPair} for a private key (its public half derived when
   * the PEM lacks it, which only RSA allows; else null), a {@link PublicKey} otherwise.
   */
  static Object parse(String pem, String what) throws BundleException {
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (o instanceof PEMKeyPair kp) {
        return conv.getKeyPair(kp);
      }
      if (o instanceof PrivateKeyInfo pki) {
        PrivateKey priv = conv.getPrivateKey(pki);
        PublicKey pub = null;
        if (priv instanceof RSAPrivateCrtKey crt) {
          pub =
              KeyFactory.getInstance("RSA")
                  .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        }
        return new KeyPair(pub, priv);
      }
      if (o instanceof SubjectPublicKeyInfo spki) {
        return conv.getPublicKey(spki);
      }
      if (o instanceof X509CertificateHolder cert) {
        return conv.getPublicKey(cert.getSubjectPublicKeyInfo());
      }
      throw new BundleException(
          what + ": not a PEM key" + (o == null ? "" : " (" + o.getClass().getSimpleName() + ")"));
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new BundleException(what + ": not a usable PEM key: " + e.getMessage(), e);
    }
  }
}
