package io.jrego.engine.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Fresh key pairs, and PEM text as {@code openssl} writes it (64-character lines), for the tests of
 * everything that reads keys: the engine's PEM reader and bundle signatures, the server's key-file
 * options and commands.
 */
public final class TestPem {

  private TestPem() {}

  /** A 2048-bit RSA key pair (RS256, PS256, ...). */
  public static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  /** An EC key pair on P-256 (ES256). */
  public static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  /** The private key as a PKCS#8 {@code PRIVATE KEY} block. */
  public static String privateKey(KeyPair keys) {
    return block("PRIVATE KEY", keys.getPrivate().getEncoded());
  }

  /** The public key as an X.509 {@code PUBLIC KEY} block. */
  public static String publicKey(KeyPair keys) {
    return block("PUBLIC KEY", keys.getPublic().getEncoded());
  }

  /** One PEM block of this type holding {@code der}, ending in a newline. */
  public static String block(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
