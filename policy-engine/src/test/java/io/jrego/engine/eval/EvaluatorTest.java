package io.jrego.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

  private static PreparedPolicy policy(String src) throws RegoException {
    return Rego.builder().module("t.rego", src).compile();
  }

  /** The value of {@code data.t.<rule>} as JSON text, or "undefined". */
  private static String eval(String src, String rule) throws RegoException {
    return eval(src, rule, "{}");
  }

  private static String eval(String src, String rule, String input) throws RegoException {
    Optional<Value> v = policy("package t\n" + src).evaluate("t/" + rule, Json.parse(input));
    return v.map(Json::write).orElse("undefined");
  }

  private static RegoError evalError(String src, String rule, EngineOptions opts) {
    try {
      Rego.builder()
          .module("t.rego", "package t\n" + src)
          .options(opts)
          .compile()
          .evaluate("t/" + rule, Json.parse("{}"));
    } catch (RegoException e) {
      return e.errors().get(0);
    }
    throw new AssertionError("no error");
  }

  @Test
  void unification_bindsVariablesInsideComposites() throws Exception {
    assertThat(eval("p := [x, y] if { [x, {\"k\": y}] = [1, {\"k\": 2}] }", "p"))
        .isEqualTo("[1,2]");
  }

  @Test
  void refs_iterateOverUnboundKeysOfInput() throws Exception {
    String src = "p contains n if input.users[_].name = n";
    assertThat(eval(src, "p", "{\"users\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"))
        .isEqualTo("[\"a\",\"b\"]");
  }

  @Test
  void partialObject_collectsKeysFromEverySolution() throws Exception {
    assertThat(eval("o[k] := v if { some k, v in {\"a\": 1, \"b\": 2} }", "o"))
        .isEqualTo("{\"a\":1,\"b\":2}");
  }

  @Test
  void refHeads_buildNestedObjects() throws Exception {
    assertThat(eval("p[x].q contains y if { some x in [\"a\"]; some y in [1, 2] }", "p"))
        .isEqualTo("{\"a\":{\"q\":[1,2]}}");
  }

  @Test
  void completeRule_withTwoValuesIsAConflict() {
    RegoError e = evalError("p := 1\np := 2 if true", "p", EngineOptions.defaults());
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
    assertThat(e.message())
        .isEqualTo("rule data.t.p produced conflicting values:\n  1 at t.rego:2\n  2 at t.rego:3");
  }

  @Test
  void partialObject_withTwoValuesForOneKeyIsAConflict() {
    RegoError e =
        evalError(
            "o[k] := v if { some k, v in [\"a\", \"b\"] ; k = 0 }\no[0] := \"z\"",
            "o",
            EngineOptions.defaults());
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
    assertThat(e.message()).isEqualTo("object keys must be unique");
  }

  @Test
  void functions_withDifferentOutputsForSameInputsConflict() {
    RegoError e =
        evalError(
            "f(x) := 1 if x > 0\nf(x) := 2 if x > 1\np := f(5)", "p", EngineOptions.defaults());
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
    assertThat(e.message())
        .isEqualTo(
            "function data.t.f produced conflicting values for the same inputs:\n"
                + "  1 at t.rego:2\n  2 at t.rego:3");
  }

  @Test
  void functions_matchArgumentPatternsAndElse() throws Exception {
    String src =
        "f([a, b]) := a + b\ng(x) := \"pos\" if x > 0 else := \"neg\"\np := [f([1, 2]), g(1), g(-1)]";
    assertThat(eval(src, "p")).isEqualTo("[3,\"pos\",\"neg\"]");
  }

  @Test
  void default_appliesOnlyWhenNoRuleIsDefined() throws Exception {
    String src = "default p := \"no\"\np := \"yes\" if input.ok";
    assertThat(eval(src, "p", "{}")).isEqualTo("\"no\"");
    assertThat(eval(src, "p", "{\"ok\": true}")).isEqualTo("\"yes\"");
  }

  @Test
  void elseChain_takesTheFirstBranchWhoseBodySucceeds() throws Exception {
    String src = "p := 1 if input.a\nelse := 2 if input.b\nelse := 3";
    assertThat(eval(src, "p", "{\"b\": true}")).isEqualTo("2");
    assertThat(eval(src, "p", "{}")).isEqualTo("3");
  }

  @Test
  void negation_succeedsWhenTheExpressionIsUndefined() throws Exception {
    assertThat(eval("p if not input.x", "p", "{}")).isEqualTo("true");
    assertThat(eval("p if not input.x", "p", "{\"x\": 1}")).isEqualTo("undefined");
  }

  @Test
  void every_requiresTheBodyForEachElement() throws Exception {
    String src = "p if every x in input.xs { x > 0 }";
    assertThat(eval(src, "p", "{\"xs\": [1, 2]}")).isEqualTo("true");
    assertThat(eval(src, "p", "{\"xs\": [1, -2]}")).isEqualTo("undefined");
    assertThat(eval(src, "p", "{\"xs\": []}")).isEqualTo("true");
  }

  @Test
  void membership_worksAsTestAndAsIteration() throws Exception {
    assertThat(eval("p := 2 in [1, 2]", "p")).isEqualTo("true");
    assertThat(eval("p := [k | some k, \"b\" in [\"a\", \"b\"]]", "p")).isEqualTo("[1]");
  }

  @Test
  void comprehensions_closeOverOuterVariables() throws Exception {
    String src =
        "p := {y: n | some y in [\"a\", \"b\"]; n := count([z | some z in input.xs; z == y])}";
    assertThat(eval(src, "p", "{\"xs\": [\"a\", \"a\"]}")).isEqualTo("{\"a\":2,\"b\":0}");
  }

  @Test
  void with_replacesInputDataAndFunctions() throws Exception {
    String src =
        """
        q := input.v
        r := data.d.x
        f(x) := x
        g(x) := x * 10
        p := [a, b, c] if {
          a := q with input.v as 1
          b := r with data.d.x as 2
          c := f(3) with f as g
        }
        """;
    assertThat(eval(src, "p")).isEqualTo("[1,2,30]");
  }

  @Test
  void with_mocksBuiltinsWithValues() throws Exception {
    assertThat(eval("p := x if { x := count([1]) with count as 7 }", "p")).isEqualTo("7");
  }

  @Test
  void print_writesOperandsWithUndefinedMarked() throws Exception {
    List<String> lines = new ArrayList<>();
    Rego.builder()
        .module("t.rego", "package t\np if { print(\"x\", 1, input.missing, {\"a\": [1]}) }")
        .printSink(lines::add)
        .compile()
        .evaluate("t/p", Json.parse("{}"));
    assertThat(lines).containsExactly("x 1 <undefined> {\"a\": [1]}");
  }

  @Test
  void templateStrings_interpolateValues() throws Exception {
    assertThat(eval("p := $\"{1 + 1} {\"s\"} {[1]} {input.no}\"", "p"))
        .isEqualTo("\"2 s [1] <undefined>\"");
  }

  @Test
  void walk_visitsEveryNode() throws Exception {
    assertThat(eval("p := [path | walk({\"a\": [1]}, [path, _])]", "p"))
        .isEqualTo("[[],[\"a\"],[\"a\",0]]");
  }

  @Test
  void builtinErrors_areUndefinedUnlessStrict() throws Exception {
    assertThat(eval("p := 1 / 0", "p")).isEqualTo("undefined");
    RegoError e =
        evalError("p := 1 / 0", "p", EngineOptions.defaults().withStrictBuiltinErrors(true));
    assertThat(e.code()).isEqualTo(RegoError.EVAL_BUILTIN);
    assertThat(e.message()).startsWith("div: ");
  }

  @Test
  void dataDocuments_mergeBaseDataWithRules() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module("t.rego", "package t\nr := 1")
            .data(Json.parse("{\"t\": {\"base\": 2}}"))
            .compile();
    assertThat(p.evaluate("t", Json.parse("{}")).map(Json::write)).contains("{\"base\":2,\"r\":1}");
  }

  @Test
  void limits_depthEndsWithLimitErrorInsteadOfStackOverflow() {
    StringBuilder src = new StringBuilder("r60 := 1\n");
    for (int i = 0; i < 60; i++) {
      src.append("r").append(i).append(" := r").append(i + 1).append("\n");
    }
    RegoError e = evalError(src.toString(), "r0", EngineOptions.defaults().withMaxDepth(50));
    assertThat(e.code()).isEqualTo(RegoError.EVAL_LIMIT);
    assertThat(e.message()).contains("maxDepth");
  }

  @Test
  void limits_timeoutEndsWithCancelError() {
    String src =
        "p := count([x | some a in numbers.range(1, 300); some b in numbers.range(1, 300); some c in numbers.range(1, 300); x := a + b + c])";
    RegoError e = evalError(src, "p", EngineOptions.defaults().withTimeout(Duration.ofMillis(50)));
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CANCEL);
    assertThat(e.message()).contains("timeout");
  }

  @Test
  void query_reportsBindingsAndExpressionValues() throws Exception {
    PreparedPolicy p = policy("package t\nr := 5");
    List<PreparedPolicy.QueryResult> rs =
        p.query("x := data.t.r; y := x + 1; data.t.r", Optional.empty());
    assertThat(rs).hasSize(1);
    assertThat(rs.get(0).bindings()).containsOnlyKeys("x", "y");
    assertThat(Json.write(rs.get(0).expressions().get(2))).isEqualTo("5");
  }

  @Test
  void negation_bindsRefOperandsOutsideTheNegationAsOpa() throws Exception {
    // OPA: the operand is bound first, so an undefined operand makes the rule undefined
    assertThat(eval("p if not startswith(input.missing, \"x\")", "p")).isEqualTo("undefined");
    assertThat(eval("p if not input.missing == 1", "p")).isEqualTo("true");
    assertThat(eval("p if not startswith(input.s, \"x\")", "p", "{\"s\": \"ab\"}"))
        .isEqualTo("true");
  }

  @Test
  void regoParseModule_returnsTheAstAsOpaShapesIt() throws Exception {
    assertThat(
            eval("p := rego.parse_module(\"x.rego\", \"package foo\").package.path[1].value", "p"))
        .isEqualTo("\"foo\"");
  }

  @Test
  void httpSend_validatesTheRequestThenRefuses() {
    RegoError bad =
        evalError("p := http.send({\"method\": \"get\"})", "p", EngineOptions.defaults());
    assertThat(bad.code()).isEqualTo(RegoError.EVAL_TYPE);
    assertThat(bad.message())
        .isEqualTo("http.send: missing required request parameters(s): {\"url\"}");
    RegoError refused =
        evalError(
            "p := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1\"})",
            "p",
            EngineOptions.defaults());
    assertThat(refused.code()).isEqualTo(RegoError.EVAL_BUILTIN);
  }

  @Test
  void baseData_numbersFindStringKeys() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module("t.rego", "package t\nr := data.m[2]")
            .data(Json.parse("{\"m\": {\"2\": \"two\"}}"))
            .compile();
    assertThat(p.evaluate("t/r", Json.parse("{}")).map(Json::write)).contains("\"two\"");
  }

  @Test
  void completeRuleWithConstantValue_stopsAtTheFirstSolution() throws Exception {
    List<String> lines = new ArrayList<>();
    Rego.builder()
        .module("t.rego", "package t\np if { some x in [1, 2, 3]; print(x) }")
        .printSink(lines::add)
        .compile()
        .evaluate("t/p", Json.parse("{}"));
    assertThat(lines).containsExactly("1");
  }

  @Test
  void with_onARuleNamedWithoutDataOverridesItsDocument() throws Exception {
    assertThat(eval("s contains 1\np := x if { x := s with s as {9} }", "p")).isEqualTo("[9]");
  }

  @Test
  void someKeyValueInSet_bindsBothToTheElement() throws Exception {
    assertThat(eval("p := [[k, v] | some k, v in {1}]", "p")).isEqualTo("[[1,1]]");
  }

  @Test
  void functions_indexedByConstantFirstArgumentStillSeeOtherDefinitions() throws Exception {
    String src = "f(\"a\") := 1\nf(\"b\") := 2\nf(x) := 3 if x == \"c\"\ndefault f(_) := 0\n";
    assertThat(eval(src + "p := [f(\"a\"), f(\"b\"), f(\"c\"), f(\"d\")]", "p"))
        .isEqualTo("[1,2,3,0]");
    RegoError e =
        evalError(src + "f(x) := 9 if x == \"a\"\np := f(\"a\")", "p", EngineOptions.defaults());
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
  }

  @Test
  void negation_inAComprehensionOfARuleValueAlsoBindsOperandsOutside() throws Exception {
    assertThat(eval("p := [x | some x in [1, 2]; not x in input.missing]", "p")).isEqualTo("[]");
  }

  private static List<String> printed(String src, String rule, String input) throws Exception {
    List<String> lines = new ArrayList<>();
    Optional<Value> v =
        Rego.builder()
            .module("t.rego", "package t\n" + src)
            .printSink(lines::add)
            .compile()
            .evaluate("t/" + rule, Json.parse(input));
    lines.add("= " + v.map(Json::write).orElse("undefined"));
    return lines;
  }

  // The memoised-call tests below pin what OPA 1.22.2 prints and answers (opa eval -i ... with
  // the same module): a function's defined value is computed once per operands and with-scope.

  @Test
  void functionCalls_withTheSameOperandsRunOnceWhenDefined() throws Exception {
    String src =
        """
        f(x) := y if {
          print("f called", x)
          y := x + 1
        }
        p := [f(1), f(1), f(2)]
        """;
    assertThat(printed(src, "p", "{}")).containsExactly("f called 1", "f called 2", "= [2,2,3]");
  }

  @Test
  void functionCalls_thatAreUndefinedRunAgain() throws Exception {
    String src =
        """
        g(x) if {
          print("g called", x)
          x > 10
        }
        p := [x | some x in [1, 1, 20, 20]; g(x)]
        """;
    assertThat(printed(src, "p", "{}"))
        .containsExactly("g called 1", "g called 1", "g called 20", "= [20,20]");
  }

  @Test
  void functionCalls_areMemoisedPerWithScope() throws Exception {
    String src =
        """
        h(x) := x + input.k if {
          print("h called", x)
        }
        p := [a, b, c, d] if {
          a := h(1)
          b := h(1) with input.k as 100
          c := h(1)
          d := h(1) with input.k as 1000
        }
        """;
    assertThat(printed(src, "p", "{\"k\": 1}"))
        .containsExactly("h called 1", "h called 1", "h called 1", "= [2,101,2,1001]");
  }

  @Test
  void functionCalls_underAFunctionMockSeeTheMockAndNotTheOuterValue() throws Exception {
    String src =
        """
        f(x) := x
        g(x) := x * 10
        h(x) := f(x) + 1
        p := [a, b, c, d] if {
          a := h(2)
          b := h(2) with f as g
          c := h(2)
          d := h(2) with f as 5
        }
        """;
    assertThat(eval(src, "p")).isEqualTo("[3,21,3,6]");
    // a replacement runs without the mocks: h(2) is 7 under the mock and 3 inside g
    String nested =
        """
        f(x) := x
        g(x) := h(2) * x
        h(x) := f(x) + 1
        p := x if {
          x := [h(2), f(3)] with f as g
        }
        """;
    assertThat(eval(nested, "p")).isEqualTo("[7,9]");
  }

  @Test
  void functionCalls_withElseAndSeveralDefinitionsKeepTheirValueWhenRepeated() throws Exception {
    String src =
        """
        f(x) := "big" if {
          x > 10
        } else := "small"
        f(x) := "big" if x > 100
        p := [f(1), f(200), f(1), f(200), f(20)]
        """;
    assertThat(eval(src, "p")).isEqualTo("[\"small\",\"big\",\"small\",\"big\",\"big\"]");
  }

  @Test
  void functionCalls_thatConflictFailEveryTime() {
    String src =
        """
        f(x) := 1 if x > 0
        f(x) := 2 if x > 5
        p := [f(1), f(7), f(7)]
        """;
    RegoError e = evalError(src, "p", EngineOptions.defaults());
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
  }

  @Test
  void functionCalls_withABuiltinErrorStayUndefinedUnlessStrict() throws Exception {
    String src =
        """
        f(x) := 10 / x
        p := [y | some x in [0, 2, 0]; y := f(x)]
        """;
    assertThat(eval(src, "p")).isEqualTo("[5]");
    RegoError e = evalError(src, "p", EngineOptions.defaults().withStrictBuiltinErrors(true));
    assertThat(e.code()).isEqualTo(RegoError.EVAL_BUILTIN);
  }

  @Test
  void with_aFunctionMockAppliesToEveryCallInItsScope() throws Exception {
    // OPA 1.22.2: [10, 20]; the second call once escaped the mock after the first was replaced
    String src =
        """
        f(x) := x
        g(x) := x * 10
        r := [a, b] if {
          a := f(1)
          b := f(2)
        }
        p := x if {
          x := r with f as g
        }
        """;
    assertThat(eval(src, "p")).isEqualTo("[10,20]");
  }

  // Expressions whose operands are constants, bound variables or references through ground keys
  // take a path without continuations; these pin that it answers as OPA 1.22.2 does.
  private static final String FAST_INPUT =
      "{\"a\": {\"b\": 2}, \"arr\": [{\"v\": 1}, {\"w\": 2}, {\"v\": 3}]}";

  @Test
  void singleValuedOperands_undefinedReferenceMakesTheCallUndefined() throws Exception {
    assertThat(eval("p if { count(input.missing.list) >= 0 }", "p", FAST_INPUT))
        .isEqualTo("undefined");
    assertThat(eval("p := [y | some y in [1, 2]; not count(input.missing.list)]", "p", FAST_INPUT))
        .isEqualTo("[]");
    assertThat(eval("p if { count([1, 2], 3) }", "p", FAST_INPUT)).isEqualTo("undefined");
    assertThat(eval("p if { count([1, 2], 2) }", "p", FAST_INPUT)).isEqualTo("true");
  }

  @Test
  void singleValuedOperands_bindCompareAndDestructureAsUnification() throws Exception {
    assertThat(eval("p := x if { x := input.a.b; x = 2 }", "p", FAST_INPUT)).isEqualTo("2");
    assertThat(eval("p := x if { x := input.a.b; x = 3 }", "p", FAST_INPUT)).isEqualTo("undefined");
    assertThat(eval("p := [a, b] if { [a, b] := split(\"x.y\", \".\") }", "p", FAST_INPUT))
        .isEqualTo("[\"x\",\"y\"]");
    assertThat(eval("p := x if { y := input.a; x := y.b }", "p", FAST_INPUT)).isEqualTo("2");
    assertThat(eval("p := [v | some i; v := input.arr[i].v]", "p", FAST_INPUT)).isEqualTo("[1,3]");
    assertThat(eval("p := x if { x := input.arr[0].v; x == input.arr[0].v }", "p", FAST_INPUT))
        .isEqualTo("1");
    assertThat(eval("p := x if { x := input.a.b with input.a.b as 5 }", "p", FAST_INPUT))
        .isEqualTo("5");
  }

  @Test
  void functions_withRepeatedOrConstantArgumentPatternsMatchAsUnification() throws Exception {
    // OPA 1.22.2: ["same","different",5,10]
    String src =
        """
        same(x, x) := "same"
        same(x, y) := "different" if x != y
        first(1, x) := x
        first(2, x) := x * 2
        p := [same(1, 1), same(1, 2), first(1, 5), first(2, 5)]
        """;
    assertThat(eval(src, "p")).isEqualTo("[\"same\",\"different\",5,10]");
  }

  @Test
  void someIn_overSingleValuedCollectionsVisitsEveryElementInOrder() throws Exception {
    // answers of OPA 1.22.2 for the same rules and input
    String input = "{\"arr\": [3, 1, 3], \"obj\": {\"b\": 1, \"a\": 2}, \"str\": \"abc\"}";
    assertThat(eval("p := [x | some x in input.arr]", "p", input)).isEqualTo("[3,1,3]");
    assertThat(eval("p := [x | some x in input.obj]", "p", input)).isEqualTo("[2,1]");
    assertThat(eval("p := [x | some x in {3, 1, 2}]", "p", input)).isEqualTo("[1,2,3]");
    assertThat(eval("p := [x | some x in input.missing]", "p", input)).isEqualTo("[]");
    assertThat(eval("p := [x | some x in input.str]", "p", input)).isEqualTo("[]");
    assertThat(eval("p := [[x, y] | some x in [1, 2]; some y in [x, 10]]", "p", input))
        .isEqualTo("[[1,1],[1,10],[2,2],[2,10]]");
    RegoError e =
        evalError(
            "p := y if { some x in [1, 2, 3]; x > 1; y := x }", "p", EngineOptions.defaults());
    assertThat(e.code()).isEqualTo(RegoError.EVAL_CONFLICT);
  }

  @Test
  void references_withReferencesOrCallsAsKeysAnswerAsOpa() throws Exception {
    // OPA 1.22.2 with input {"key": "k1"}
    String src =
        """
        tenants := {"t1": {"active": true}, "t2": {"active": false}}
        keys := {"k1": "t1", "k2": "t2"}
        p1 := tenants[keys[input.key]]
        p2 := tenants[keys[input.missing]]
        p4 := [t | some k in ["k2", "k1", "k3"]; t := tenants[keys[k]].active]
        p5 := tenants[lower(upper(keys[input.key]))]
        """;
    String input = "{\"key\": \"k1\"}";
    assertThat(eval(src, "p1", input)).isEqualTo("{\"active\":true}");
    assertThat(eval(src, "p2", input)).isEqualTo("undefined");
    assertThat(eval(src, "p4", input)).isEqualTo("[false,true]");
    assertThat(eval(src, "p5", input)).isEqualTo("{\"active\":true}");
  }
}
