package io.jrego.engine.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.Value;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Custom builtins through the public SPI: declaration checks, types, results and failures. */
class CustomBuiltinTest {

  private static final CustomBuiltin SUM =
      CustomBuiltin.declared(
          "acme.sum(a: number, b: number) => number",
          args ->
              BuiltinResult.of(
                  NumberValue.of(
                      ((NumberValue) args.get(0))
                          .bigDecimal()
                          .add(((NumberValue) args.get(1)).bigDecimal()))));

  @Test
  void aDeclaredBuiltinIsCalledWithItsOperands() throws Exception {
    assertThat(eval(SUM, "x := acme.sum(1, 2.5)")).contains(Json.parse("3.5"));
  }

  @Test
  void itsSignatureIsTypeChecked() {
    assertThatThrownBy(() -> eval(SUM, "x := acme.sum(1, \"a\")"))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("rego_type_error")
        .hasMessageContaining("acme.sum");
  }

  @Test
  void undefinedNullAndExceptionsLeaveTheCallUndefined() throws Exception {
    CustomBuiltin undefined = CustomBuiltin.of("acme.none", 0, args -> BuiltinResult.undefined());
    assertThat(eval(undefined, "x := acme.none()")).isEmpty();
    CustomBuiltin nul = CustomBuiltin.of("acme.null", 0, args -> null);
    assertThat(eval(nul, "x := acme.null()")).isEmpty();
    CustomBuiltin thrower =
        CustomBuiltin.of(
            "acme.throw",
            0,
            args -> {
              throw new IllegalStateException("bug");
            });
    assertThat(eval(thrower, "x := acme.throw()")).isEmpty();
  }

  @Test
  void badDeclarationsAreRefusedWithWhatIsWrong() {
    CustomFunction f = args -> BuiltinResult.undefined();
    assertThatThrownBy(() -> CustomBuiltin.of("acme..x", 1, f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"acme..x\"");
    assertThatThrownBy(() -> CustomBuiltin.of("acme.x", -1, f)).hasMessageContaining("arity -1");
    assertThatThrownBy(() -> CustomBuiltin.declared("acme.x(strin) => string", f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acme.x(strin)");
    assertThatThrownBy(() -> new CustomBuiltin("acme.y", 2, "acme.x(string) => string", true, f))
        .hasMessageContaining("declares acme.x/1");
    assertThatThrownBy(() -> BuiltinResult.of(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void nondeterministicKeepsEverythingElse() {
    CustomBuiltin n = SUM.nondeterministic();
    assertThat(n.deterministic()).isFalse();
    assertThat(n.name()).isEqualTo("acme.sum");
    assertThat(n.arity()).isEqualTo(2);
  }

  private static Optional<Value> eval(CustomBuiltin b, String rule) throws RegoException {
    PreparedPolicy p =
        Rego.builder().builtin(b).module("p.rego", "package t\n\n" + rule + "\n").compile();
    return p.evaluate("t/x", Json.parse("{}"));
  }
}
