package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.spi.BuiltinResult;
import io.jrego.engine.spi.CustomBuiltin;
import org.junit.jupiter.api.Test;

/**
 * A policy names the non-deterministic builtins it calls, wherever the call is written (a rule
 * reached or not, an else branch, a comprehension, a function), and only those.
 */
class NondeterministicCallsTest {

  @Test
  void aPolicyOfDeterministicBuiltinsCallsNone() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module(
                "p.rego",
                """
                package p

                allow if count(input.items) > 2
                name := upper(input.name)
                """)
            .compile();
    assertThat(p.nondeterministicCalls()).isEmpty();
  }

  @Test
  void callsInElseBranchesComprehensionsAndFunctionsAreFound() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module(
                "p.rego",
                """
                package p

                answer := 1 if input.x
                else := http.send({"method": "GET", "url": input.url})

                stamps := [t | some _ in input.items; t := time.now_ns()]

                pick(n) := rand.intn("k", n)

                plain := concat(",", input.items)
                """)
            .compile();
    assertThat(p.nondeterministicCalls()).containsExactly("http.send", "rand.intn", "time.now_ns");
  }

  @Test
  void aCustomBuiltinCountsOnlyWhenMarkedNonDeterministic() throws Exception {
    String module =
        """
        package p

        a := acme.lookup(input.key)
        """;
    CustomBuiltin lookup = CustomBuiltin.of("acme.lookup", 1, args -> BuiltinResult.undefined());
    assertThat(
            Rego.builder()
                .builtin(lookup)
                .module("p.rego", module)
                .compile()
                .nondeterministicCalls())
        .isEmpty();
    assertThat(
            Rego.builder()
                .builtin(lookup.nondeterministic())
                .module("p.rego", module)
                .compile()
                .nondeterministicCalls())
        .containsExactly("acme.lookup");
  }
}
