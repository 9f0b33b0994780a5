package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.tester.PolicyLoader;
import io.jrego.engine.tester.TestResult;
import io.jrego.engine.tester.TestRunner;
import io.jrego.engine.testing.RepoRoot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mcp-gateway and rag-gateway bundles: their Rego tests as {@code jrego test} runs them, the
 * folders as {@code jrego serve --bundle} loads them ({@link GatewayBundlesIT} runs them through
 * real {@code opa}).
 */
class GatewayBundlesTest {

  private static final Path REPO = RepoRoot.path();

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
}
