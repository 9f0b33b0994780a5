package io.jrego.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The stack trace an evaluation error carries, without OPA ({@link StackTraceOpaIT} compares it
 * with real {@code opa}): each frame's query id and the expression that query was at, innermost
 * first, as opa 1.22.2 reports them for these policies.
 */
class StackTraceTest {

  private static final String POLICY =
      """
      package st

      x := 1 if true

      x := 2 if true

      g(a) := y if {
      	y := a / 0
      }

      e if {
      	every v in [1] {
      		g(v)
      	}
      }

      t if {
      	x == 1
      }
      """;

  private static PreparedPolicy policy() throws RegoException {
    return Rego.builder()
        .module("st.rego", POLICY)
        .options(EngineOptions.defaults().withStrictBuiltinErrors(true))
        .compile();
  }

  private static RegoError error(String query) throws RegoException {
    PreparedPolicy p = policy();
    RegoException e =
        catchThrowableOfType(RegoException.class, () -> p.query(query, Optional.empty()));
    assertThat(e).as(query).isNotNull();
    return e.errors().get(0);
  }

  private static List<String> frames(RegoError e) {
    return e.stackTrace().stream()
        .map(
            f ->
                f.queryId()
                    + "@"
                    + f.location().file()
                    + ":"
                    + f.location().row()
                    + ":"
                    + f.location().col())
        .toList();
  }

  @Test
  void conflict_pointsAtTheSecondBodyThenTheQuery() throws Exception {
    RegoError e = error("data.st.x");
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
    assertThat(frames(e)).containsExactly("2@st.rego:5:11", "0@:1:1");
  }

  @Test
  void builtinErrorInAFunctionUnderEvery_countsTheDomainAndTheBodyAsQueries() throws Exception {
    RegoError e = error("data.st.e");
    assertThat(e.code()).isEqualTo(RegoError.EVAL_BUILTIN);
    assertThat(frames(e))
        .containsExactly(
            "4@st.rego:8:7", "3@st.rego:13:3", "2@st.rego:12:13", "1@st.rego:12:2", "0@:1:1");
  }

  @Test
  void conflictBelowARule_showsTheExpressionThatReachedIt() throws Exception {
    assertThat(frames(error("data.st.t")))
        .containsExactly("3@st.rego:5:11", "1@st.rego:18:2", "0@:1:1");
  }

  @Test
  void laterExpressionOfAQuery_isWhereTheQueryFrameStands() throws Exception {
    assertThat(frames(error("z := 1; data.st.g(z)"))).containsExactly("1@st.rego:8:7", "0@:1:9");
  }

  @Test
  void stackTrace_isWrittenAsOpaWritesIt() throws Exception {
    String json =
        io.jrego.engine.tester.EvalReport.json(
            io.jrego.engine.tester.EvalReport.errorDocument(List.of(error("data.st.x"))));
    assertThat(json.replaceAll("\\s", ""))
        .contains(
            "\"stack_trace\":[{\"query_id\":2,\"location\":{\"file\":\"st.rego\",\"row\":5,"
                + "\"col\":11}},{\"query_id\":0,\"location\":{\"file\":\"\",\"row\":1,\"col\":1}}]");
  }

  @Test
  void compileErrors_haveNoStackTrace() {
    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () -> Rego.builder().module("b.rego", "package b\n\np := count(1)\n").compile());
    assertThat(e.errors()).allSatisfy(err -> assertThat(err.stackTrace()).isEmpty());
  }
}
