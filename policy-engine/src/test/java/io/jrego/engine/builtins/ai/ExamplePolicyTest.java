package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.tester.LoadedPolicy;
import io.jrego.engine.tester.PolicyLoader;
import io.jrego.engine.tester.TestResult;
import io.jrego.engine.tester.TestRunner;
import io.jrego.engine.testing.RepoRoot;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Rego tests of the examples in {@code rego-policies/jrego-examples}, run as {@code jrego test}
 * runs them: each example's tests, all of them passing.
 */
class ExamplePolicyTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"pii-guard, 12", "token-budgets, 5"})
  void regoTests_allPass(String example, int tests) throws Exception {
    LoadedPolicy loaded =
        PolicyLoader.load(
            List.of(RepoRoot.path().resolve("rego-policies/jrego-examples").resolve(example)),
            RegoVersion.V1);
    PreparedPolicy policy = loaded.builder(EngineOptions.defaults()).compile();
    List<TestResult> results = TestRunner.run(policy, name -> true);
    assertThat(results).hasSize(tests);
    assertThat(results)
        .allSatisfy(
            r ->
                assertThat(r.status())
                    .as(r.fullName() + " " + r)
                    .isEqualTo(TestResult.Status.PASS));
  }
}
