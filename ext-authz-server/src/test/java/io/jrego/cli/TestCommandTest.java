package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCommandTest {

  @TempDir Path dir;

  private static final String TESTS =
      """
      package a

      test_ok if { 1 == 1 }

      test_fail if { 1 == 2 }

      todo_test_later if { false }
      """;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  /** The repository's default bundle, found from the module folder Maven runs tests in. */
  private static Path aiGateway() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    return module.toAbsolutePath().getParent().resolve("rego-policies/ai-gateway");
  }

  @Test
  void test_aiGatewayBundlePassesAllItsTests() {
    CommandRun r = CommandRun.of(new TestCommand(), aiGateway().toString());

    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("PASS: 93/93\n");
    assertThat(r.exit()).isZero();
  }

  @Test
  void test_failingTestExitsTwoAndIsListed() throws IOException {
    write("a_test.rego", TESTS);

    CommandRun r = CommandRun.of(new TestCommand(), dir.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out())
        .contains("data.a.test_fail: FAIL (")
        .doesNotContain("test_ok")
        .endsWith("PASS: 1/3\nFAIL: 1/3\nSKIPPED: 1/3\n");
  }

  @Test
  void test_runFilterAndVerboseListOnlyMatchingTests() throws IOException {
    write("a_test.rego", TESTS);

    CommandRun r = CommandRun.of(new TestCommand(), "-v", "-r", "test_ok$", dir.toString());

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("a_test.rego:3:\ndata.a.test_ok: PASS (").endsWith("PASS: 1/1\n");
  }

  @Test
  void test_jsonFormatHasOneEntryPerTest() throws IOException {
    write("a_test.rego", TESTS);

    CommandRun r = CommandRun.of(new TestCommand(), "--format", "json", dir.toString());

    assertThat(((ArrayValue) Json.parse(r.out())).size()).isEqualTo(3);
    assertThat(r.exit()).isEqualTo(2);
  }

  @Test
  void test_policyThatDoesNotCompileExitsOne() throws IOException {
    write("bad.rego", "package y\n\np if { x }\n");

    CommandRun r = CommandRun.of(new TestCommand(), dir.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("rego_unsafe_var_error");
  }

  @Test
  void test_missingPathExitsOne() {
    CommandRun r = CommandRun.of(new TestCommand(), dir.resolve("nope").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no such file or directory");
  }

  @Test
  void test_coverageOfAiGatewayBundleIsValidJsonCloseToOpa() {
    CommandRun r = CommandRun.of(new TestCommand(), "--coverage", aiGateway().toString());

    assertThat(r.err()).isEmpty();
    assertThat(r.exit()).isZero();
    ObjectValue report = (ObjectValue) Json.parse(r.out());
    // opa 1.22.2 test --coverage on this bundle: 634 covered, 8 not covered, 98.75%; OPA counts
    // every row of the uncovered multi-line default rule, jrego only its first. Row 38 reads
    // data.ai_guards, which only the ai-guards bundle loaded beside this one defines.
    double pct = ((NumberValue) report.get("coverage").orElseThrow()).bigDecimal().doubleValue();
    assertThat(pct).isBetween(95.3, 100.0).isLessThan(100.0);
    ObjectValue files = (ObjectValue) report.get("files").orElseThrow();
    assertThat(files.keys()).hasSize(4); // policy, process and their tests
    String policyFile = aiGateway().resolve("policy.rego").toString();
    ObjectValue policy = (ObjectValue) files.get(policyFile).orElseThrow();
    assertThat(policy.get("not_covered").orElseThrow())
        .isEqualTo(
            Json.parse(
                "[{\"start\":{\"row\":27},\"end\":{\"row\":27}},"
                    + "{\"start\":{\"row\":38},\"end\":{\"row\":38}}]"));
  }

  @Test
  void test_coverageWithFailingTestListsTheFailureAndExitsOne() throws IOException {
    write("a_test.rego", TESTS);

    CommandRun r = CommandRun.of(new TestCommand(), "--coverage", dir.toString());

    // as opa test --coverage: no report, the failures on stdout, the first on stderr
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("data.a.test_fail: FAIL (").doesNotContain("covered_lines");
    assertThat(r.err()).startsWith("data.a.test_fail: FAIL (");
  }

  @Test
  void test_coverageReportCountsRowsThatRan() throws IOException {
    write("a_test.rego", TESTS.replace("test_fail if { 1 == 2 }", "f(x) if { x == 2 }"));

    CommandRun r = CommandRun.of(new TestCommand(), "--coverage", dir.toString());

    assertThat(r.exit()).isZero();
    ObjectValue report = (ObjectValue) Json.parse(r.out());
    // row 3 ran (test_ok); f (row 5) and todo_test_later (row 7) never did
    assertThat(report.get("covered_lines").orElseThrow()).isEqualTo(NumberValue.of(1));
    assertThat(report.get("not_covered_lines").orElseThrow()).isEqualTo(NumberValue.of(2));
  }
}
