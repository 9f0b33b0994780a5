package io.jrego.engine.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jrego.engine.Rego;
import io.jrego.engine.base.RegoException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A template string's {@code \\u} without four hex digits (found by fuzzing: {@code $"\\uzz*r"}) is
 * reported where and as OPA 1.22.2 reports it ({@code opa check} on the same module; OPA's second
 * error for the rule value, "unexpected template-string-end token", has no counterpart).
 */
class TemplateUnicodeEscapeTest {

  @Test
  void anEscapeThatTakesTheClosingQuoteLeavesTheStringUnterminated() {
    assertThat(errors("x := $\"\\uzz\""))
        .containsExactly("3:6 non-terminated string", "3:6 illegal token", "3:6 illegal token");
    assertThat(errors("x := $\"a{1}\\uzz\""))
        .containsExactly(
            "3:12 non-terminated string",
            "3:12 expected template-string part",
            "3:12 illegal token");
  }

  @Test
  void anEscapeWithoutHexDigitsMakesAnIllegalPart() {
    assertThat(errors("x := $\"\\uzz*r\""))
        .first()
        .isEqualTo("3:6 illegal template-string part: \"\\uzz*r\"");
    assertThat(errors("x := $\"a{1}\\uzzzr\""))
        .first()
        .isEqualTo("3:12 illegal template-string part: }\\uzzzr\"");
    assertThat(errors("x := $\"ab\\uzzzr{1}c\""))
        .first()
        .isEqualTo("3:6 illegal template-string part: \"ab\\uzzzr{");
    assertThat(errors("x if { y := $\"\\uzzzr\"; y }"))
        .containsExactly("3:13 illegal template-string part: \"\\uzzzr\"");
  }

  @Test
  void fourHexDigitsAreAnEscape() throws Exception {
    Rego.builder().module("t.rego", "package p\n\nx := $\"\\u00e9{1}\\u0041\"\n").compile();
  }

  private static List<String> errors(String rule) {
    Throwable t =
        catchThrowable(
            () -> Rego.builder().module("t.rego", "package p\n\n" + rule + "\n").compile());
    assertThat(t).as(rule).isInstanceOf(RegoException.class);
    return ((RegoException) t)
        .errors().stream()
            .map(
                e ->
                    e.location().orElseThrow().row()
                        + ":"
                        + e.location().orElseThrow().col()
                        + " "
                        + e.message())
            .toList();
  }
}
