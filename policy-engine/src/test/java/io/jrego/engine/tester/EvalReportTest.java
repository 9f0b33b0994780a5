package io.jrego.engine.tester;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.tester.EvalReport.Expr;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvalReportTest {

  @Test
  void numberKeysSortAsTheirTextAsGoWritesAMap() {
    // from opa eval 1.22.2: x := {2.50: "a", 1e2: "b", "z": {3: 1, "10": 2}}
    io.jrego.engine.value.Value v =
        io.jrego.engine.value.ObjectValue.of(
            Map.of(
                NumberValue.literal("2.50"), StringValue.of("a"),
                NumberValue.literal("1e2"), StringValue.of("b"),
                StringValue.of("z"),
                    io.jrego.engine.value.ObjectValue.of(
                        Map.of(
                            NumberValue.of(3),
                            NumberValue.of(1),
                            StringValue.of("10"),
                            NumberValue.of(2)))));

    assertThat(OpaJson.compact(v))
        .isEqualTo("{\"1e2\":\"b\",\"2.50\":\"a\",\"z\":{\"10\":2,\"3\":1}}");
  }

  @Test
  void splitQuery_splitsOnSemicolonsAndNewlinesOutsideBracketsAndStrings() {
    assertThat(EvalReport.splitQuery("data.x.q[y]; y > 1"))
        .containsExactly(new Expr("data.x.q[y]", 1, 1), new Expr("y > 1", 1, 14));
    assertThat(EvalReport.splitQuery("x := {\"a;b\": [1,\n2]}\n  y = `;`"))
        .containsExactly(new Expr("x := {\"a;b\": [1,\n2]}", 1, 1), new Expr("y = `;`", 3, 3));
  }

  @Test
  void resultDocument_hasOpasShapeAndOmitsEmptyBindings() {
    List<QueryResult> rs = List.of(new QueryResult(List.of(NumberValue.of(1)), Map.of()));

    assertThat(EvalReport.resultDocument("data.x.p", rs))
        .isEqualTo(
            Json.parse(
                """
                {"result": [{"expressions": [
                  {"value": 1, "text": "data.x.p", "location": {"row": 1, "col": 1}}]}]}
                """));
    assertThat(EvalReport.resultDocument("data.x.p", List.of())).hasToString("{}");
  }

  @Test
  void errorDocument_namesCodeMessageAndLocation() {
    RegoError e =
        RegoError.at(
            RegoError.UNSAFE_VAR, "var x is unsafe", new RegoError.Location("bad.rego", 2, 8, ""));

    assertThat(EvalReport.json(EvalReport.errorDocument(List.of(e))))
        .isEqualTo(
            """
            {
              "errors": [
                {
                  "message": "var x is unsafe",
                  "code": "rego_unsafe_var_error",
                  "location": {
                    "file": "bad.rego",
                    "row": 2,
                    "col": 8
                  }
                }
              ]
            }""");
    assertThat(EvalReport.errorText(List.of(e)))
        .isEqualTo("1 error occurred: bad.rego:2: rego_unsafe_var_error: var x is unsafe");
  }

  @Test
  void json_writesStructFieldsInOpasOrderAndValueKeysSorted() {
    List<QueryResult> rs =
        List.of(
            new QueryResult(
                List.of(Json.parse("{\"b\": 1, \"a\": 2}")), Map.of("x", NumberValue.of(1))));

    assertThat(EvalReport.json(EvalReport.resultDocument("data.p", rs)))
        .isEqualTo(
            """
            {
              "result": [
                {
                  "expressions": [
                    {
                      "value": {
                        "a": 2,
                        "b": 1
                      },
                      "text": "data.p",
                      "location": {
                        "row": 1,
                        "col": 1
                      }
                    }
                  ],
                  "bindings": {
                    "x": 1
                  }
                }
              ]
            }""");
  }

  @Test
  void pretty_tabulatesNonTrueExpressionsAndBindings() {
    List<QueryResult> rs =
        List.of(
            new QueryResult(
                List.of(NumberValue.of(1), BooleanValue.TRUE), Map.of("y", StringValue.of("a"))),
            new QueryResult(
                List.of(NumberValue.of(2), BooleanValue.TRUE), Map.of("y", StringValue.of("b"))));

    assertThat(EvalReport.pretty("data.x.q[y]; y != 1", rs))
        .isEqualTo(
            """
            ┌─────────────┬─────┐
            │ data.x.q[y] │  y  │
            ├─────────────┼─────┤
            │ 1           │ "a" │
            │ 2           │ "b" │
            └─────────────┴─────┘
            """);
  }

  @Test
  void opaJson_escapesHtmlCharactersAsGoDoes() {
    assertThat(OpaJson.compact(StringValue.of("y > 1 && <a>")))
        .isEqualTo("\"y \\u003e 1 \\u0026\\u0026 \\u003ca\\u003e\"");
  }
}
