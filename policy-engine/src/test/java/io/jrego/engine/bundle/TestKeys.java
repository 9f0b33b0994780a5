package io.jrego.engine.bundle;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** Key pairs as PEM text, for signing tests. */
record TestKeys(String privatePem, String publicPem) {

  static TestKeys rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return of(g.generateKeyPair());
  }

  static TestKeys ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return of(g.generateKeyPair());
  }

  static TestKeys forAlg(String alg) throws Exception {
    return switch (alg.substring(0, 2)) {
      case "RS", "PS" -> rsa();
      case "ES" -> ec();
      case "HS" ->
          new TestKeys(
              "s3cr3t-shared-between-signer-and-verifier",
              "s3cr3t-shared-between-signer-and-verifier");
      default -> throw new NoSuchAlgorithmException(alg);
    };
  }

  private static TestKeys of(KeyPair kp) {
    return new TestKeys(
        pem("PRIVATE KEY", kp.getPrivate().getEncoded()),
        pem("PUBLIC KEY", kp.getPublic().getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
