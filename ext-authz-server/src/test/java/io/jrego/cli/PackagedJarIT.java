package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.testing.TestPem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged {@code target/jrego.jar} (with its {@code target/lib} class path) as a user
 * does, so a dependency missing from the runnable jar fails the build rather than a user's first
 * {@code jrego sign}. Runs after {@code package}, under Failsafe.
 */
class PackagedJarIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Path JAR = MODULE.resolve("target/jrego.jar");
  private static final Path BUNDLE = MODULE.getParent().resolve("rego-policies/ai-gateway");

  record Run(int exit, String out) {}

  private static Run jrego(String... args) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("jrego " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void packagedJar_runsTheShippedBundlesTests() throws Exception {
    Run r = jrego("test", BUNDLE.toString());
    assertThat(r.out()).contains("PASS: 93/93");
    assertThat(r.exit()).isZero();
  }

  @Test
  void packagedJar_buildsAndSignsABundle(@TempDir Path dir) throws Exception {
    Path key = Files.writeString(dir.resolve("key.pem"), TestPem.privateKey(TestPem.rsa()));
    Path out = dir.resolve("bundle.tar.gz");

    Run build = jrego("build", BUNDLE.toString(), "-o", out.toString(), "--revision", "it-1");
    assertThat(build.exit()).as(build.out()).isZero();
    Run sign =
        jrego("sign", out.toString(), "--signing-key", key.toString(), "--signing-alg", "RS256");
    assertThat(sign.exit()).as(sign.out()).isZero();
    Run eval =
        jrego("eval", "-d", BUNDLE.toString(), "--format", "raw", "data.ai_gateway.trust_domain");
    assertThat(eval.out().strip()).isEqualTo("cluster.local");
  }
}
