package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.VerificationConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 14, finding 3: a {@code --verification-key} path that did not exist became the HMAC secret,
 * so a bundle signed with the path string was activated. Every command now reads keys through
 * {@link KeyFiles}: a key option names a file, a missing file is "not found", and a literal secret
 * comes only from an environment variable named with {@code --*-secret-env}.
 */
class KeyFileOptionsTest {

  private static final Path AI_GATEWAY =
      Path.of(System.getProperty("basedir", "."), "..", "rego-policies", "ai-gateway");
  private static final String MISSING = "/no/such/file";

  @TempDir Path dir;
  private Path signedWithThePathString;

  /** Runs {@code jrego args} as {@code main} does, with {@code env} as the environment. */
  private static CommandRun jrego(Map<String, String> env, String... args) throws Exception {
    CommandLine cmd = JregoCommand.commandLine(args, env);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int exit = cmd.execute(args);
    return new CommandRun(exit, out.toString(), err.toString());
  }

  /** The attacker's bundle: signed with the secret "/no/such/file", as the defect accepted. */
  @BeforeEach
  void signWithThePathString() throws Exception {
    signedWithThePathString = dir.resolve("signed.tar.gz");
    CommandRun build =
        jrego(
            Map.of("SECRET", MISSING),
            "build",
            AI_GATEWAY.toString(),
            "-o",
            signedWithThePathString.toString(),
            "--signing-alg",
            "HS256",
            "--signing-secret-env",
            "SECRET");
    assertThat(build.exit()).as(build.err()).isZero();
  }

  @Test
  void issue14_serveWithAMissingHmacKeyFile_stopsAndSaysNotFound() throws Exception {
    CommandRun r =
        jrego(
            Map.of(),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-key",
            MISSING,
            "--addr",
            "127.0.0.1:0",
            "--admin-addr",
            "off",
            "--warm-up",
            "0s");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--verification-key " + MISSING + ": not found");
    assertThat(r.out()).doesNotContain("activated", "serving");
  }

  @Test
  void issue14_missingPemKeyFile_saysNotFoundNotNotAPemKey() throws Exception {
    CommandRun r =
        jrego(
            Map.of(),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-key",
            MISSING,
            "--admin-addr",
            "off");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(MISSING + ": not found").doesNotContain("not a PEM key");
  }

  @Test
  void issue14_aKeyFileThatCannotVerify_stopsTheServerNamingTheKey() throws Exception {
    Path notPem = dir.resolve("not.pem");
    Files.writeString(notPem, "hello");
    CommandRun r =
        jrego(
            Map.of(),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-key",
            notPem.toString(),
            "--admin-addr",
            "off");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--verification-key " + notPem, "not a PEM key");

    Path empty = dir.resolve("empty");
    Files.writeString(empty, "");
    r =
        jrego(
            Map.of(),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-key",
            empty.toString(),
            "--admin-addr",
            "off");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(empty + ": the file is empty");

    r =
        jrego(
            Map.of(),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-key",
            dir.toString(),
            "--admin-addr",
            "off");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(dir + ": is a folder, not a key file");
  }

  @Test
  void issue14_aLiteralSecretComesOnlyFromANamedEnvironmentVariable() throws Exception {
    String[] serve = {
      "serve",
      "--bundle",
      signedWithThePathString.toString(),
      "--verification-alg",
      "HS256",
      "--verification-secret-env",
      "BUNDLE_SECRET",
      "--admin-addr",
      "off"
    };
    CommandRun unset = jrego(Map.of(), serve);
    assertThat(unset.exit()).isEqualTo(2);
    assertThat(unset.err())
        .contains("--verification-secret-env BUNDLE_SECRET: the environment variable is not set");

    CommandRun both =
        jrego(
            Map.of("BUNDLE_SECRET", "x"),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-secret-env",
            "BUNDLE_SECRET",
            "--verification-key",
            MISSING,
            "--admin-addr",
            "off");
    assertThat(both.err()).contains("not both");

    CommandRun rsa =
        jrego(
            Map.of("BUNDLE_SECRET", "x"),
            "serve",
            "--bundle",
            signedWithThePathString.toString(),
            "--verification-secret-env",
            "BUNDLE_SECRET",
            "--admin-addr",
            "off");
    assertThat(rsa.err()).contains("RS256 needs a PEM file");
  }

  @Test
  void issue14_signAndBuild_refuseAMissingKeyFile() throws Exception {
    Path out = dir.resolve("out.tar.gz");
    CommandRun build =
        jrego(
            Map.of(),
            "build",
            AI_GATEWAY.toString(),
            "-o",
            out.toString(),
            "--signing-alg",
            "HS256",
            "--signing-key",
            MISSING);
    assertThat(build.exit()).isEqualTo(1);
    assertThat(build.err()).contains("--signing-key " + MISSING + ": not found");
    assertThat(out).doesNotExist();

    CommandRun sign =
        jrego(
            Map.of(),
            "sign",
            signedWithThePathString.toString(),
            "--signing-alg",
            "HS256",
            "--signing-key",
            MISSING);
    assertThat(sign.exit()).isEqualTo(1);
    assertThat(sign.err()).contains("--signing-key " + MISSING + ": not found");
  }

  @Test
  void issue14_evalBundle_verifiesWithTheSameReader() throws Exception {
    String query = "data.ai_gateway.trust_domain";
    CommandRun missing =
        jrego(
            Map.of(),
            "eval",
            "-b",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-key",
            MISSING,
            "-f",
            "raw",
            query);
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--verification-key " + MISSING + ": not found");

    Path wrong = dir.resolve("wrong-secret");
    Files.writeString(wrong, "another secret");
    CommandRun bad =
        jrego(
            Map.of(),
            "eval",
            "-b",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-key",
            wrong.toString(),
            "-f",
            "raw",
            query);
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("the JWS signature is invalid");

    CommandRun good =
        jrego(
            Map.of("S", MISSING),
            "eval",
            "-b",
            signedWithThePathString.toString(),
            "--verification-alg",
            "HS256",
            "--verification-secret-env",
            "S",
            "-f",
            "raw",
            query);
    assertThat(good.exit()).as(good.err()).isZero();
    assertThat(good.out().strip()).isEqualTo("cluster.local");
  }

  @Test
  void issue14_anHmacSecretFileIsUsedByteForByte() throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "s3cret\n"); // a trailing newline is part of the secret, as in OPA
    Path out = dir.resolve("hs.tar.gz");
    CommandRun build =
        jrego(
            Map.of(),
            "build",
            AI_GATEWAY.toString(),
            "-o",
            out.toString(),
            "--signing-alg",
            "HS256",
            "--signing-key",
            secret.toString());
    assertThat(build.exit()).as(build.err()).isZero();
    BundleLoader.load(out, verifying("HS256", "s3cret\n"));
  }

  @Test
  void issue14_rsaKeysStillSignAndVerifyFromFiles() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    var kp = g.generateKeyPair();
    Path priv = dir.resolve("key.pem");
    Path pub = dir.resolve("pub.pem");
    Files.writeString(priv, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
    Files.writeString(pub, pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    Path out = dir.resolve("rs.tar.gz");
    assertThat(
            jrego(
                    Map.of(),
                    "build",
                    AI_GATEWAY.toString(),
                    "-o",
                    out.toString(),
                    "--signing-key",
                    priv.toString())
                .exit())
        .isZero();
    CommandRun eval =
        jrego(
            Map.of(),
            "eval",
            "-b",
            out.toString(),
            "--verification-key",
            pub.toString(),
            "-f",
            "raw",
            "data.ai_gateway.trust_domain");
    assertThat(eval.exit()).as(eval.err()).isZero();
    assertThat(eval.out().strip()).isEqualTo("cluster.local");
  }

  private static BundleLoader.Options verifying(String alg, String key) {
    return new BundleLoader.Options(
        BundleLimits.defaults(),
        Optional.of(new VerificationConfig(alg, key, "default", "", List.of())));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
