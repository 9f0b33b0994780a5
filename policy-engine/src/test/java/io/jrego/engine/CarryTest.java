package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.spi.BuiltinResult;
import io.jrego.engine.spi.CustomBuiltin;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rule values handed from one evaluation to the next ({@link Carry}), as ext_proc's request phase
 * hands them to the response phase: which rules are evaluated again, and that every result is the
 * one an evaluation alone gives.
 */
class CarryTest {

  // each rule names itself in its call: which rules an evaluation ran
  private final List<String> ran = new ArrayList<>();

  private final CustomBuiltin seen =
      CustomBuiltin.of(
          "acme.seen",
          2,
          args -> {
            ran.add(((StringValue) args.get(0)).value());
            return BuiltinResult.of(args.get(1));
          });

  private static final String POLICY =
      """
      package t

      a := acme.seen("a", input.x)

      b := acme.seen("b", input.response.y)

      c := a + 1

      d := [c, b]

      e := acme.seen("e", input.x) if time.now_ns() > 0

      f := acme.seen("f", input[k]) if {
        some k in ["x"]
      }

      g := acme.seen("g", input.x) if print("g")

      h := v if {
        v := acme.seen("h", input.x) with input.y as 5
      }

      i := fn(input.x)

      fn(v) := acme.seen("i", v)

      j := fn2(1)

      fn2(v) := acme.seen("j", input.response.y + v)

      k := acme.seen("k", object.get(input, "x", 0))

      m := acme.seen("m", count(data.t.a_package))

      a_package := {"n": acme.seen("n", input.phase)}
      """;

  private static final Value REQUEST = Json.parse("{\"x\": 1, \"phase\": \"request\"}");
  private static final Value RESPONSE =
      Json.parse("{\"x\": 1, \"phase\": \"response\", \"response\": {\"y\": 7}}");

  private PreparedPolicy compile() throws RegoException {
    return Rego.builder().builtin(seen).module("t.rego", POLICY).compile();
  }

  @Test
  void theSecondEvaluationRunsOnlyTheRulesThatReadTheChangedKeys() throws Exception {
    PreparedQuery q = compile().prepare("t");
    Carry carry = Carry.across("phase", "response");
    Value request = q.evaluate(REQUEST, QueryOptions.none(), carry).orElseThrow();
    assertThat(ran).containsExactlyInAnyOrder("a", "e", "f", "g", "h", "i", "k", "m", "n");
    assertThat(carry.holdsValues()).isTrue();
    ran.clear();

    Value response = q.evaluate(RESPONSE, QueryOptions.none(), carry).orElseThrow();

    // a, c and i read input.x only, through rules and a function: carried; the rest read a
    // changed key (b, j through fn2, n and so m), the whole input (f, k), a non-deterministic
    // builtin (e), print (g) or with (h)
    assertThat(ran).containsExactlyInAnyOrder("b", "e", "f", "g", "h", "j", "k", "m", "n");
    assertThat(response).isEqualTo(alone(RESPONSE));
    assertThat(request).isEqualTo(alone(REQUEST));
  }

  @Test
  void anInputThatDiffersElsewhereIsEvaluatedAfresh() throws Exception {
    PreparedQuery q = compile().prepare("t/d");
    Carry carry = Carry.across("phase", "response");
    q.evaluate(REQUEST, QueryOptions.none(), carry);
    ran.clear();

    Value other = Json.parse("{\"x\": 2, \"phase\": \"response\", \"response\": {\"y\": 7}}");
    assertThat(q.evaluate(other, QueryOptions.none(), carry)).contains(Json.parse("[3, 7]"));
    assertThat(ran).containsExactlyInAnyOrder("a", "b");

    ran.clear();
    Value extra =
        Json.parse("{\"x\": 1, \"z\": 0, \"phase\": \"response\", \"response\": {\"y\": 7}}");
    assertThat(q.evaluate(extra, QueryOptions.none(), carry)).contains(Json.parse("[2, 7]"));
    assertThat(ran).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void valuesPassOnlyWithinOnePreparedPolicy() throws Exception {
    Carry carry = Carry.across("phase", "response");
    compile().prepare("t/d").evaluate(REQUEST, QueryOptions.none(), carry);
    ran.clear();
    assertThat(compile().prepare("t/d").evaluate(RESPONSE, QueryOptions.none(), carry))
        .contains(Json.parse("[2, 7]"));
    assertThat(ran).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void withoutACarryEveryEvaluationRunsItsRules() throws Exception {
    PreparedQuery q = compile().prepare("t/d");
    q.evaluate(REQUEST, QueryOptions.none());
    ran.clear();
    assertThat(q.evaluate(RESPONSE, QueryOptions.none())).contains(Json.parse("[2, 7]"));
    assertThat(ran).containsExactlyInAnyOrder("a", "b");
  }

  private Value alone(Value input) throws RegoException {
    List<String> saved = new ArrayList<>(ran);
    Value v = compile().prepare("t").evaluate(input, QueryOptions.none()).orElseThrow();
    ran.clear();
    ran.addAll(saved);
    return v;
  }
}
