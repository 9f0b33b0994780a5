package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.Rego;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, the fault matrix's number class: a body of 300 integers of 999 digits each (within the
 * reader's 1,000-character limit, so accepted, as OPA accepts it) cost its check most of its time
 * converting digits the policy never read to binary, which grows with the square of their count.
 * The reader now keeps an integer beyond a {@code long} as its digits and computes its exact value
 * only when something needs it; every answer is the one the exact value gives.
 */
class Issue14LongIntegersTest {

  private static final String NINES = "9".repeat(999);

  private static ArrayValue many() {
    StringBuilder b = new StringBuilder("{\"model\":\"m\",\"n\":[");
    for (int i = 0; i < 300; i++) {
      b.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "" : "-").append(NINES);
    }
    ObjectValue doc = (ObjectValue) Json.parse(b.append("]}").toString());
    return (ArrayValue) doc.get("n").orElseThrow();
  }

  @Test
  void integersBeyondALongAreNotConvertedWhileRead() {
    ArrayValue n = many();
    assertThat(n.size()).isEqualTo(300);
    for (int i = 0; i < n.size(); i++) {
      assertThat(((NumberValue) n.get(i)).exactValueRead()).as("element %d", i).isFalse();
    }
    // printing needs no conversion: the digits as written, as OPA prints them
    assertThat(Json.write(n.get(1))).isEqualTo("-" + NINES);
    assertThat(((NumberValue) n.get(1)).exactValueRead()).isFalse();
  }

  @Test
  void theirValueIsTheExactOne_whereverItIsNeeded() {
    BigInteger exact = new BigInteger(NINES);
    NumberValue read = (NumberValue) many().get(0);
    NumberValue made = NumberValue.of(exact);
    assertThat(read).isEqualTo(made);
    assertThat(made).isEqualTo(read);
    assertThat(read.hashCode()).isEqualTo(made.hashCode());
    assertThat(read.exactValueRead()).isTrue();
    NumberValue other = (NumberValue) many().get(0);
    assertThat(other.compareNumber(NumberValue.of(exact.add(BigInteger.ONE)))).isNegative();
    assertThat(other.bigDecimal()).isEqualTo(new BigDecimal(exact));
    assertThat(((NumberValue) many().get(1)).compareNumber(NumberValue.of(-1))).isNegative();
    assertThat(((NumberValue) many().get(0)).isInteger()).isTrue();
    assertThat(((NumberValue) many().get(0)).isSmall()).isFalse();
    assertThat(((NumberValue) many().get(0)).asLong()).isEmpty();
    // 19 digits within a long are read as a long, as before
    assertThat(((NumberValue) Json.parse("9223372036854775807")).isSmall()).isTrue();
    assertThat(Json.parse("9223372036854775808"))
        .isEqualTo(NumberValue.of(new BigInteger("9223372036854775808")));
  }

  @Test
  void aPolicyComputesWithThemAsWithAnyNumber() throws Exception {
    var q =
        Rego.builder()
            .module(
                "p.rego",
                """
                package p
                sum := input.n[0] + 1
                bigger if input.n[0] > input.n[1]
                seen contains x if some x in input.n
                as_key := {x: true | some x in input.n}
                """)
            .compile();
    Value input = Json.parse("{\"n\":[" + NINES + ",-" + NINES + "," + NINES + "]}");
    assertThat(Json.write(q.evaluate("data.p.sum", input).orElseThrow()))
        .isEqualTo("1" + "0".repeat(999));
    assertThat(q.evaluate("data.p.bigger", input)).contains(BooleanValue.TRUE);
    assertThat(((SetValue) q.evaluate("data.p.seen", input).orElseThrow()).size()).isEqualTo(2);
    assertThat(((ObjectValue) q.evaluate("data.p.as_key", input).orElseThrow()).size())
        .isEqualTo(2);
  }
}
