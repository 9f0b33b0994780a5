package io.jrego.engine.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScorerTest {

  private static ComplianceCase parse(String json) {
    return CaseLoader.parseFile("topic/f.json", "{\"cases\": [" + json + "]}").get(0);
  }

  private static RegoException divZero() {
    return new RegoException(
        RegoError.at(
            RegoError.EVAL_BUILTIN,
            "div: divide by zero",
            new RegoError.Location("test-0.rego", 4, 3, "")));
  }

  @Test
  void score_passesWhenBindingsEqualAsASetInAnyOrder() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_result\": [{\"x\": 1}, {\"x\": 2}]}");
    List<Map<String, Value>> got =
        List.of(Map.of("x", NumberValue.of(2)), Map.of("x", NumberValue.of(1)));

    assertThat(Scorer.score(c, got, Optional.empty())).isEmpty();
  }

  @Test
  void score_failsWhenAResultIsMissing() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_result\": [{\"x\": 1}, {\"x\": 2}]}");

    assertThat(Scorer.score(c, List.of(Map.of("x", NumberValue.of(1))), Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).startsWith("unexpected result"));
  }

  @Test
  void score_emptyWantResultMeansUndefined() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_result\": []}");

    assertThat(Scorer.score(c, List.of(), Optional.empty())).isEmpty();
    assertThat(Scorer.score(c, List.of(Map.of()), Optional.empty())).isPresent();
  }

  @Test
  void score_comparesSetsAsTheSortedArraysOpaTurnsThemInto() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_result\": [{\"x\": [1, 2]}]}");
    Map<String, Value> got = Map.of("x", SetValue.of(NumberValue.of(2), NumberValue.of(1)));

    assertThat(Scorer.score(c, List.of(got), Optional.empty())).isEmpty();
  }

  @Test
  void score_sortsArrayBindingsOnlyWhenAsked() {
    String want = "\"want_result\": [{\"x\": [1, 2]}]";
    Map<String, Value> got = Map.of("x", ArrayValue.of(NumberValue.of(2), NumberValue.of(1)));

    assertThat(
            Scorer.score(parse("{\"query\": \"q\", " + want + "}"), List.of(got), Optional.empty()))
        .isPresent();
    assertThat(
            Scorer.score(
                parse("{\"query\": \"q\", \"sort_bindings\": true, " + want + "}"),
                List.of(got),
                Optional.empty()))
        .isEmpty();
  }

  @Test
  void score_dropsGeneratedVariablesOnlyWhenAsked() {
    String want = "\"want_result\": [{\"x\": 1}]";
    Map<String, Value> got = Map.of("x", NumberValue.of(1), "__localq0__", NumberValue.of(7));

    assertThat(
            Scorer.score(parse("{\"query\": \"q\", " + want + "}"), List.of(got), Optional.empty()))
        .isPresent();
    assertThat(
            Scorer.score(
                parse("{\"query\": \"q\", \"ignore_generated_vars\": true, " + want + "}"),
                List.of(got),
                Optional.empty()))
        .isEmpty();
  }

  @Test
  void score_nonStringKeysCompareAsTheirJsonText() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_result\": [{\"x\": {\"1\": \"a\"}}]}");
    Map<String, Value> got = Map.of("x", ObjectValue.of(NumberValue.of(1), StringValue.of("a")));

    assertThat(Scorer.score(c, List.of(got), Optional.empty())).isEmpty();
  }

  @Test
  void score_errorMustMatchCodeExactlyAndContainText() {
    ComplianceCase c =
        parse(
            "{\"query\": \"q\", \"want_error_code\": \"eval_builtin_error\","
                + " \"want_error\": \"test-0.rego:4: eval_builtin_error: div: divide\"}");

    assertThat(Scorer.score(c, List.of(), Optional.of(divZero()))).isEmpty();
    assertThat(Scorer.score(c, List.of(Map.of()), Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).contains("but got success"));
  }

  @Test
  void score_failsOnAnotherErrorCode() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_error_code\": \"eval_type_error\"}");

    assertThat(Scorer.score(c, List.of(), Optional.of(divZero())))
        .hasValueSatisfying(r -> assertThat(r).contains("got eval_builtin_error"));
  }

  @Test
  void score_failsOnAnErrorWhereAResultWasExpected() {
    ComplianceCase c = parse("{\"query\": \"q\", \"want_result\": []}");

    assertThat(Scorer.score(c, List.of(), Optional.of(divZero())))
        .hasValueSatisfying(r -> assertThat(r).startsWith("unexpected error"));
  }

  @Test
  void score_caseWantingAnErrorAndAResultPassesOnTheErrorAlone() {
    ComplianceCase c =
        parse(
            "{\"query\": \"q\", \"want_result\": [{\"x\": 1}],"
                + " \"want_error_code\": \"eval_builtin_error\", \"want_error\": \"divide by zero\"}");

    assertThat(Scorer.score(c, List.of(), Optional.of(divZero()))).isEmpty();
    assertThat(Scorer.score(c, List.of(Map.of("x", NumberValue.of(1))), Optional.empty()))
        .hasValueSatisfying(r -> assertThat(r).contains("but got success"));
  }

  @Test
  void parseFile_readsYamlCasesLikeJson() {
    String yaml =
        """
        cases:
        - note: t/one
          query: data.test.p = x
          modules:
          - |
            package test
            p := 0.1
          input_term: '{"a": {1}}'
          strict_error: true
          want_result:
          - x: 0.1
        """;
    ComplianceCase c = CaseLoader.parseFile("t/one.yaml", yaml).get(0);

    assertThat(c.key()).isEqualTo("t/one.yaml#0");
    assertThat(c.topic()).isEqualTo("t");
    assertThat(c.modules()).containsExactly("package test\np := 0.1\n");
    assertThat(c.inputTerm()).contains("{\"a\": {1}}");
    assertThat(c.strictError()).isTrue();
    assertThat(c.wantResult().orElseThrow())
        .containsExactly(ObjectValue.of(StringValue.of("x"), NumberValue.parse("0.1")));
  }

  @Test
  void parseSkips_requiresAReason() {
    assertThat(ComplianceRun.parseSkips("# c\n\na/b.json#3 reads the clock\n"))
        .containsEntry("a/b.json#3", "reads the clock");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ComplianceRun.parseSkips("a/b.json#3"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
