package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.Coverage;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CoverageReportTest {

  // rows:  1 package, 3-5 used (covered), 7-10 unused (never evaluated), 12-14 the test
  private static final String MODULE =
      """
      package cov

      used(x) if {
      \tx > 1
      }

      unused if {
      \tsome i in [1, 2]
      \ti > 5
      }

      test_used if {
      \tused(2)
      }
      """;

  private static PreparedPolicy policy() throws Exception {
    return Rego.builder().module("cov_test.rego", MODULE, RegoVersion.V1).compile();
  }

  @Test
  void json_listsEvaluatedRowsAsCoveredAndNeverEvaluatedRuleAsNotCovered() throws Exception {
    PreparedPolicy policy = policy();
    Coverage cover = new Coverage();

    List<TestResult> results =
        TestRunner.run(policy, name -> true, QueryOptions.withCoverage(cover));
    Value report = Json.parse(CoverageReport.json(policy.coverableLines(), cover.hits()));

    assertThat(results).extracting(TestResult::status).containsExactly(TestResult.Status.PASS);
    ObjectValue file =
        (ObjectValue)
            ((ObjectValue) ((ObjectValue) report).get("files").orElseThrow())
                .get("cov_test.rego")
                .orElseThrow();
    assertThat(file.get("covered").orElseThrow())
        .isEqualTo(
            Json.parse(
                "[{\"start\":{\"row\":3},\"end\":{\"row\":4}},"
                    + "{\"start\":{\"row\":12},\"end\":{\"row\":13}}]"));
    assertThat(file.get("not_covered").orElseThrow())
        .isEqualTo(Json.parse("[{\"start\":{\"row\":7},\"end\":{\"row\":9}}]"));
    assertThat(file.get("covered_lines").orElseThrow()).isEqualTo(NumberValue.of(4));
    assertThat(file.get("not_covered_lines").orElseThrow()).isEqualTo(NumberValue.of(3));
    ObjectValue top = (ObjectValue) report;
    assertThat(top.get("coverage").orElseThrow())
        .isEqualTo(NumberValue.of(new java.math.BigDecimal(Double.toString(400.0 / 7))));
  }

  @Test
  void query_withoutCoverageOptionRecordsNothing() throws Exception {
    PreparedPolicy policy = policy();
    Coverage cover = new Coverage();

    policy.query("data.cov.test_used", Optional.empty());
    policy.query("data.cov.unused", Optional.empty(), QueryOptions.none());

    assertThat(cover.hits()).isEmpty();
  }

  @Test
  void json_fileWithEverythingCoveredOmitsNotCoveredAndPrintsWholePercent() {
    String json =
        CoverageReport.json(
            java.util.Map.of("p.rego", java.util.Set.of(1, 2)),
            java.util.Map.of("p.rego", java.util.Set.of(1, 2)));

    ObjectValue file =
        (ObjectValue)
            ((ObjectValue) ((ObjectValue) Json.parse(json)).get("files").orElseThrow())
                .get("p.rego")
                .orElseThrow();
    assertThat(file.keys())
        .containsExactlyInAnyOrder(
            StringValue.of("covered"), StringValue.of("covered_lines"), StringValue.of("coverage"));
    assertThat(json).contains("\"coverage\": 100\n");
  }
}
