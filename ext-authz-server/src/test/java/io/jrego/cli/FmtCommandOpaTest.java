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
 * compared file by file in policy-engine's {@code FormatOpaParityTest}. Fails, never skips, when
 * OPA is missing. {@code -d} is jrego's own unified diff (OPA prints a coloured one).
 */
class FmtCommandOpaTest {

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

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
