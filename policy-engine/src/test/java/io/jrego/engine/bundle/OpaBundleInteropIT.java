package io.jrego.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bundles cross between jrego and real OPA both ways: {@code opa build} output (signed or not)
 * loads and verifies in jrego; {@link BundleWriter} output, signed by {@link BundleSignatures},
 * loads in {@code opa eval -b} and verifies in {@code opa build --verification-key}.
 */
class OpaBundleInteropIT {

  private static Path opa;

  @TempDir Path dir;

  @BeforeAll
  static void findOpa() {
    opa = RealOpa.binary();
  }

  private record Run(int exit, String out) {}

  private Run opa(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(opa.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("opa " + String.join(" ", args) + " timed out");
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private Path source() throws IOException {
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("a/b"));
    Files.writeString(src.resolve(".manifest"), "{\"revision\":\"r7\",\"roots\":[\"a\"]}");
    Files.writeString(
        src.resolve("a/b/p.rego"),
        "package a.b\n\nallow if input.x == data.a.b.v\n\nlimit := data.a.b.n * 2\n");
    Files.writeString(
        src.resolve("a/b/data.json"),
        "{\"v\": \"<é>\\u2028\", \"n\": 1.50, \"z\": [{\"b\":1,\"a\":2}]}");
    return src;
  }

  private Path writeKeys(TestKeys keys) throws IOException {
    Files.writeString(dir.resolve("priv.pem"), keys.privatePem());
    Files.writeString(dir.resolve("pub.pem"), keys.publicPem());
    return dir;
  }

  private static void assertDecisions(Bundle b) throws Exception {
    var policy = b.compile(EngineOptions.defaults());
    assertThat(policy.evaluate("a/b/allow", Json.parse("{\"x\":\"<é>\\u2028\"}")))
        .contains(BooleanValue.TRUE);
    assertThat(policy.evaluate("a/b/limit", Json.parse("{}"))).contains(NumberValue.parse("3"));
  }

  @Test
  void opaBuiltBundle_loadsInJrego() throws Exception {
    source();
    Run r = opa("build", "-b", "src", "-o", "opa.tar.gz");
    assertThat(r.exit()).as(r.out()).isZero();
    Bundle b = BundleLoader.load(dir.resolve("opa.tar.gz"));
    assertThat(b.revision()).isEqualTo("r7");
    assertThat(b.roots()).containsExactly("a");
    assertDecisions(b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "ES256", "HS256"})
  void opaSignedBundle_verifiesInJregoAndTamperingIsCaught(String alg) throws Exception {
    source();
    TestKeys keys = TestKeys.forAlg(alg);
    writeKeys(keys);
    String signingKey = alg.startsWith("HS") ? keys.privatePem() : "priv.pem";
    Run r =
        opa(
            "build",
            "-b",
            "src",
            "-o",
            "opa.tar.gz",
            "--signing-alg",
            alg,
            "--signing-key",
            signingKey);
    assertThat(r.exit()).as(r.out()).isZero();
    VerificationConfig vc = new VerificationConfig(alg, keys.publicPem(), "default", "", List.of());
    BundleLoader.Options opts = new BundleLoader.Options(BundleLimits.defaults(), Optional.of(vc));
    assertDecisions(BundleLoader.load(dir.resolve("opa.tar.gz"), opts));

    SortedMap<String, byte[]> files =
        new TreeMap<>(BundleLoader.readFiles(dir.resolve("opa.tar.gz"), BundleLimits.defaults()));
    String module =
        files.keySet().stream().filter(k -> k.endsWith(".rego")).findFirst().orElseThrow();
    files.put(module, "package a.b\nallow := true\n".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> BundleLoader.fromFiles("opa.tar.gz", true, files, opts))
        .hasMessageContaining(module + ": digest mismatch");
  }

  @Test
  void jregoWrittenBundle_evaluatesInOpa() throws Exception {
    Path src = source();
    Files.write(
        dir.resolve("jrego.tar.gz"),
        BundleWriter.toBytes(BundleLoader.readFiles(src, BundleLimits.defaults())));
    Files.writeString(dir.resolve("input.json"), "{\"x\":\"<é>\\u2028\"}");
    Run r =
        opa(
            "eval",
            "-b",
            "jrego.tar.gz",
            "-i",
            "input.json",
            "-f",
            "raw",
            "[data.a.b.allow, data.a.b.limit]");
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out().strip()).isEqualTo("[true,3]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "ES256", "HS256"})
  void jregoSignedBundle_verifiesInOpaAndTamperingIsCaught(String alg) throws Exception {
    Path src = source();
    TestKeys keys = TestKeys.forAlg(alg);
    writeKeys(keys);
    SortedMap<String, byte[]> signed =
        BundleSignatures.sign(
            BundleLoader.readFiles(src, BundleLimits.defaults()),
            new SigningConfig(alg, keys.privatePem(), "default", Optional.empty()));
    Files.write(dir.resolve("jrego.tar.gz"), BundleWriter.toBytes(signed));
    String verificationKey = alg.startsWith("HS") ? keys.publicPem() : "pub.pem";
    Run ok =
        opa(
            "build",
            "-b",
            "jrego.tar.gz",
            "-o",
            "out.tar.gz",
            "--signing-alg",
            alg,
            "--verification-key",
            verificationKey);
    assertThat(ok.exit()).as(ok.out()).isZero();

    SortedMap<String, byte[]> tampered = new TreeMap<>(signed);
    tampered.put("a/b/data.json", "{\"v\": \"x\", \"n\": 1}".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("bad.tar.gz"), BundleWriter.toBytes(tampered));
    Run bad =
        opa(
            "build",
            "-b",
            "bad.tar.gz",
            "-o",
            "out2.tar.gz",
            "--signing-alg",
            alg,
            "--verification-key",
            verificationKey);
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.out()).contains("a/b/data.json").contains("digest mismatch");
  }
}
