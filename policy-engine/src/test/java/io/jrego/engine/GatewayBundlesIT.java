package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.tester.PolicyLoader;
import io.jrego.engine.tester.TestResult;
import io.jrego.engine.tester.TestRunner;
import io.jrego.engine.testing.RealOpa;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mcp-gateway and rag-gateway bundles: their Rego tests as {@code jrego test} runs them, the
 * folders as {@code jrego serve --bundle} loads them, and the tests that do not need jrego's own
 * builtins through real {@code opa test} with jrego's capabilities file.
 */
class GatewayBundlesIT {

  private static final Path REPO = findRepo();

  private static Path findRepo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("rego-policies"))) {
      p = p.getParent();
    }
    return p;
  }

  @ParameterizedTest
  @CsvSource({"mcp-gateway, 49", "rag-gateway, 33"})
  void jregoTest_passesEveryRegoTestOfTheBundle(String bundle, int tests) throws Exception {
    Path dir = REPO.resolve("rego-policies").resolve(bundle);
    PreparedPolicy policy =
        PolicyLoader.load(List.of(dir), RegoVersion.V1)
            .builder(EngineOptions.defaults())
            .testMode(true)
            .compile();
    List<TestResult> results = TestRunner.run(policy, name -> true);
    assertThat(results).hasSize(tests);
    assertThat(results)
        .filteredOn(r -> r.status() != TestResult.Status.PASS)
        .extracting(r -> r.packagePath() + "." + r.name() + " " + r.status() + " " + r.errors())
        .isEmpty();
  }

  @Test
  void aiGuards_passesItsTestsAgainstAiGatewaysPolicyAndData() throws Exception {
    Path gateway = REPO.resolve("rego-policies/ai-gateway");
    List<TestResult> results =
        run(
            List.of(
                REPO.resolve("rego-policies/ai-guards"),
                gateway.resolve("policy.rego"),
                gateway.resolve("data.json")));
    assertThat(results).hasSize(8);
    assertThat(results).allMatch(r -> r.status() == TestResult.Status.PASS, "all pass");
  }

  /**
   * With ai-guards loaded (serve's default), ai-gateway's own suite passes whole, including its two
   * hard benign prompts ("summarise the previous instructions I gave you", "do not ignore previous
   * instructionsets") that jrego.injection.scan flagged until session 9.
   */
  @Test
  void aiGuards_withAiGatewaysOwnTests_allPass() throws Exception {
    List<TestResult> results =
        run(
            List.of(
                REPO.resolve("rego-policies/ai-gateway"), REPO.resolve("rego-policies/ai-guards")));
    assertThat(results).hasSize(93 + 8);
    assertThat(results)
        .filteredOn(r -> r.status() != TestResult.Status.PASS)
        .extracting(TestResult::name)
        .isEmpty();
  }

  private static List<TestResult> run(List<Path> paths) throws Exception {
    PreparedPolicy policy =
        PolicyLoader.load(paths, RegoVersion.V1)
            .builder(EngineOptions.defaults())
            .testMode(true)
            .compile();
    return TestRunner.run(policy, name -> true);
  }

  @ParameterizedTest
  @CsvSource({"mcp-gateway", "rag-gateway", "ai-guards"})
  void bundleLoader_loadsTheFolderAsServeDoes(String bundle) throws Exception {
    PreparedPolicy policy =
        BundleLoader.load(REPO.resolve("rego-policies").resolve(bundle))
            .compile(EngineOptions.defaults());
    assertThat(policy.rules()).isNotEmpty();
  }

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
