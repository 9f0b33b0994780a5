package io.jrego.engine.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.parser.Parser;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Strict mode's checks and the capabilities check on parsed modules; {@code CheckCommandOpaIT}
 * (ext-authz-server) compares the same classes of error with the real {@code opa check}.
 */
class StrictChecksTest {

  private static List<String> strict(RegoVersion v, String src) throws RegoException {
    return StrictChecks.check(List.of(Parser.parseModule("p.rego", src, v))).stream()
        .map(RegoError::toString)
        .toList();
  }

  @Test
  void unusedImports_butNotThoseARuleUsesOrFutureAndRegoImports() throws Exception {
    assertThat(
            strict(
                RegoVersion.V1,
                """
                package p

                import data.used
                import data.called
                import data.unused
                import data.aliased as al
                import input.shadowed
                import rego.v1

                p if used.x
                q if called.f(1)
                f(shadowed) := shadowed
                """))
        .containsExactly(
            "p.rego:5: rego_compile_error: import data.unused unused",
            "p.rego:6: rego_compile_error: import data.aliased as al unused",
            "p.rego:7: rego_compile_error: import input.shadowed unused");
  }

  @Test
  void unusedAssignments_inBodiesComprehensionsAndElse() throws Exception {
    assertThat(
            strict(
                RegoVersion.V1,
                """
                package p

                p if {
                	z := [w | w := 1; q := 2]
                	z
                	[u, v] := [1, 2]
                	u == 1
                }

                r := x if {
                	x := 1
                }

                s if {
                	t := 1
                } else := false
                """))
        .containsExactly(
            "p.rego:4: rego_compile_error: assigned var q unused",
            "p.rego:15: rego_compile_error: assigned var t unused");
  }

  @Test
  void assigningInputIsNeverAUse() throws Exception {
    assertThat(strict(RegoVersion.V1, "package p\n\np if {\n\tinput := 1\n\tinput == 1\n}\n"))
        .containsExactly("p.rego:4: rego_compile_error: assigned var input unused");
  }

  @Test
  void v0Modules_deprecatedBuiltinsAndShadowing() throws Exception {
    assertThat(
            strict(RegoVersion.V0, "package p\n\nq = any([true])\n\np {\n\tdata := 1\n\tdata\n}\n"))
        .containsExactly(
            "p.rego:3: rego_type_error: deprecated built-in function calls in expression: any",
            "p.rego:6: rego_compile_error: assigned var data unused",
            "p.rego:6: rego_compile_error: variables must not shadow data (use a different variable"
                + " name)");
  }

  @Test
  void capabilities_callsOfBuiltinsNotListed() throws Exception {
    var m =
        Parser.parseModule(
            "p.rego",
            "package p\n\np := count([1])\n\nq := upper(\"x\")\n\nf(x) := x\n\nr := f(1)\n",
            RegoVersion.V1);
    assertThat(
            CapabilityChecks.check(
                    List.of(m), Set.of("count", "upper", "assign"), Set.of("count", "assign"))
                .stream()
                .map(RegoError::toString))
        .containsExactly("p.rego:5: rego_type_error: undefined function upper");
  }
}
