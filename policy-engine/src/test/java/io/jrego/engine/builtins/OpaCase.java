package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.Value;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * One builtin call and what real OPA 1.22.2 answered for it (see the generator note in each test
 * class): the result as JSON, {@code null} for undefined, or {@code !<code>: <message>} for an
 * error raised under strict builtin errors.
 */
final class OpaCase {

  private OpaCase() {}

  static Stream<Arguments> of(String[][] table) {
    return Arrays.stream(table).map(row -> Arguments.of(row[0], row[1], row[2]));
  }

  static Value call(String name, Value... args) throws BuiltinException {
    Builtin b =
        StandardBuiltins.registry()
            .lookup(name)
            .orElseThrow(() -> new AssertionError("no builtin " + name));
    assertThat(args).hasSize(b.arity());
    return b.function().orElseThrow().call(args, BuiltinContext.standard());
  }

  /** Checks one row: operands are a JSON array, expected as described on the class. */
  static void check(String name, String argsJson, String expected) throws BuiltinException {
    Value[] args = ((ArrayValue) Json.parse(argsJson)).asList().toArray(new Value[0]);
    if (expected != null && expected.startsWith("!")) {
      String code = expected.substring(1, expected.indexOf(':'));
      String message = expected.substring(expected.indexOf(':') + 2);
      BuiltinException.Kind kind =
          code.equals("eval_type_error")
              ? BuiltinException.Kind.TYPE
              : BuiltinException.Kind.BUILTIN;
      assertThatThrownBy(() -> call(name, args))
          .isInstanceOfSatisfying(
              BuiltinException.class,
              e -> {
                assertThat(name + ": " + e.getMessage()).isEqualTo(message);
                assertThat(e.kind()).isEqualTo(kind);
              });
      return;
    }
    Value got = call(name, args);
    if (expected == null) {
      assertThat(got).as("undefined").isNull();
      return;
    }
    assertThat(got).as("defined").isNotNull();
    assertThat(jsonShape(got)).isEqualTo(Json.parse(expected));
  }

  /** Sets become sorted arrays, as json.marshal writes them. */
  static Value jsonShape(Value v) {
    return Json.parse(Json.write(v instanceof SetValue s ? ArrayValue.of(s.elements()) : v));
  }
}
