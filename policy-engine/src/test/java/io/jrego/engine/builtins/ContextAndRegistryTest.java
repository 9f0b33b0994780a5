package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ContextAndRegistryTest {

  @Test
  void nowNs_readsTheQueryClockAndIsNotDeterministic() throws Exception {
    Builtin now = StandardBuiltins.registry().lookup("time.now_ns").orElseThrow();
    BuiltinContext ctx =
        new BuiltinContext(
            Clock.fixed(Instant.ofEpochSecond(1_700_000_000L, 42), ZoneOffset.UTC), s -> {}, false);
    assertThat(now.deterministic()).isFalse();
    assertThat(now.function().orElseThrow().call(new Value[0], ctx))
        .isEqualTo(NumberValue.of(1_700_000_000_000_000_042L));
  }

  @Test
  void jsonUnmarshal_reportsInvalidJsonAsBuiltinError() {
    Builtin b = StandardBuiltins.registry().lookup("json.unmarshal").orElseThrow();
    assertThatThrownBy(
            () ->
                b.function()
                    .orElseThrow()
                    .call(new Value[] {StringValue.of("{\"a\": 1} x")}, BuiltinContext.standard()))
        .isInstanceOfSatisfying(
            BuiltinException.class,
            e -> assertThat(e.kind()).isEqualTo(BuiltinException.Kind.BUILTIN));
  }

  @Test
  void registry_holdsOpaNamesWithOpaArities() {
    BuiltinRegistry r = StandardBuiltins.registry();
    assertThat(r.lookup("sprintf").orElseThrow().arity()).isEqualTo(2);
    assertThat(r.lookup("regex.template_match").orElseThrow().arity()).isEqualTo(4);
    assertThat(r.lookup("time.add_date").orElseThrow().arity()).isEqualTo(4);
    assertThat(r.lookup("numbers.range_step").orElseThrow().arity()).isEqualTo(3);
    assertThat(r.lookup("json.remove").orElseThrow().arity()).isEqualTo(2); // builtins-b, merged
  }
}
