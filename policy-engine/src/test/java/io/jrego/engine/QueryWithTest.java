package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.spi.BuiltinResult;
import io.jrego.engine.spi.CustomBuiltin;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A document replaced for a whole evaluation ({@link QueryOptions#with}), as ext_proc's request
 * phase replaces {@code data.envoy.authz.allow} by Check's decision: the result is the one a query
 * with {@code with data.<path> as <value>} gives, the replaced rule is not evaluated, and {@link
 * Carry} hands values on only between evaluations with the same replacements.
 */
class QueryWithTest {

  private final List<String> ran = new ArrayList<>();

  private final CustomBuiltin seen =
      CustomBuiltin.of(
          "acme.seen",
          2,
          args -> {
            ran.add(((StringValue) args.get(0)).value());
            return BuiltinResult.of(args.get(1));
          });

  private static final String AUTHZ =
      """
      package envoy.authz

      allow := acme.seen("allow", {"allowed": input.user == "alice", "who": input.user})

      caller := acme.seen("caller", input.user)
      """;

  private static final String PROCESS =
      """
      package envoy.process

      import data.envoy.authz

      request := object.union(authz.allow, {"caller": authz.caller})

      whole := data.envoy.authz

      below := authz.allow.who

      response := {"allowed": true, "caller": authz.caller, "phase": input.phase}

      allowed(x) if x == 1
      """;

  private static final Value ALICE = Json.parse("{\"user\": \"alice\", \"phase\": \"request\"}");
  private static final Value CARRIED = Json.parse("{\"allowed\": true, \"who\": \"carried\"}");
  private static final List<String> ALLOW = List.of("envoy", "authz", "allow");

  private PreparedPolicy compile() throws RegoException {
    return Rego.builder()
        .builtin(seen)
        .module("authz.rego", AUTHZ)
        .module("process.rego", PROCESS)
        .compile();
  }

  /** What {@code data.envoy.process.<rule> with data.envoy.authz.allow as CARRIED} gives. */
  private Value withModifier(PreparedPolicy p, String rule, Value input) throws RegoException {
    List<PreparedPolicy.QueryResult> r =
        p.query(
            "x := data.envoy.process."
                + rule
                + " with data.envoy.authz.allow as "
                + Json.write(CARRIED),
            Optional.of(input));
    assertThat(r).hasSize(1);
    return r.get(0).bindings().get("x");
  }

  @Test
  void aReplacedDocumentIsWhatTheWithModifierGivesAndItsRuleDoesNotRun() throws Exception {
    PreparedPolicy p = compile();
    for (String rule : List.of("request", "whole", "below")) {
      ran.clear();
      Value got =
          p.prepare("envoy/process/" + rule)
              .evaluate(ALICE, QueryOptions.none().with(ALLOW, CARRIED))
              .orElseThrow();
      assertThat(ran).as(rule).doesNotContain("allow");
      assertThat(got).as(rule).isEqualTo(withModifier(p, rule, ALICE));
    }
    assertThat(
            p.prepare("envoy/process/request")
                .evaluate(ALICE, QueryOptions.none().with(ALLOW, CARRIED)))
        .contains(Json.parse("{\"allowed\": true, \"who\": \"carried\", \"caller\": \"alice\"}"));
    assertThat(p.prepare("envoy/process/below").evaluate(ALICE, QueryOptions.none()))
        .contains(StringValue.of("alice"));
  }

  @Test
  void theReplacedDocumentItselfAndAPathThroughItAreTheValue() throws Exception {
    PreparedPolicy p = compile();
    QueryOptions o = QueryOptions.none().with(ALLOW, CARRIED);
    assertThat(p.prepare("envoy/authz/allow").evaluate(ALICE, o)).contains(CARRIED);
    assertThat(p.evaluate("envoy/authz/allow/who", ALICE, o)).contains(StringValue.of("carried"));
    assertThat(p.query("x := data.envoy.authz.allow.who", Optional.of(ALICE), o))
        .singleElement()
        .satisfies(r -> assertThat(r.bindings().get("x")).isEqualTo(StringValue.of("carried")));
    // a replacement where no rule is: the document exists for that evaluation only
    QueryOptions elsewhere = QueryOptions.none().with(List.of("nowhere", "x"), CARRIED);
    assertThat(p.evaluate("nowhere/x", ALICE, elsewhere)).contains(CARRIED);
    assertThat(p.evaluate("nowhere/x", ALICE)).isEmpty();
  }

  @Test
  void aFunctionCannotBeReplacedByAValue() throws Exception {
    PreparedPolicy p = compile();
    assertThatThrownBy(
            () ->
                p.prepare("envoy/process/request")
                    .evaluate(
                        ALICE,
                        QueryOptions.none().with(List.of("envoy", "process", "allowed"), CARRIED)))
        .hasMessageContaining("data.envoy.process.allowed is a function");
  }

  @Test
  void aCarryHandsValuesOnOnlyWithTheSameReplacements() throws Exception {
    PreparedQuery request = compile().prepare("envoy/process/request");
    Carry carry = Carry.across("phase", "response");
    Value response = Json.parse("{\"user\": \"alice\", \"phase\": \"response\"}");
    QueryOptions replaced = QueryOptions.none().with(ALLOW, CARRIED);

    request.evaluate(ALICE, replaced, carry);
    ran.clear();
    // the same replacement: caller is carried, allow is the replacement
    assertThat(request.evaluate(response, replaced, carry))
        .contains(Json.parse("{\"allowed\": true, \"who\": \"carried\", \"caller\": \"alice\"}"));
    assertThat(ran).isEmpty();

    // none: nothing computed with the replacement is taken
    assertThat(request.evaluate(response, QueryOptions.none(), carry))
        .contains(Json.parse("{\"allowed\": true, \"who\": \"alice\", \"caller\": \"alice\"}"));
    assertThat(ran).containsExactlyInAnyOrder("allow", "caller");

    // another value: the same
    ran.clear();
    Value other = Json.parse("{\"allowed\": false, \"who\": \"other\"}");
    assertThat(request.evaluate(ALICE, QueryOptions.none().with(ALLOW, other), carry))
        .contains(Json.parse("{\"allowed\": false, \"who\": \"other\", \"caller\": \"alice\"}"));
    assertThat(ran).containsExactly("caller");
  }
}
