package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.RegoError;
import io.jrego.engine.RegoException;
import io.jrego.engine.RegoVersion;
import io.jrego.engine.tester.TestResult.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The runner's discovery and verdicts, against a policy that answers rule queries from a table (the
 * engine's own evaluation is covered by the compliance and differential suites).
 */
class TestRunnerTest {

  private static final String MODULE =
      """
      package a.b

      import rego.v1

      helper := 1

      test_true if { true }

      test_true if { false }

      test_seven := 7

      test_undefined if { false }

      test_boom if { conflict == 1 }

      conflict := 1 if count([1]) > 0

      conflict := 2 if count([1]) > 0

      todo_test_later if { false }

      test_fn(x) if { x }
      """;

  private static List<TestResult> run(String filter) {
    try {
      PreparedPolicy policy =
          Rego.builder().module("a_test.rego", MODULE, RegoVersion.V1).compile();
      return TestRunner.run(policy, n -> n.matches(filter));
    } catch (RegoException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  @Test
  void run_reportsEachTestRuleOnceInSourceOrder() {
    assertThat(run(".*"))
        .extracting(TestResult::name)
        .containsExactly(
            "test_true", "test_seven", "test_undefined", "test_boom", "todo_test_later", "test_fn");
  }

  @Test
  void run_passesOnlyWhenDefinedAndTrue() {
    assertThat(run(".*"))
        .extracting(TestResult::fullName, TestResult::status)
        .contains(
            org.assertj.core.groups.Tuple.tuple("data.a.b.test_true", Status.PASS),
            org.assertj.core.groups.Tuple.tuple("data.a.b.test_seven", Status.FAIL),
            org.assertj.core.groups.Tuple.tuple("data.a.b.test_undefined", Status.FAIL));
  }

  @Test
  void run_evaluationErrorIsAnErrorWithTheEnginesCode() {
    TestResult boom = run(".*test_boom").get(0);

    assertThat(boom.status()).isEqualTo(Status.ERROR);
    assertThat(boom.errors()).extracting(RegoError::code).containsExactly("eval_conflict_error");
  }

  @Test
  void run_skipsTodoTestsAndErrorsOnTestFunctions() {
    List<TestResult> rs = run(".*(todo_test_later|test_fn)");

    assertThat(rs).extracting(TestResult::status).containsExactly(Status.SKIPPED, Status.ERROR);
    assertThat(rs.get(1).errors().get(0).message()).contains("used as reference, not called");
  }

  @Test
  void run_locatesTestsAtTheirFirstHead() {
    TestResult t = run(".*test_true").get(0);

    assertThat(t.location().file()).isEqualTo("a_test.rego");
    assertThat(t.location().row()).isEqualTo(7);
    assertThat(t.packagePath()).isEqualTo("data.a.b");
  }
}
