package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.testing.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mcp-gateway, rag-gateway and ai-guards bundles through real {@code opa} with jrego's
 * capabilities file: {@code opa check --strict}, and {@code opa test} for the tests that do not
 * need jrego's own builtins ({@link GatewayBundlesTest} runs every test through jrego).
 */
class GatewayBundlesIT {

  private static final Path REPO = RepoRoot.path();

  /**
   * Every test but those of {@code guards_test.rego}, which call jrego's builtins for real (OPA has
   * them declared by the capabilities file but cannot run them).
   */
  @ParameterizedTest
  @CsvSource({"mcp-gateway, mcp, 44", "rag-gateway, rag, 27"})
  void realOpaTest_passesTheTestsThatDoNotRunJregoBuiltins(String bundle, String pkg, int tests)
      throws Exception {
    Path caps = REPO.resolve("rego-policies/capabilities/jrego.json");
    List<String> cmd =
        List.of(
            RealOpa.binary().toString(),
            "test",
            "--capabilities",
            caps.toString(),
            "--run",
            "^data\\." + pkg + "\\.(authz|process)_test\\.",
            REPO.resolve("rego-policies").resolve(bundle).toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("opa test did not finish in 120 s");
    }
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("PASS: " + tests + "/" + tests);
  }

  @ParameterizedTest
  @CsvSource({"mcp-gateway", "rag-gateway", "ai-guards"})
  void realOpaCheck_acceptsTheBundleWithTheCapabilities(String bundle)
      throws IOException, InterruptedException {
    Path caps = REPO.resolve("rego-policies/capabilities/jrego.json");
    List<String> cmd =
        List.of(
            RealOpa.binary().toString(),
            "check",
            "--strict",
            "--capabilities",
            caps.toString(),
            REPO.resolve("rego-policies").resolve(bundle).toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("opa check did not finish in 60 s");
    }
    assertThat(p.exitValue()).as(out).isZero();
  }
}
