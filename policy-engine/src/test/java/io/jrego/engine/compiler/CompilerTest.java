package io.jrego.engine.compiler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.ast.Expr;
import io.jrego.engine.ast.Module;
import io.jrego.engine.ast.Term;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.parser.Parser;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompilerTest {

  private static CompiledPolicy compile(String src) throws RegoException {
    Module m = Parser.parseModule("m.rego", src, RegoVersion.V1);
    BuiltinRegistry std = StandardBuiltins.registry();
    return Compiler.compile(List.of(m), name -> std.lookup(name).orElse(null));
  }

  private static List<RegoError> errors(String src) {
    try {
      compile(src);
    } catch (RegoException e) {
      return e.errors();
    }
    throw new AssertionError("compiled without errors");
  }

  @Test
  void compile_reportsUnsafeVariableWithItsExpression() {
    List<RegoError> errs = errors("package p\n\nq if {\n  y > 1\n}\n");
    assertThat(errs).hasSize(1);
    assertThat(errs.get(0).code()).isEqualTo(RegoError.UNSAFE_VAR);
    assertThat(errs.get(0).message()).isEqualTo("var y is unsafe");
    assertThat(errs.get(0).location().orElseThrow().row()).isEqualTo(4);
  }

  @Test
  void compile_reportsUnsafeVariableInNegation() {
    assertThat(errors("package p\nq contains 1\nr if { not q[x] }\n"))
        .extracting(RegoError::message)
        .containsExactly("var x is unsafe");
  }

  @Test
  void compile_reportsHeadVariableTheBodyDoesNotBind() {
    assertThat(errors("package p\nr[x] := 1 if { true }\n"))
        .extracting(RegoError::message)
        .containsExactly("var x is unsafe");
  }

  @Test
  void compile_reordersBodySoVariablesAreBoundBeforeUse() throws Exception {
    CompiledPolicy p = compile("package p\nr if {\n  x > 1\n  x = input.n\n}\n");
    List<Expr> body = p.rules().get(0).body();
    Term first = ((Expr.TermStmt) body.get(0).stmt()).term();
    assertThat(((Term.Call) first).name()).isEqualTo("eq");
  }

  @Test
  void compile_rejectsAssignmentAfterUse() {
    assertThat(errors("package p\nr if {\n  x > 1\n  x := input.n\n}\n"))
        .extracting(RegoError::message)
        .containsExactly("var x referenced above");
  }

  @Test
  void compile_rejectsReassignmentInTheSameScope() {
    assertThat(errors("package p\nr if {\n  x := 1\n  x := 2\n}\n"))
        .extracting(RegoError::code, RegoError::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(RegoError.COMPILE, "var x assigned above"));
  }

  @Test
  void compile_allowsShadowingInComprehensions() throws Exception {
    compile("package p\nr if {\n  x := 1\n  y := [x | x := 2]\n  y[0] == 2\n  x == 1\n}\n");
  }

  @Test
  void compile_reportsConflictingRuleKinds() {
    assertThat(errors("package p\np contains 1\np := 2\n"))
        .extracting(RegoError::code, RegoError::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                RegoError.TYPE, "conflicting rules data.p.p found"));
  }

  @Test
  void compile_reportsFunctionsWithDifferentArities() {
    assertThat(errors("package p\nf(x) := 1\nf(x, y) := 2\n"))
        .extracting(RegoError::message)
        .containsExactly("conflicting rules data.p.f found");
  }

  @Test
  void compile_reportsMultipleDefaults() {
    assertThat(errors("package p\ndefault r := 1\ndefault r := 2\n"))
        .extracting(RegoError::message)
        .containsExactly("multiple default rules data.p.r found at m.rego:2, m.rego:3");
  }

  @Test
  void compile_reportsRecursionWithItsCycle() {
    assertThat(errors("package p\n\na if b\nb if a\n"))
        .extracting(RegoError::code, RegoError::message)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                RegoError.RECURSION,
                "rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.a"));
  }

  @Test
  void compile_reportsUndefinedFunctionsAndArity() {
    assertThat(errors("package p\na if foo(1)\nb if count(1, 2, 3)\n"))
        .extracting(RegoError::message)
        .containsExactly("undefined function foo", "count: arity mismatch");
  }

  @Test
  void compile_timesEachStageByName() throws Exception {
    CompiledPolicy p = compile("package p\nr := 1\n");
    assertThat(p.metrics())
        .containsKeys(
            "compile_stage_ResolveRefs",
            "compile_stage_CheckRuleConflicts",
            "compile_stage_CheckRecursion");
  }

  @Test
  void compile_buildsRuleTreeWithGroundPrefixOfRefHeads() throws Exception {
    CompiledPolicy p = compile("package p\na.b[x] := 1 if some x in input.xs\n");
    CompiledRule r = p.rules().get(0);
    assertThat(r.pathString()).isEqualTo("data.p.a.b");
    assertThat(r.extraHead()).hasSize(1);
  }

  @Test
  void compileQuery_bindsOnlyTheQuerysOwnVariables() throws Exception {
    CompiledPolicy p = compile("package p\nr := 1\n");
    CompiledQuery q =
        Compiler.compileQuery(Parser.parseQuery("x := data.p.r; y = [x, data.p.r]; _ = y"), p);
    assertThat(q.bindings()).containsOnlyKeys("x", "y");
  }

  @Test
  void compileQuery_reportsWildcardInAPatternNothingBinds() {
    assertThatThrownBy(
            () ->
                Compiler.compileQuery(
                    Parser.parseQuery("x := 1; y = [_, x]"), compile("package p")))
        .isInstanceOfSatisfying(
            RegoException.class,
            e ->
                assertThat(e.errors())
                    .extracting(RegoError::message)
                    .contains("var y is unsafe", "var _ is unsafe"));
  }

  @Test
  void compile_rejectsShadowingInputAndDuplicateImports() {
    assertThat(errors("package p\nr if { input := 1 }\n"))
        .extracting(RegoError::message)
        .containsExactly("variables must not shadow input (use a different variable name)");
    assertThat(errors("package p\nimport data.a\nimport data.a\nr := 1\n"))
        .extracting(RegoError::message)
        .containsExactly("import must not shadow import data.a");
  }

  @Test
  void compile_rejectsRulesDefinedInsideAnotherRulesValue() {
    assertThat(errors("package p\nr := 1\nr.q := 2\n"))
        .extracting(RegoError::message)
        .containsExactly("rule data.p.r conflicts with:\n  rule data.p.r.q at m.rego:3");
  }

  @Test
  void compile_rejectsWithOnUnknownNames() {
    assertThat(errors("package p\nr if { true with foo as 1 }\n"))
        .extracting(RegoError::message)
        .containsExactly("with keyword target must reference existing input, data, or a function");
  }

  @Test
  void compile_reportsDeclaredVariablesNothingUses() {
    assertThat(errors("package p\nr if { some x; true }\n"))
        .extracting(RegoError::message)
        .containsExactly("declared var x unused");
    assertThat(errors("package p\nr if { every x in [1] { true } }\n"))
        .extracting(RegoError::message)
        .containsExactly("declared var x unused");
  }
}
