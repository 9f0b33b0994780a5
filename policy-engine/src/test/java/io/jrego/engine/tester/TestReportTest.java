package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.tester.TestResult.Status;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestReportTest {

  private static TestResult result(String name, int row, Status s, List<RegoError> errors) {
    return new TestResult(
        "data.p",
        name,
        new RegoError.Location("p_test.rego", row, 1, ""),
        s,
        s == Status.SKIPPED ? Duration.ZERO : Duration.ofNanos(362_530),
        errors);
  }

  @Test
  void pretty_allPassingPrintsOnlyTheCount() {
    List<TestResult> rs =
        List.of(
            result("test_a", 1, Status.PASS, List.of()),
            result("test_b", 2, Status.PASS, List.of()));

    assertThat(TestReport.pretty(rs, false)).isEqualTo("PASS: 2/2\n");
  }

  @Test
  void pretty_listsTestsThatDidNotPassThenCountsInOpasOrder() {
    List<TestResult> rs =
        List.of(
            result("test_a", 1, Status.PASS, List.of()),
            result("test_b", 2, Status.FAIL, List.of()),
            result("todo_test_c", 3, Status.SKIPPED, List.of()),
            result(
                "test_d",
                4,
                Status.ERROR,
                List.of(
                    RegoError.of(
                        RegoError.EVAL_CONFLICT, "rule data.p.x produced conflicting values"))));

    assertThat(TestReport.pretty(rs, false))
        .isEqualTo(
            """
            p_test.rego:2:
            data.p.test_b: FAIL (362.53µs)
            p_test.rego:3:
            data.p.todo_test_c: SKIPPED
            p_test.rego:4:
            data.p.test_d: ERROR (362.53µs)
              eval_conflict_error: rule data.p.x produced conflicting values
            %s
            PASS: 1/4
            FAIL: 1/4
            SKIPPED: 1/4
            ERROR: 1/4
            """
                .formatted("-".repeat(80)));
  }

  @Test
  void pretty_verboseListsPassingAndSkippedToo() {
    List<TestResult> rs =
        List.of(
            result("test_a", 1, Status.PASS, List.of()),
            result("todo_test_c", 3, Status.SKIPPED, List.of()));

    assertThat(TestReport.pretty(rs, true))
        .contains("data.p.test_a: PASS (362.53µs)\n")
        .contains("data.p.todo_test_c: SKIPPED\n")
        .endsWith("PASS: 1/2\nSKIPPED: 1/2\n");
  }

  @Test
  void json_hasOpasFieldsAndFlags() {
    List<TestResult> rs =
        List.of(
            result("test_a", 1, Status.PASS, List.of()),
            result("test_b", 2, Status.FAIL, List.of()),
            result("todo_test_c", 3, Status.SKIPPED, List.of()),
            result(
                "test_d",
                4,
                Status.ERROR,
                List.of(
                    RegoError.at(
                        RegoError.EVAL_BUILTIN,
                        "div: divide by zero",
                        new RegoError.Location("p.rego", 9, 5, "")))));

    ArrayValue got = (ArrayValue) Json.parse(TestReport.json(rs));

    assertThat(got.get(0))
        .isEqualTo(
            Json.parse(
                """
                {"location": {"file": "p_test.rego", "row": 1, "col": 1},
                 "package": "data.p", "name": "test_a", "duration": 362530}
                """));
    assertThat(((ObjectValue) got.get(1)).get("fail"))
        .hasValueSatisfying(v -> assertThat(v).hasToString("true"));
    assertThat(((ObjectValue) got.get(2)).get("skip")).isPresent();
    assertThat(((ObjectValue) got.get(3)).get("error").orElseThrow())
        .isEqualTo(
            Json.parse(
                """
                {"code": "eval_builtin_error", "message": "div: divide by zero",
                 "location": {"file": "p.rego", "row": 9, "col": 5}}
                """));
  }

  @Test
  void goDuration_printsAsGoDoes() {
    assertThat(TestReport.goDuration(Duration.ofNanos(1_952_271))).isEqualTo("1.952271ms");
    assertThat(TestReport.goDuration(Duration.ofNanos(362_530))).isEqualTo("362.53µs");
    assertThat(TestReport.goDuration(Duration.ofNanos(999))).isEqualTo("999ns");
    assertThat(TestReport.goDuration(Duration.ofMillis(2_500))).isEqualTo("2.5s");
    assertThat(TestReport.goDuration(Duration.ZERO)).isEqualTo("0s");
  }
}
