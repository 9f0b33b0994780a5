package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RegoTest {

  private static final String SRC =
      """
      package a.b
      allow if input.n > 1
      double := input.n * 2
      test_allow if allow with input as {"n": 5}
      f(x) := x
      """;

  @Test
  void evaluate_acceptsSlashDotAndDataPrefixedPaths() throws Exception {
    PreparedPolicy p = Rego.builder().module("m.rego", SRC).compile();
    Value in = Json.parse("{\"n\": 3}");
    assertThat(p.evaluate("a/b/double", in)).contains(NumberValue.of(6));
    assertThat(p.evaluate("a.b.double", in)).contains(NumberValue.of(6));
    assertThat(p.evaluate("data.a.b.double", in)).contains(NumberValue.of(6));
    assertThat(p.evaluate("a/b/missing", in)).isEmpty();
  }

  @Test
  void rules_listsEachRulePathOnceWithFunctionsMarked() throws Exception {
    PreparedPolicy p = Rego.builder().module("m.rego", SRC).compile();
    assertThat(p.rules())
        .extracting(RuleInfo::path)
        .containsExactly("data.a.b.allow", "data.a.b.double", "data.a.b.test_allow", "data.a.b.f");
    assertThat(p.rules().get(3).function()).isTrue();
    assertThat(p.rules().get(2).location().row()).isEqualTo(4);
    assertThat(p.query("data.a.b.test_allow", Optional.empty()).get(0).expressions())
        .containsExactly(io.jrego.engine.value.BooleanValue.TRUE);
  }

  @Test
  void compileMetrics_namesEveryStage() throws Exception {
    PreparedPolicy p = Rego.builder().module("m.rego", SRC).compile();
    assertThat(p.compileMetrics()).containsKey("compile_stage_ResolveRefs");
  }

  @Test
  void compile_collectsParseErrorsOfEveryModule() {
    assertThatThrownBy(
            () ->
                Rego.builder()
                    .module("x.rego", "package x\np := [")
                    .module("y.rego", "package y\nq {")
                    .compile())
        .isInstanceOfSatisfying(
            RegoException.class,
            e -> {
              assertThat(e.errors()).hasSize(2);
              assertThat(e.errors())
                  .extracting(er -> er.location().orElseThrow().file())
                  .containsExactly("x.rego", "y.rego");
            });
  }

  @Test
  void compile_readsV0ModulesWhenAsked() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module("v0.rego", "package v\nallow { input.ok }\n", RegoVersion.V0)
            .compile();
    assertThat(p.evaluate("v/allow", Json.parse("{\"ok\": true}")))
        .contains(io.jrego.engine.value.BooleanValue.TRUE);
  }

  @Test
  void compile_rejectsNonObjectData() {
    assertThatThrownBy(() -> Rego.builder().data(Json.parse("[1]")).compile())
        .isInstanceOf(RegoException.class);
  }

  @Test
  void preparedPolicy_servesConcurrentEvaluations() throws Exception {
    PreparedPolicy p = Rego.builder().module("m.rego", SRC).compile();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int base = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    int n = base * 1000 + i;
                    Value in = Json.parse("{\"n\": " + n + "}");
                    if (!p.evaluate("a/b/double", in).equals(Optional.of(NumberValue.of(2L * n)))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
