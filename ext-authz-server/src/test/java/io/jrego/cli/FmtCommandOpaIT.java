package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.testing.RealOpa;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jrego fmt}'s flags against the real {@code opa fmt} (1.22.2, from {@code
 * .ci/install-opa.sh}) on the same files: what {@code -l}, {@code --fail}, {@code -w}, a folder, a
 * file that does not parse and a missing path print and exit with. The formatting itself is
 * compared file by file in policy-engine's {@code FormatOpaParityIT}. Fails, never skips, when OPA
 * is missing. {@code -d} is jrego's own unified diff (OPA prints a coloured one).
 */
class FmtCommandOpaIT {

  private static final String FORMATTED = "package a\n\np := 1\n";
  private static final String UNFORMATTED = "package b\np   :=  1\n";

  @TempDir Path dir;
  private Path opa;

  @BeforeEach
  void setUp() throws IOException {
    opa = RealOpa.binary();
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("ok.rego"), FORMATTED);
    Files.writeString(dir.resolve("sub/bad.rego"), UNFORMATTED);
    Files.writeString(dir.resolve("notes.txt"), "not rego");
  }

  @Test
  void aFolderIsFormattedToStdoutInNameOrder() throws Exception {
    same("fmt", dir.toString());
  }

  @Test
  void listShowsTheFilesThatWouldChange() throws Exception {
    CommandRun r = same("fmt", "-l", dir.toString());
    assertThat(r.out()).isEqualTo(dir.resolve("sub/bad.rego") + "\n");
  }

  @Test
  void failExitsTwoAtTheFirstFileThatWouldChange() throws Exception {
    CommandRun r = same("fmt", "-l", "--fail", dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("unexpected diff\n");
    assertThat(same("fmt", "--fail", dir.resolve("ok.rego").toString()).exit()).isZero();
  }

  @Test
  void writeRewritesOnlyTheFilesThatChange() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("copy"));
    Files.writeString(copy.resolve("bad.rego"), UNFORMATTED);
    CommandRun r = CommandRun.of(new FmtCommand(), "-w", dir.resolve("sub").toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(OpaCli.run(opa, "fmt", "-w", copy.toString()).exit()).isZero();
    assertThat(Files.readString(dir.resolve("sub/bad.rego")))
        .isEqualTo(Files.readString(copy.resolve("bad.rego")))
        .isEqualTo("package b\n\np := 1\n");
  }

  @Test
  void aFileThatDoesNotParseStopsTheRun() throws Exception {
    Files.writeString(dir.resolve("broken.rego"), "package c\n\np if {\n");
    CommandRun r = same("fmt", "-l", dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "failed to format Rego source file: 1 error occurred: "
                + dir.resolve("broken.rego")
                + ":4: rego_parse_error: ");
  }

  /** v0 modules: keywords added, future imports replaced, rego.v1 placed where OPA places it. */
  private static final List<String> V0_MODULES =
      List.of(
          "package x\n\nimport future.keywords.in\n\ndefault allow = false\n\nallow {\n  input.x in [1,2]\n}\n\ns[x] { x := 1 }\n\nf(x) = y { y := x }\n\np = 1\nq { true }\n",
          "package x\n\nallow { true }\n",
          "package x\n\nimport future.keywords\n\nallow if { true }\ns contains 1\n",
          "package x\n\np[x] = 1 { x := \"a\" }\nr.a.b = 1\nt[1]\n",
          "# top\npackage x\n\nimport data.foo\nimport input.bar # c\n\nimport future.keywords.if\nimport future.keywords.in\n\n# rule\nallow if { bar in foo }\n",
          "package x\n\nimport rego.v1\nimport data.a\n\nallow if { a }\n",
          "package x\n\nimport data.z\nimport data.a\n\n# c\nallow { a }\n",
          "package x\nimport future.keywords.in\nimport data.z\n\nimport future.keywords.if\nallow if { z }\n",
          "package x\n\nimport data.z\n\nimport data.q\nallow { z }\n");

  @Test
  void v0V1WritesWhatOpaWrites() throws Exception {
    for (int i = 0; i < V0_MODULES.size(); i++) {
      Path f = dir.resolve("v0_" + i + ".rego");
      Files.writeString(f, V0_MODULES.get(i));
      CommandRun r = same("fmt", "--v0-v1", f.toString());
      assertThat(r.exit()).as(f.toString()).isZero();
      assertThat(r.out()).as(f.toString()).contains("import rego.v1\n");
    }
  }

  @Test
  void v0V1RejectsARuleNamedAfterAV1Keyword() throws Exception {
    Path f = dir.resolve("kw.rego");
    Files.writeString(f, "package x\n\nif[x] { x := 1 }\nin = 2\n");
    CommandRun r = same("fmt", "--v0-v1", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains(f + ":4: rego_parse_error: in keyword cannot be used for rule name");
    Path c = dir.resolve("contains.rego");
    Files.writeString(c, "package x\n\ncontains[x] { x := 1 }\n");
    assertThat(same("fmt", "--v0-v1", c.toString()).exit()).isEqualTo(2);
  }

  /** v0 modules holding what Rego v1 refuses, each error kind more than once. */
  private static final List<String> V0_NOT_V1 =
      List.of(
          """
          package x

          import data.foo
          import input.bar as foo
          import data.x.bar

          in = 2

          f(input) { true }
          g(data.x) { true }

          q { input := 1; any([true]) }
          r[data] { data := 1 }
          s { x := all([1]); y := [z | z := cast_array([1])] }
          t = 1 { re_match("a", "b") }
          """,
          """
          package x

          import input.bar as foo
          import data.x["a-b"].foo
          import data.x["a-b"] as y
          import data.y
          import future.keywords.in
          import future.keywords.in
          import future.keywords.every
          import data.x["every"].z
          import data.z

          x = 1 { y := set_diff({1},{2}) }
          f(x, data) = 1 { true }
          input[1] { true }
          data.a.b = 3
          r { [input, b] := [1, 2]; input := 3 }
          z = any([1]) { count([x | x := 1; data := 2 ]) > cast_set([1]) } else = 2 { re_match("a", "b") }
          e { every k in [1] { input := k } }
          """,
          """
          package x

          input = 1

          data := 2

          p[x] { x := 1 }
          """);

  @Test
  void v0V1RefusesWhatV1CannotExpressWithOpasErrors() throws Exception {
    for (int i = 0; i < V0_NOT_V1.size(); i++) {
      Path f = dir.resolve("not_v1_" + i + ".rego");
      Files.writeString(f, V0_NOT_V1.get(i));
      CommandRun r = sameOutput("fmt", "--v0-v1", f.toString());
      assertThat(r.exit()).as(f.toString()).isEqualTo(2);
      assertThat(r.err()).as(f.toString()).contains("must not shadow");
      if (V0_NOT_V1.get(i).contains("re_match(")) {
        assertThat(r.err()).as(f.toString()).contains("deprecated built-in");
      }
    }
  }

  @Test
  void v0V1WithV1CompatibleReadsV1() throws Exception {
    List<String> modules =
        List.of(
            "package x\n\nimport data.a\n\nallow if { a }\n\ns contains 1 if { true }\n",
            "package x\n\nimport rego.v1\n\np := 1\nf(x) := y if { y := x }\n",
            "package x\n\nallow { true }\n",
            "package x\n\nimport data.a\nimport data.a\n\np if { a }\n",
            "package x\n\nq if { any([true]) }\n",
            "package x\n\ninput := 1\n\nq if { data := 2 }\n");
    for (int i = 0; i < modules.size(); i++) {
      Path f = dir.resolve("v1_" + i + ".rego");
      Files.writeString(f, modules.get(i));
      // the parser's own errors show the source line where OPA's do not: the first line is compared
      CommandRun r = same("fmt", "--v0-v1", "--v1-compatible", f.toString());
      if (r.exit() == 0 || !r.err().contains("rego_parse_error")) {
        sameOutput("fmt", "--v0-v1", "--v1-compatible", f.toString());
      }
    }
    assertThat(
            sameOutput("fmt", "--v0-v1", "--v1-compatible", dir.resolve("v1_0.rego").toString())
                .out())
        .contains("import rego.v1\n");
  }

  @Test
  void v1ModulesAreCheckedAsOpasParserChecksThem() throws Exception {
    Path f = dir.resolve("v1_checks.rego");
    Files.writeString(
        f, "package x\n\nimport data.a\nimport data.a\n\ninput := 1\n\nq if { any([a]) }\n");
    CommandRun r = sameOutput("fmt", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("import must not shadow", "rules must not shadow input");
  }

  @Test
  void aMissingPathExitsOne() throws Exception {
    same("fmt", dir.resolve("nope.rego").toString());
  }

  @Test
  void stdinIsFormattedToStdout() throws Exception {
    InputStream saved = System.in;
    try {
      System.setIn(new ByteArrayInputStream(UNFORMATTED.getBytes(StandardCharsets.UTF_8)));
      CommandRun r = CommandRun.of(new FmtCommand());
      assertThat(r.exit()).isZero();
      assertThat(r.out())
          .isEqualTo(OpaCli.run(opa, "fmt", dir.resolve("sub/bad.rego").toString()).out());
    } finally {
      System.setIn(saved);
    }
  }

  @Test
  void diffShowsAUnifiedDiff() {
    CommandRun r = CommandRun.of(new FmtCommand(), "-d", dir.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "--- "
                + dir.resolve("sub/bad.rego")
                + "\n+++ "
                + dir.resolve("sub/bad.rego")
                + "\n@@ -1,2 +1,3 @@\n package b\n-p   :=  1\n+\n+p := 1\n");
  }

  /** Runs {@code args} through both; the exit code, stdout and first stderr line must agree. */
  private CommandRun same(String... args) throws Exception {
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    CommandRun jrego = CommandRun.of(new FmtCommand(), rest);
    CommandRun real = OpaCli.run(opa, args[0], rest);
    assertThat(jrego.exit()).as("exit code of " + List.of(args)).isEqualTo(real.exit());
    assertThat(jrego.out()).as("stdout of " + List.of(args)).isEqualTo(real.out());
    assertThat(firstLine(jrego.err()))
        .as("stderr of " + List.of(args))
        .isEqualTo(firstLine(real.err()));
    return jrego;
  }

  /** Runs {@code args} through both; the exit code, stdout and all of stderr must agree. */
  private CommandRun sameOutput(String... args) throws Exception {
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    CommandRun jrego = CommandRun.of(new FmtCommand(), rest);
    CommandRun real = OpaCli.run(opa, args[0], rest);
    assertThat(jrego.err()).as("stderr of " + List.of(args)).isEqualTo(real.err());
    assertThat(jrego.out()).as("stdout of " + List.of(args)).isEqualTo(real.out());
    assertThat(jrego.exit()).as("exit code of " + List.of(args)).isEqualTo(real.exit());
    return jrego;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
