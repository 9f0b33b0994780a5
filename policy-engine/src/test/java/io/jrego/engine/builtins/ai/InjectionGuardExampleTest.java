package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.testing.RepoRoot;
import io.jrego.engine.value.BooleanValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The example guard's Rego tests (rego-policies/jrego-examples/injection-guard), run by jrego. */
class InjectionGuardExampleTest {

  @Test
  void regoTests_allPass() throws Exception {
    Path dir = RepoRoot.path().resolve("rego-policies/jrego-examples/injection-guard");
    PreparedPolicy policy =
        Rego.builder()
            .module("policy.rego", Files.readString(dir.resolve("policy.rego")))
            .module("policy_test.rego", Files.readString(dir.resolve("policy_test.rego")))
            .compile();
    List<String> failed = new ArrayList<>();
    int run = 0;
    for (RuleInfo r : policy.rules()) {
      if (!r.name().startsWith("test_") || r.function()) {
        continue;
      }
      run++;
      List<PreparedPolicy.QueryResult> res = policy.query(r.path(), Optional.empty());
      if (res.isEmpty() || !res.get(0).expressions().get(0).equals(BooleanValue.TRUE)) {
        failed.add(r.path());
      }
    }
    assertThat(run).isEqualTo(13);
    assertThat(failed).isEmpty();
  }
}
