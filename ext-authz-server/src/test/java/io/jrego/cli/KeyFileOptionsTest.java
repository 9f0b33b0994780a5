package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.VerificationConfig;
import io.jrego.engine.testing.TestPem;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
        serveSigned(Map.of(), "--verification-alg", "HS256", "--verification-key", MISSING);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--verification-key " + MISSING + ": not found");
    assertThat(r.out()).doesNotContain("activated", "serving");
  }

  @Test
  void issue14_missingPemKeyFile_saysNotFoundNotNotAPemKey() throws Exception {
    CommandRun r = serveSigned(Map.of(), "--verification-key", MISSING);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(MISSING + ": not found").doesNotContain("not a PEM key");
  }

  /**
   * {@code content} is what the key file holds ({@code null}: it is a folder); {@code says} is what
   * the error says, {@code {key}} standing for the file's path.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      nullValues = "FOLDER",
      value = {
        "a file that is not PEM, RS256, not.pem, hello, not a PEM key",
        "an empty HMAC key file, HS256, empty, '', '{key}: the file is empty'",
        "a folder, HS256, folder, FOLDER, '{key}: is a folder, not a key file'"
      })
  void issue14_aKeyFileThatCannotVerify_stopsTheServerNamingTheKey(
      String what, String alg, String name, String content, String says) throws Exception {
    Path key = dir.resolve(name);
    if (content == null) {
      Files.createDirectory(key);
    } else {
      Files.writeString(key, content);
    }
    CommandRun r =
        serveSigned(Map.of(), "--verification-alg", alg, "--verification-key", key.toString());
    assertThat(r.exit()).as(what).isEqualTo(2);
    assertThat(r.err())
        .as(what)
        .contains("--verification-key " + key, says.replace("{key}", key.toString()));
  }

  @Test
  void issue14_aLiteralSecretComesOnlyFromANamedEnvironmentVariable() throws Exception {
    CommandRun unset =
        serveSigned(
            Map.of(), "--verification-alg", "HS256", "--verification-secret-env", "BUNDLE_SECRET");
    assertThat(unset.exit()).isEqualTo(2);
    assertThat(unset.err())
        .contains("--verification-secret-env BUNDLE_SECRET: the environment variable is not set");

    CommandRun both =
        serveSigned(
            Map.of("BUNDLE_SECRET", "x"),
            "--verification-alg",
            "HS256",
            "--verification-secret-env",
            "BUNDLE_SECRET",
            "--verification-key",
            MISSING);
    assertThat(both.err()).contains("not both");

    CommandRun rsa =
        serveSigned(Map.of("BUNDLE_SECRET", "x"), "--verification-secret-env", "BUNDLE_SECRET");
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
    CommandRun missing =
        evalSigned(Map.of(), "--verification-alg", "HS256", "--verification-key", MISSING);
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--verification-key " + MISSING + ": not found");

    Path wrong = dir.resolve("wrong-secret");
    Files.writeString(wrong, "another secret");
    CommandRun bad =
        evalSigned(Map.of(), "--verification-alg", "HS256", "--verification-key", wrong.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("the JWS signature is invalid");

    CommandRun good =
        evalSigned(
            Map.of("S", MISSING), "--verification-alg", "HS256", "--verification-secret-env", "S");
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
    var kp = TestPem.rsa();
    Path priv = dir.resolve("key.pem");
    Path pub = dir.resolve("pub.pem");
    Files.writeString(priv, TestPem.privateKey(kp));
    Files.writeString(pub, TestPem.publicKey(kp));
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

  /**
   * {@code jrego serve} on the bundle signed with the path string, verifying it with {@code
   * verification} options; on a loopback port with no admin listener, should it start at all.
   */
  private CommandRun serveSigned(Map<String, String> env, String... verification) throws Exception {
    List<String> args =
        new ArrayList<>(List.of("serve", "--bundle", signedWithThePathString.toString()));
    args.addAll(List.of(verification));
    args.addAll(List.of("--addr", "127.0.0.1:0", "--admin-addr", "off", "--warm-up", "0s"));
    return jrego(env, args.toArray(String[]::new));
  }

  /**
   * {@code jrego eval} of the bundle's trust domain, verifying the bundle with {@code
   * verification}.
   */
  private CommandRun evalSigned(Map<String, String> env, String... verification) throws Exception {
    List<String> args = new ArrayList<>(List.of("eval", "-b", signedWithThePathString.toString()));
    args.addAll(List.of(verification));
    args.addAll(List.of("-f", "raw", "data.ai_gateway.trust_domain"));
    return jrego(env, args.toArray(String[]::new));
  }

  private static BundleLoader.Options verifying(String alg, String key) {
    return new BundleLoader.Options(
        BundleLimits.defaults(),
        Optional.of(new VerificationConfig(alg, key, "default", "", List.of())));
  }
}
