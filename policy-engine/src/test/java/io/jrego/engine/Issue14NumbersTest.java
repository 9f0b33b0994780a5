package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14, finding 4: {@code 1e100000000} used as a set element or object key kept a thread busy
 * for minutes. Numbers from outside text are refused as OPA refuses them ("number too big"), and a
 * number that gets in anyway (built by a caller) is hashed and compared without expanding it.
 * Expected answers are OPA 1.22.2's.
 */
class Issue14NumbersTest {

  @Test
  void issue14_aRegoLiteralBeyondOpasExponentLimitIsAParseError() {
    assertThatThrownBy(
            () -> Rego.builder().module("t.rego", "package t\nx := 1e100000000\n").compile())
        .isInstanceOfSatisfying(
            RegoException.class, e -> assertThat(e.code()).isEqualTo(RegoError.PARSE))
        .hasMessageContaining("number too big");
  }

  @Test
  void issue14_toNumberRefusesWhatOpaRefuses() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module("t.rego", "package t\np := to_number(input.s)\n")
            .options(EngineOptions.defaults().withStrictBuiltinErrors(true))
            .compile();
    assertThat(p.evaluate("t/p", in("1e300"))).contains(NumberValue.parse("1e300"));
    // beyond a float64, which OPA parses first: "value out of range", as before
    assertThatThrownBy(() -> p.evaluate("t/p", in("1e30000")))
        .hasMessageContaining("value out of range");
    assertThatThrownBy(() -> p.evaluate("t/p", in("1e-100000000")))
        .hasMessageContaining("to_number: invalid number: number too big");
    assertThatThrownBy(() -> p.evaluate("t/p", in("1".repeat(1_001))))
        .hasMessageContaining("number longer than 1000 characters");
  }

  /**
   * Found by {@code JsonFuzzTest}: an exponent beyond an {@code int} ({@code 1e3074567890123}) made
   * {@link BigDecimal} throw {@link NumberFormatException} out of the JSON reader, the parser and
   * {@code to_number}, past their own "number too big".
   */
  @Test
  void issue14_anExponentBeyondAnIntIsTooBigEverywhere() throws Exception {
    assertThatThrownBy(() -> io.jrego.engine.value.Json.parse("[1e3074567890123]"))
        .isInstanceOf(io.jrego.engine.value.Json.JsonException.class)
        .hasMessageContaining("number too big");
    assertThatThrownBy(() -> io.jrego.engine.value.Json.parse("{\"a\": -2.5E-99999999999}"))
        .isInstanceOf(io.jrego.engine.value.Json.JsonException.class)
        .hasMessageContaining("number too big");
    assertThatThrownBy(
            () -> Rego.builder().module("t.rego", "package t\nx := 1e3074567890123\n").compile())
        .isInstanceOfSatisfying(
            RegoException.class, e -> assertThat(e.code()).isEqualTo(RegoError.PARSE))
        .hasMessageContaining("number too big");
    PreparedPolicy p =
        Rego.builder()
            .module("t.rego", "package t\np := to_number(input.s)\n")
            .options(EngineOptions.defaults().withStrictBuiltinErrors(true))
            .compile();
    assertThatThrownBy(() -> p.evaluate("t/p", in("1e-3074567890123")))
        .hasMessageContaining("to_number: invalid number: number too big");
  }

  private static Value in(String s) {
    return ObjectValue.of(StringValue.of("s"), StringValue.of(s));
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS) // before: minutes per request
  void issue14_aHugeNumberAsSetElementAndObjectKeyIsCheap() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module(
                "t.rego",
                """
                package t
                s := {x | some x in input.ids}
                o := {x: 1 | some x in input.ids}
                p := [count(s), count(o), input.ids[0] in s, input.ids[0] < input.ids[1]]
                """)
            .compile();
    Value ids =
        ArrayValue.of(
            NumberValue.of(new BigDecimal("1e100000000")),
            NumberValue.of(new BigDecimal("2e100000000")),
            NumberValue.of(new BigDecimal("10e99999999")),
            NumberValue.of(new BigDecimal("1e-100000000")));
    Optional<Value> r = p.evaluate("t/p", ObjectValue.of(StringValue.of("ids"), ids));
    assertThat(r.map(Value::toString)).contains("[3, 3, true, true]");
  }

  /**
   * Issue 14 (session 6): one multiplication of huge integers runs between two deadline checks, and
   * repeated squaring doubles its cost each time (a 2^24-bit product takes about a second, printing
   * or reading one far longer). Results are bounded by the range OPA reads numbers in; beyond it
   * the call is an {@code eval_limit_error} naming the builtin, before the product is computed. OPA
   * itself computes such products (this is where jrego departs from it).
   */
  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void issue14_aProductBeyondWhatOpaReadsIsALimitError() throws Exception {
    assertThat(limitError("x := 1e30000 * 1e30000")).startsWith("mul: number too big");
    assertThat(limitError("x := product([1e20000, 1e20000])"))
        .startsWith("product: number too big");
    assertThat(limitError("x := bits.lsh(1, 100000)")).startsWith("bits.lsh: number too big");
    assertThat(limitError("x := (1e-20000 / 1e20000) / 1e-20000"))
        .startsWith("div: number too big");
    StringBuilder squaring = new StringBuilder("n0 := 12345678901234567890\n");
    for (int i = 1; i <= 40; i++) {
      squaring.append("n").append(i).append(" := n").append(i - 1).append(" * n").append(i - 1);
      squaring.append('\n');
    }
    assertThat(limitError(squaring + "x := n40")).startsWith("mul: number too big");
    assertThat(limitError("x := 9e30102 + 9e30102")).startsWith("plus: number too big");
  }

  @Test
  void issue14_productsWithinTheRangeAreExactAsInOpa() throws Exception {
    // the answers of OPA 1.22.2 (opa eval) for the same expressions
    assertThat(value("x := 1e15000 * 1e15000")).isEqualTo(NumberValue.parse("1e30000"));
    assertThat(value("x := bits.lsh(1, 99999) > 0"))
        .isEqualTo(io.jrego.engine.value.BooleanValue.TRUE);
    assertThat(value("x := count(format_int(product([1e10000, 1e10000, 1e10000]), 10))"))
        .isEqualTo(NumberValue.of(30001));
    assertThat(value("x := 1e-15000 / 1e15000")).isEqualTo(NumberValue.parse("1e-30000"));
  }

  private static String limitError(String rule) {
    PreparedPolicy p;
    try {
      p = Rego.builder().module("t.rego", "package t\n" + rule + "\n").compile();
    } catch (RegoException e) {
      throw new AssertionError("does not compile: " + rule, e);
    }
    try {
      Optional<Value> v = p.evaluate("t/x", ObjectValue.EMPTY);
      throw new AssertionError("no error for " + rule + " but " + v.map(x -> "a value"));
    } catch (RegoException e) {
      assertThat(e.errors().get(0).code()).as(rule).isEqualTo(RegoError.EVAL_LIMIT);
      return e.errors().get(0).message();
    }
  }

  private static Value value(String rule) throws RegoException {
    return Rego.builder()
        .module("t.rego", "package t\n" + rule + "\n")
        .compile()
        .evaluate("t/x", ObjectValue.EMPTY)
        .orElseThrow();
  }
}
