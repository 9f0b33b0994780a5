package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code strings.render_template} against what real OPA 1.22.2 rendered for the same template and
 * variables ({@code opa-fixtures-template.json}, made by {@code gen-opa-fixtures-template.py}).
 */
class TemplateBuiltinsTest {

  private static Value render(String template, Value vars) throws BuiltinException {
    return BuiltinCalls.call("strings.render_template", StringValue.of(template), vars);
  }

  @Test
  void render_agreesWithOpaOnEveryFixture() throws Exception {
    Value fixtures;
    try (InputStream in = getClass().getResourceAsStream("opa-fixtures-template.json")) {
      fixtures = Json.parse(in);
    }
    ObjectValue root = (ObjectValue) fixtures;
    Value vars = root.get("vars").orElseThrow();
    List<String> failures = new ArrayList<>();
    ArrayValue cases = (ArrayValue) root.get("cases").orElseThrow();
    for (Value c : cases) {
      ObjectValue fx = (ObjectValue) c;
      String template = ((StringValue) fx.get("template").orElseThrow()).value();
      try {
        Value got = render(template, vars);
        Value want = fx.get("want").orElse(null);
        if (want == null || !want.equals(got)) {
          failures.add(template + ": expected " + fx + " but got " + got);
        }
      } catch (BuiltinException e) {
        String opa = fx.get("error").map(v -> ((StringValue) v).value()).orElse("(no error)");
        String ours = "strings.render_template: " + e.getMessage();
        if (!opa.equals(ours) || e.kind() != BuiltinException.Kind.BUILTIN) {
          failures.add(template + ": error '" + ours + "' but OPA said '" + opa + "'");
        }
      }
    }
    assertThat(cases.size()).isGreaterThan(100);
    assertThat(failures).isEmpty();
  }

  @Test
  void render_refusesSetsAsGoJsonDecodingDoes() {
    Value vars =
        ObjectValue.of(StringValue.of("s"), SetValue.of(StringValue.of("a"), StringValue.of("b")));
    assertThatThrownBy(() -> render("{{.s}}", vars))
        .isInstanceOf(BuiltinException.class)
        .hasMessage("invalid character ',' after object key");
  }

  @Test
  void render_refusesNonStringKeys() {
    Value vars =
        ObjectValue.of(StringValue.of("s"), ObjectValue.of(NumberValue.of(1), NumberValue.of(2)));
    assertThatThrownBy(() -> render("{{.s}}", vars))
        .isInstanceOf(BuiltinException.class)
        .hasMessage("invalid character '1' looking for beginning of object key string");
  }

  @Test
  void render_requiresStringTemplateAndObjectVars() {
    assertThatThrownBy(
            () ->
                BuiltinCalls.call("strings.render_template", NumberValue.of(1), ObjectValue.EMPTY))
        .hasMessage("operand 1 must be string but got number");
    assertThatThrownBy(() -> render("x", ArrayValue.of()))
        .hasMessage("operand 2 must be object but got array");
  }

  @Test
  void render_boundsRunawayRanges() {
    assertThatThrownBy(() -> render("{{range 100000000}}x{{end}}", ObjectValue.EMPTY))
        .isInstanceOf(BuiltinException.class)
        .hasMessageContaining("exceeded");
  }
}
