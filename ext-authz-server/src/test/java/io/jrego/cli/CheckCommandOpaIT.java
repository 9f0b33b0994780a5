package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.testing.RealOpa;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jrego check} against the real {@code opa check} (1.22.2, from {@code .ci/install-opa.sh}),
 * run in the same folder on the same files: the same exit code and, byte for byte, the same stderr,
 * for each class of error (parse errors, compile errors, each strict-mode check, capabilities, the
 * error limit, JSON output) and for a clean bundle. Fails, never skips, when OPA is missing.
 */
class CheckCommandOpaIT {

  private static Path opa;

  /** The capabilities document that lists jrego's builtins beside OPA's. */
  private static final Path JREGO_CAPABILITIES =
      Path.of(System.getProperty("basedir", "."))
          .toAbsolutePath()
          .resolve("../rego-policies/capabilities/jrego.json")
          .normalize();

  @TempDir static Path dir;

  @BeforeAll
  static void setUp() throws IOException {
    opa = RealOpa.binary();
    write(
        "clean.rego",
        """
        package clean

        import data.lib

        allow if lib.ok(input.user)
        """);
    write(
        "lib.rego",
        """
        package lib

        ok(u) if u == "alice"
        """);
    write(
        "parse.rego",
        """
        package parse

        p if {
        	x :=
        }
        """);
    write(
        "imports.rego",
        """
        package imports

        import data.bar
        import data.bar
        import data.b as bb
        import data.foo
        import input.c
        import rego.v1

        f(foo) := c if {
        	c := foo
        }
        """);
    write(
        "assigned.rego",
        """
        package assigned

        p if {
        	z := [w | w := 1; q := 2]
        	z
        	[u, v] := [1, 2]
        	u == 1
        }

        r if {
        	every k, v in [1] { m := 1; v }
        }

        s if {
        	t := 1
        } else := false

        g(a) := b if { b := a; c := 2 }
        """);
    write(
        "arguments.rego",
        """
        package arguments

        f(x, y) := 1 if {
        	x > 0
        }

        g(a, [b, c]) := a

        h(k) := 2

        j(n) := n if {
        	true
        } else := 3

        l(o, {"k": p}) := o
        """);
    write(
        "declared.rego",
        """
        package declared

        import data.a

        p if {
        	some x
        	true
        }
        """);
    write(
        "declaredassigned.rego",
        """
        package declaredassigned

        p if {
        	some x
        	y := 1
        }
        """);
    write(
        "shadow.rego",
        """
        package shadow

        p if {
        	input := 1
        	input == 1
        }
        """);
    write(
        "deprecated.rego",
        """
        package deprecated

        q := any([true])
        """);
    write(
        "v0.rego",
        """
        package v0

        q = any([true])
        """);
    write(
        "v0shadow.rego",
        """
        package v0shadow

        p {
        	data := 1
        }
        """);
    StringBuilder many = new StringBuilder("package many\n\n");
    for (int i = 0; i < 12; i++) {
      many.append("import data.x").append(i).append('\n');
    }
    write("many.rego", many.toString());
    write(
        "caps.rego",
        """
        package caps

        p := count([1])

        q := jrego.text.skeleton("x")

        r := walk({})
        """);
    write(
        "caps.json",
        """
        {"builtins": [{"name": "count", "decl": {"type": "function",
          "args": [{"type": "any"}], "result": {"type": "number"}}}],
         "features": ["rego_v1"]}
        """);
    write(
        "capsv0.json",
        """
        {"builtins": [{"name": "count", "decl": {"type": "function",
          "args": [{"type": "any"}], "result": {"type": "number"}}}]}
        """);
  }

  @Test
  void aCleanPolicyPrintsNothing() throws Exception {
    assertSame(0, "clean.rego", "lib.rego");
    assertSame(0, "--strict", "clean.rego", "lib.rego");
  }

  @Test
  void parseErrors_duringLoading_withTheLine() throws Exception {
    assertSame(1, "parse.rego");
    assertSame(1, "--format", "json", "parse.rego");
    assertSame(1, "missing.rego");
  }

  @Test
  void compileErrors() throws Exception {
    assertSame(1, "deprecated.rego");
    assertSame(1, "--format", "json", "deprecated.rego");
    assertSame(1, "shadow.rego");
    assertSame(1, "declared.rego");
  }

  @Test
  void strict_unusedAndDuplicateImports() throws Exception {
    assertSame(1, "--strict", "imports.rego");
    assertSame(1, "-S", "--format", "json", "imports.rego");
  }

  @Test
  void strict_unusedAssignments() throws Exception {
    assertSame(1, "--strict", "assigned.rego");
    assertSame(1, "--strict", "declared.rego");
    assertSame(1, "--strict", "declaredassigned.rego");
    assertSame(1, "--strict", "shadow.rego");
    assertSame(0, "arguments.rego");
    assertSame(1, "--strict", "arguments.rego");
  }

  @Test
  void strict_v0_deprecatedBuiltinsAndShadowing() throws Exception {
    assertSame(0, "--v0-compatible", "v0.rego");
    assertSame(1, "--v0-compatible", "--strict", "v0.rego");
    // jrego refuses `data := 1` in v0 even without --strict (the compiler's shadowing check does
    // not look at the module's version): compared under --strict only
    assertSame(1, "--v0-compatible", "--strict", "v0shadow.rego");
  }

  @Test
  void errorLimit() throws Exception {
    assertSame(1, "--strict", "many.rego");
    assertSame(1, "--strict", "-m", "3", "many.rego");
    assertSame(1, "--strict", "--format", "json", "--max-errors", "1", "many.rego");
  }

  @Test
  void capabilities() throws Exception {
    assertSame(0, "--capabilities", JREGO_CAPABILITIES.toString(), "caps.rego");
    assertSame(1, "--capabilities", "caps.json", "caps.rego");
    assertSame(1, "--capabilities", "caps.json", "--format", "json", "caps.rego");
    assertSame(1, "--capabilities", "v1.22.2", "caps.rego");
    assertSame(1, "--capabilities", "capsv0.json", "caps.rego");
  }

  @Test
  void bundles() throws Exception {
    Path bundle = dir.resolve("bundle");
    Files.createDirectories(bundle);
    Files.writeString(bundle.resolve(".manifest"), "{\"roots\": [\"b\"]}");
    Files.writeString(bundle.resolve("b.rego"), "package b\n\nimport data.unused\n\np := 1\n");
    assertSame(0, "-b", "bundle");
    assertSame(1, "-b", "--strict", "bundle");
  }

  /**
   * Runs both on the same arguments, file names made absolute (both print them as given): exit code
   * {@code exit} from each, and the same stderr and (empty) stdout.
   */
  private static void assertSame(int exit, String... given) throws Exception {
    String[] args = new String[given.length];
    for (int i = 0; i < given.length; i++) {
      boolean file =
          !given[i].startsWith("/") && (given[i].endsWith(".rego") || given[i].endsWith(".json"));
      args[i] = file || given[i].equals("bundle") ? dir.resolve(given[i]).toString() : given[i];
    }
    CommandRun theirs = OpaCli.run(opa, "check", args);
    CommandRun mine = CommandRun.of(new CheckCommand(), args);
    String what = "check " + String.join(" ", given);
    assertThat(theirs.exit()).as("opa " + what + ": " + theirs.err()).isEqualTo(exit);
    assertThat(mine.exit()).as("jrego " + what + ": " + mine.err()).isEqualTo(exit);
    assertThat(mine.err()).as("stderr of " + what).isEqualTo(theirs.err());
    assertThat(mine.out()).as("stdout of " + what).isEqualTo(theirs.out()).isEmpty();
  }

  private static void write(String name, String text) throws IOException {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }
}
