package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: {@code jrego eval 'x == 2'} printed {@code {}} where OPA prints {@code false}. OPA
 * keeps a lone, non-iterating expression's {@code false} value as the result; with more
 * expressions, or iteration, false fails the query. Each query below is run by real {@code opa
 * eval} and through the same report code {@code jrego eval} prints with, in every format, and must
 * print the same.
 */
class Issue14EvalFalseIT {

  private static final String INPUT = "{\"roles\":[\"a\"],\"x\":false,\"arr\":[false]}";

  private static final List<String> QUERIES =
      List.of(
          "false",
          "true",
          "1 == 2",
          "count([]) > 1",
          "is_string(1)",
          "regex.match(\"a\", \"b\")",
          "input.x",
          "input.arr[0]",
          "input.x == false",
          "data.x with data.x as false",
          "3 in [1, 2]",
          "1 in [1, 2]",
          "\"b\" in input.roles",
          "0, 1 in [1]",
          "1, 1 in [1]",
          // undefined, empty collections, iteration, several expressions
          "data.nothing",
          "input.nope",
          "set()",
          "{1 | false}",
          "[x | x := false]",
          "[]",
          "{}",
          "null",
          "0",
          "\"\"",
          "not true",
          "false; true",
          "x := 1; x > 2",
          "[1][_] == 2",
          "input.arr[_]",
          "input.arr[i]",
          "x := false",
          "x = false",
          "walk([1], [p, v])");

  @TempDir Path dir;

  @Test
  void issue14_evalPrintsWhatOpaPrintsForFalseUndefinedAndEmptyResults() throws Exception {
    Path opa = RealOpa.binary();
    Path input = dir.resolve("input.json");
    Files.writeString(input, INPUT);
    Value inputDoc = Json.parse(INPUT);
    PreparedPolicy policy = Rego.builder().options(EngineOptions.defaults()).compile();
    SoftAssertions soft = new SoftAssertions();
    for (String query : QUERIES) {
      List<QueryResult> results = policy.query(query, Optional.of(inputDoc));
      String json = EvalReport.json(EvalReport.resultDocument(query, results)) + "\n";
      soft.assertThat(json).as("json: %s", query).isEqualTo(opa(opa, input, "json", query));
      soft.assertThat(EvalReport.pretty(query, results))
          .as("pretty: %s", query)
          .isEqualTo(opa(opa, input, "pretty", query));
      soft.assertThat(EvalReport.raw(results))
          .as("raw: %s", query)
          .isEqualTo(opa(opa, input, "raw", query));
    }
    soft.assertAll();
  }

  @Test
  void issue14_aLoneFalseIsAResultButFailsAmongOtherExpressions() throws Exception {
    PreparedPolicy policy = Rego.builder().compile();
    assertThat(policy.query("1 == 2", Optional.empty())).hasSize(1);
    assertThat(policy.query("1 == 2", Optional.empty()).get(0).expressions())
        .containsExactly(io.jrego.engine.value.BooleanValue.FALSE);
    assertThat(policy.query("true; 1 == 2", Optional.empty())).isEmpty();
    assertThat(policy.query("[false][_]", Optional.empty())).isEmpty();
  }

  private static String opa(Path opa, Path input, String format, String query) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(opa.toString(), "eval", "-f", format));
    cmd.addAll(List.of("-i", input.toString(), query));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("opa eval " + query + " timed out");
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
