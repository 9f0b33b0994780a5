package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.tester.LoadedPolicy;
import io.jrego.engine.tester.PolicyLoader;
import io.jrego.engine.tester.TestResult;
import io.jrego.engine.tester.TestRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Rego tests of {@code rego-policies/jrego-examples/pii-guard}, run as {@code jrego test} runs
 * them.
 */
class PiiExamplePolicyTest {

  static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("rego-policies"))) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  void regoTests_allPass() throws Exception {
    LoadedPolicy loaded =
        PolicyLoader.load(
            List.of(repo().resolve("rego-policies/jrego-examples/pii-guard")), RegoVersion.V1);
    PreparedPolicy policy = loaded.builder(EngineOptions.defaults()).compile();
    List<TestResult> results = TestRunner.run(policy, name -> true);
    assertThat(results).hasSize(12);
    assertThat(results)
        .allSatisfy(
            r ->
                assertThat(r.status())
                    .as(r.fullName() + " " + r)
                    .isEqualTo(TestResult.Status.PASS));
  }
}
