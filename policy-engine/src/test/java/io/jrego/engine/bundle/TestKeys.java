package io.jrego.engine.bundle;

import io.jrego.engine.testing.TestPem;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;

/** Key pairs as PEM text, for signing tests. */
record TestKeys(String privatePem, String publicPem) {

  static TestKeys rsa() throws Exception {
    return of(TestPem.rsa());
  }

  static TestKeys ec() throws Exception {
    return of(TestPem.ec());
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
    return new TestKeys(TestPem.privateKey(kp), TestPem.publicKey(kp));
  }
}
