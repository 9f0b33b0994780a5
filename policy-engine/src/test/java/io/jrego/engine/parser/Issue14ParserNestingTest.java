package io.jrego.engine.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Value;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, left by the first round: a module nested 100,000 brackets deep overflowed the parser's
 * stack ({@code jrego eval -d} died with an uncaught {@link StackOverflowError}); OPA answers "max
 * parsing recursion depth exceeded". Nesting is bounded at {@link Parser#MAX_NESTING}, the depth
 * JSON and bundle data may have, and what parses also compiles and evaluates.
 */
class Issue14ParserNestingTest {

  private static String module(String open, String inner, String close, int depth) {
    return "package t\np := " + open.repeat(depth) + inner + close.repeat(depth) + "\n";
  }

  @Test
  void issue14_nestingUpToTheLimitParsesCompilesAndEvaluates() throws Exception {
    // the module's rule and its expression take two levels
    int depth = Parser.MAX_NESTING - 2;
    for (String[] shape :
        new String[][] {
          {"[", "1", "]"}, {"{\"a\": ", "1", "}"}, {"(", "1", ")"}, {"{", "1", "}"}
        }) {
      PreparedPolicy p =
          Rego.builder().module("t.rego", module(shape[0], shape[1], shape[2], depth)).compile();
      Optional<Value> v = p.evaluate("t/p", null);
      assertThat(v).as(shape[0]).isPresent();
    }
  }

  @Test
  void issue14_deeperNestingIsAParseErrorNotAStackOverflow() {
    for (int depth : new int[] {Parser.MAX_NESTING, 100_000}) {
      for (String[] shape :
          new String[][] {
            {"[", "1", "]"},
            {"{\"a\": ", "1", "}"},
            {"(", "1", ")"},
            {"{", "1", "}"},
            {"-", "input.a", ""},
            {"[x | x := ", "1", "]"}
          }) {
        String src = module(shape[0], shape[1], shape[2], depth);
        assertThatThrownBy(() -> Rego.builder().module("t.rego", src).compile())
            .as(shape[0] + " x " + depth)
            .isInstanceOfSatisfying(
                RegoException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(RegoError.PARSE);
                  assertThat(e.errors().get(0).location()).isPresent();
                })
            .hasMessageContaining("max parsing recursion depth exceeded");
      }
    }
    String everyBodies =
        "package t\np if {\n"
            + "every x in [1] {\n".repeat(100_000)
            + "x\n"
            + "}\n".repeat(100_001);
    assertThatThrownBy(() -> Rego.builder().module("t.rego", everyBodies).compile())
        .hasMessageContaining("max parsing recursion depth exceeded");
  }
}
