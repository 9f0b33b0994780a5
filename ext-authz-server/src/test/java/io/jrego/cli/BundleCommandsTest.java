package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jrego.engine.bundle.Bundle;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.VerificationConfig;
import io.jrego.engine.testing.TestPem;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCommandsTest {

  @TempDir Path dir;

  private static final Path AI_GATEWAY =
      Path.of(System.getProperty("basedir", "."), "..", "rego-policies", "ai-gateway");

  private static BundleLoader.Options verifying(String alg, String key) {
    return new BundleLoader.Options(
        BundleLimits.defaults(),
        Optional.of(new VerificationConfig(alg, key, "default", "", List.of())));
  }

  @Test
  void build_writesALoadableBundleWithTheRevision() throws Exception {
    Path out = dir.resolve("b.tar.gz");
    CommandRun r =
        CommandRun.of(
            new BuildCommand(), AI_GATEWAY.toString(), "--revision", "ci-42", "-o", out.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    Bundle b = BundleLoader.load(out);
    assertThat(b.revision()).isEqualTo("ci-42");
    assertThat(b.roots()).containsExactly("envoy/authz", "envoy/process", "ai_gateway");
    assertThat(b.modules()).containsKey("policy.rego");
  }

  @Test
  void build_refusesABundleThatDoesNotCompile() throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    Files.writeString(src.resolve("p.rego"), "package p\nx := undefined_fn(1)\n");
    CommandRun r =
        CommandRun.of(new BuildCommand(), src.toString(), "-o", dir.resolve("o.tar.gz").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("does not compile").contains("undefined_fn");
    assertThat(dir.resolve("o.tar.gz")).doesNotExist();
  }

  @Test
  void buildWithSigningKey_andSign_produceVerifiableBundles() throws Exception {
    Path hs = dir.resolve("hs.tar.gz");
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "a-long-enough-shared-secret-value");
    CommandRun r =
        CommandRun.of(
            new BuildCommand(),
            AI_GATEWAY.toString(),
            "-o",
            hs.toString(),
            "--signing-alg",
            "HS256",
            "--signing-key",
            secret.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    BundleLoader.load(hs, verifying("HS256", "a-long-enough-shared-secret-value"));

    KeyPair kp = TestPem.rsa();
    Path key = dir.resolve("key.pem");
    Files.writeString(key, TestPem.privateKey(kp));
    Path plain = dir.resolve("plain.tar.gz");
    assertThat(
            CommandRun.of(new BuildCommand(), AI_GATEWAY.toString(), "-o", plain.toString()).exit())
        .isZero();
    CommandRun s =
        CommandRun.of(new SignCommand(), plain.toString(), "--signing-key", key.toString());
    assertThat(s.exit()).as(s.err()).isZero();
    BundleLoader.load(plain, verifying("RS256", TestPem.publicKey(kp)));
  }

  @Test
  void push_putsTheBundleWithTheBearerToken() throws Exception {
    Path out = dir.resolve("b.tar.gz");
    assertThat(
            CommandRun.of(new BuildCommand(), AI_GATEWAY.toString(), "-o", out.toString()).exit())
        .isZero();
    AtomicReference<byte[]> got = new AtomicReference<>();
    AtomicReference<String> auth = new AtomicReference<>();
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    http.createContext(
        "/",
        ex -> {
          try (ex) {
            if (ex.getRequestMethod().equals("PUT")) {
              got.set(ex.getRequestBody().readAllBytes());
              auth.set(ex.getRequestHeaders().getFirst("Authorization"));
              ex.sendResponseHeaders(201, -1);
            } else {
              ex.sendResponseHeaders(405, -1);
            }
          }
        });
    http.start();
    try {
      String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/bundles/b.tar.gz";
      CommandRun r = CommandRun.of(new PushCommand(), out.toString(), url, "--token", "s3cret");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(got.get()).isEqualTo(Files.readAllBytes(out));
      assertThat(auth.get()).isEqualTo("Bearer s3cret");
      assertThat(CommandRun.of(new PushCommand(), out.toString(), "ftp://x/y").exit()).isEqualTo(2);
    } finally {
      http.stop(0);
    }
  }
}
