package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
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

  private static final String OPA_TEST_MODULE =
      """
      package a.b

      test_dup if { print("first"); true }

      test_dup if { false }

      test_cases[name] if {
      	some name in ["one", "two"]
      	print("case", name)
      	name == "one"
      }

      test_nested[x][y] := y > 1 if {
      	some x in ["p"]
      	some y in [1, 2]
      }
      """;

  private static List<TestResult> runTestMode() {
    try {
      PreparedPolicy policy =
          Rego.builder()
              .module("a_test.rego", OPA_TEST_MODULE, RegoVersion.V1)
              .testMode(true)
              .compile();
      return TestRunner.run(policy, n -> true);
    } catch (RegoException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  @Test
  void testMode_runsEachDefinitionOfADuplicatedTestOnItsOwn() {
    List<TestResult> rs = runTestMode();

    assertThat(rs.subList(0, 2))
        .extracting(TestResult::name, TestResult::status, r -> r.location().row())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("test_dup", Status.PASS, 3),
            org.assertj.core.groups.Tuple.tuple("test_dup#01", Status.FAIL, 5));
    assertThat(rs.get(0).output()).isEqualTo("first\n");
    assertThat(rs.get(1).packagePath()).isEqualTo("data.a.b");
  }

  @Test
  void testMode_reportsEveryCaseAParametrizedTestReached() {
    TestResult cases = runTestMode().get(2);

    assertThat(cases.name()).isEqualTo("test_cases");
    assertThat(cases.status()).isEqualTo(Status.FAIL);
    assertThat(cases.subResults().values())
        .extracting(TestResult.SubResult::name, TestResult.SubResult::fail)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("one", false),
            org.assertj.core.groups.Tuple.tuple("two", true));
    assertThat(cases.output()).isEqualTo("case one\ncase two\n");
  }

  @Test
  void testMode_nestsCasesOfTestsWithSeveralKeys() {
    TestResult nested = runTestMode().get(3);

    TestResult.SubResult p = nested.subResults().get("p");
    assertThat(p.fail()).isTrue();
    assertThat(p.subResults().values())
        .extracting(TestResult.SubResult::name, TestResult.SubResult::fail)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("1", true),
            org.assertj.core.groups.Tuple.tuple("2", false));
  }
}
