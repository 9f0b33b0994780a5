package io.jrego.engine.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Rule;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParserTest {

  private static Module parse(String src) throws RegoException {
    return Parser.parseModule("m.rego", src, RegoVersion.V1);
  }

  private static Term term(String src) throws RegoException {
    return Parser.parseTerm(src);
  }

  @Test
  void parseModule_readsPackageImportsAndRuleKinds() throws Exception {
    Module m =
        parse(
            """
            package a.b
            import data.lib.x as y
            import rego.v1
            default allow := false
            allow if input.ok
            s contains v if some v in input.xs
            o[k] := 1 if some k in input.ks
            f(x) := x + 1
            """);
    assertThat(m.packagePath()).containsExactly("a", "b");
    assertThat(m.imports()).extracting(Module.Import::name).containsExactly("y", "v1");
    assertThat(m.rules())
        .extracting(Rule::kind)
        .containsExactly(
            Rule.Kind.COMPLETE,
            Rule.Kind.COMPLETE,
            Rule.Kind.MULTI,
            Rule.Kind.COMPLETE,
            Rule.Kind.FUNCTION);
    assertThat(m.rules().get(0).isDefault()).isTrue();
    assertThat(m.rules().get(3).head()).hasSize(2);
  }

  @Test
  void parseTerm_followsOpaPrecedence() throws Exception {
    // 1 + 2 * 3 == 7 parses as equal(plus(1, mul(2, 3)), 7)
    Term t = term("1 + 2 * 3 == 7");
    assertThat(t).isInstanceOf(Term.Call.class);
    Term.Call eq = (Term.Call) t;
    assertThat(eq.name()).isEqualTo("equal");
    Term.Call plus = (Term.Call) eq.args().get(0);
    assertThat(plus.name()).isEqualTo("plus");
    assertThat(((Term.Call) plus.args().get(1)).name()).isEqualTo("mul");
  }

  @Test
  void parseTerm_setUnionBindsTighterThanComparisonAndInIsLoosest() throws Exception {
    Term.Call in = (Term.Call) term("x == y in s");
    assertThat(in.name()).isEqualTo("internal.member_2");
    assertThat(((Term.Call) in.args().get(0)).name()).isEqualTo("equal");
    Term.Call eq = (Term.Call) term("a | b == c");
    assertThat(eq.name()).isEqualTo("equal");
    assertThat(((Term.Call) eq.args().get(0)).name()).isEqualTo("or");
  }

  @Test
  void parseTerm_readsStringsNumbersAndRawStrings() throws Exception {
    assertThat(((Term.Scalar) term("\"a\\tb\\u0041\"")).value()).isEqualTo(StringValue.of("a\tbA"));
    assertThat(((Term.Scalar) term("`a\\tb`")).value()).isEqualTo(StringValue.of("a\\tb"));
    assertThat(((Term.Scalar) term("-1.5e2")).value()).isEqualTo(NumberValue.of(-150));
  }

  @Test
  void parseTerm_distinguishesComprehensionsFromCollections() throws Exception {
    assertThat(term("[x | x := 1]")).isInstanceOf(Term.ArrayCompr.class);
    assertThat(term("{x | x := 1}")).isInstanceOf(Term.SetCompr.class);
    assertThat(term("{x: 1 | x := 1}")).isInstanceOf(Term.ObjectCompr.class);
    assertThat(term("{1, 2}")).isInstanceOf(Term.SetTerm.class);
    assertThat(term("{}")).isInstanceOf(Term.ObjectTerm.class);
    assertThat(term("set()")).isInstanceOf(Term.SetTerm.class);
    assertThat(term("[(a | b)]")).isInstanceOf(Term.ArrayTerm.class);
  }

  @Test
  void parseTerm_splitsTemplateStringsIntoParts() throws Exception {
    Term.Template t = (Term.Template) term("$\"a {x} \\{y} {\"q\"}\"");
    assertThat(t.parts()).hasSize(4);
    assertThat(((Expr.TermStmt) t.parts().get(2).stmt()).term())
        .isEqualTo(
            new Term.Scalar(
                StringValue.of(" {y} "),
                ((Expr.TermStmt) t.parts().get(2).stmt()).term().location()));
  }

  @Test
  void parseTerm_rejectsAnEscapedClosingBraceInTemplateStrings() {
    assertThatThrownBy(() -> term("$\"a \\} b\""))
        .isInstanceOfSatisfying(
            RegoException.class,
            e -> assertThat(e.errors().get(0).message()).isEqualTo("illegal escape sequence"));
  }

  @Test
  void parseQuery_splitsExpressionsOnSemicolonsAndNewlines() throws Exception {
    List<Expr> body = Parser.parseQuery("x := 1; y := 2\nnot z with input as 1");
    assertThat(body).hasSize(3);
    assertThat(body.get(2).negated()).isTrue();
    assertThat(body.get(2).withs()).hasSize(1);
  }

  @Test
  void parseModule_acceptsKeywordsAsRefHeads() throws Exception {
    Module m = parse("package p\nas.foo := 1\nfoo.if := 2\nq if contains(\"ab\", \"a\")\n");
    assertThat(m.rules()).hasSize(3);
  }

  @Test
  void parseModule_inV0ReadsBodiesWithoutIfAsPartialSets() throws Exception {
    Module m =
        Parser.parseModule("m.rego", "package p\ns[x] { x := 1 }\nq { true }\n", RegoVersion.V0);
    assertThat(m.rules().get(0).kind()).isEqualTo(Rule.Kind.MULTI);
    assertThat(m.rules().get(1).kind()).isEqualTo(Rule.Kind.COMPLETE);
  }

  @Test
  void parseModule_inV1RequiresIfBeforeBody() {
    assertThatThrownBy(() -> parse("package p\n\nq {\n  true\n}\n"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e -> {
              RegoError err = e.errors().get(0);
              assertThat(err.code()).isEqualTo(RegoError.PARSE);
              assertThat(err.message()).isEqualTo("`if` keyword is required before rule body");
              assertThat(err.location().orElseThrow().row()).isEqualTo(3);
              assertThat(err.location().orElseThrow().col()).isEqualTo(3);
            });
  }

  @Test
  void parseModule_reportsEveryBrokenRuleWithItsLocation() {
    assertThatThrownBy(() -> parse("package p\n\na := [1, 2\n\nb := 1\n\nc := {\n"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e -> {
              assertThat(e.errors()).hasSize(2);
              assertThat(e.errors().get(0).message())
                  .isEqualTo("unexpected identifier token: expected \",\" or \"]\"");
              assertThat(e.errors().get(0).location().orElseThrow().row()).isEqualTo(5);
              assertThat(e.errors().get(1).location().orElseThrow().row()).isEqualTo(8);
            });
  }

  @Test
  void parseModule_attachesMetadataToTheNextRule() throws Exception {
    Module m = parse("# METADATA\n# title: pkg\npackage p\n\n# METADATA\n# title: T\nr := 1\n");
    assertThat(m.annotations()).hasSize(1);
    assertThat(m.annotations().get(0).scope()).isEqualTo("package");
    assertThat(m.rules().get(0).annotations().get(0).content().get("title"))
        .contains(StringValue.of("T"));
  }

  @Test
  void parseModule_chainsElseBranches() throws Exception {
    Module m = parse("package p\nr := 1 if input.a else := 2 if input.b else := 3\n");
    Rule r = m.rules().get(0);
    assertThat(r.elseRule()).isPresent();
    assertThat(r.elseRule().get().elseRule()).isPresent();
    assertThat(r.elseRule().get().elseRule().get().body()).isEmpty();
  }

  @Test
  void parseModule_namesOperatorTokensAsOpaDoes() {
    assertThatThrownBy(() -> parse("package p\nf(x := 1\n"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e ->
                assertThat(e.errors().get(0).message())
                    .isEqualTo("unexpected assign token: expected \",\" or \")\""));
  }

  @Test
  void parseModule_rejectsElseOnRulesWithVariablesInTheHead() {
    assertThatThrownBy(() -> parse("package p\nq[x] := 1 if { x := 1 } else := 2\n"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e ->
                assertThat(e.errors().get(0).message())
                    .isEqualTo("else keyword cannot be used on rules with variables in head"));
  }

  @Test
  void parseModule_inV0AcceptsFutureKeywords() throws Exception {
    Module m =
        Parser.parseModule(
            "m.rego",
            "package p\nimport future.keywords.in\nimport future.keywords.if\nallow if { 1 in [1] }\n",
            RegoVersion.V0);
    assertThat(m.rules()).hasSize(1);
  }

  @Test
  void parseTerm_parenthesesAllowKeyValueMembership() throws Exception {
    Term.Call c = (Term.Call) term("(k, v in xs)");
    assertThat(c.name()).isEqualTo("internal.member_3");
  }
}
