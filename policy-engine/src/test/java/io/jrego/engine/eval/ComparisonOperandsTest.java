package io.jrego.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedQuery;
import io.jrego.engine.Rego;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, long evaluations' garbage: a comparison operator's two operands go through one array
 * the evaluator keeps, not a new one per call. In the fault matrix's cpu-policy phase the operand
 * arrays of {@code ==} were 96% of what the expensive rule allocated; now a loop of comparisons
 * allocates next to nothing per step, and the answers are those of the general path, operands that
 * call functions comparing in turn included ({@code nested}: as {@code opa eval} answers).
 */
class ComparisonOperandsTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static final String MODULE =
      """
      package t

      # every triple of messages, never true
      repeated if {
      	some a in input.messages
      	some b in input.messages
      	some c in input.messages
      	a.content == b.content
      	b.content == c.content
      	a.role == "nobody"
      }

      # the same with a function replaced, which sends every call down the general path
      mocked if repeated with count as 7

      f(x) := 2 if x == 1
      else := 3

      # an operand that runs a function body comparing too, on either side
      nested := [2 == f(1), f(1) == 2, f(5) != 2, 3 <= f(5), f(1) < f(5), f(5) > 2, f(5) >= 4]

      counted := count([i | some i in numbers.range(1, 100); i % 7 == 0; i > 50])
      """;

  private static Value messages(int n) {
    StringBuilder b = new StringBuilder("{\"messages\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"m").append(i % 7);
      b.append("\"}");
    }
    return Json.parse(b.append("]}").toString());
  }

  private static PreparedQuery query(String rule) throws Exception {
    return Rego.builder().module("t.rego", MODULE).compile().prepare("data.t." + rule);
  }

  /**
   * The comparisons of {@code repeated} over {@code n} messages whose contents come in groups:
   * every pair's contents, for each pair of equal contents every third message's, and for each
   * triple of equal contents the role.
   */
  private static long comparisons(int n) {
    long pairs = 0;
    long triples = 0;
    for (int g = 0; g < 7; g++) {
      long size = ((long) n - g + 6) / 7; // messages whose content is m<g>
      pairs += size * size;
      triples += size * size * size;
    }
    return (long) n * n + pairs * n + triples;
  }

  @Test
  void aLoopOfComparisonsAllocatesNoOperandArrays() throws Exception {
    PreparedQuery plain = query("repeated");
    PreparedQuery mocked = query("mocked");
    Value input = messages(60);
    for (int i = 0; i < 3; i++) {
      assertThat(plain.evaluate(input)).isEmpty();
      assertThat(mocked.evaluate(input)).isEmpty();
    }
    long a0 = THREADS.getCurrentThreadAllocatedBytes();
    plain.evaluate(input);
    long a1 = THREADS.getCurrentThreadAllocatedBytes();
    mocked.evaluate(input);
    long a2 = THREADS.getCurrentThreadAllocatedBytes();
    plain.evaluate(input);
    long a3 = THREADS.getCurrentThreadAllocatedBytes();
    // the general path allocates a two-operand array (16 bytes or more) per comparison; the loop
    // is otherwise the same. The JIT may compile more of it while these run (compiled code
    // allocates less), so the mocked run is held against the plain run that allocated less.
    long plainLeast = Math.min(a1 - a0, a3 - a2);
    assertThat(comparisons(60)).isEqualTo(39_012);
    assertThat((a2 - a1) - plainLeast).isGreaterThanOrEqualTo(16 * comparisons(60));
  }

  @Test
  void comparisonsAnswerAsBefore() throws Exception {
    assertThat(query("nested").evaluate(Json.parse("{}")).map(Json::write))
        .contains("[true,true,true,true,true,true,false]");
    assertThat(query("counted").evaluate(Json.parse("{}")).map(Json::write)).contains("7");
    assertThat(query("repeated").evaluate(messages(3))).isEmpty();
  }
}
