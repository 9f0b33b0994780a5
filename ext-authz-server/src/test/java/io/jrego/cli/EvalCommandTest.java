package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.bundle.BundleWriter;
import io.jrego.engine.value.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void eval_printsOpasResultDocument() throws IOException {
    Path policy =
        write(
            "p.rego",
            """
            package x

            q contains y if some y in [1, 2]
            """);
    Path input = write("in.json", "{\"a\": 1}");

    CommandRun r =
        CommandRun.of(
            new EvalCommand(),
            "-d",
            policy.toString(),
            "-i",
            input.toString(),
            "data.x.q[y]; y > 1");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Json.parse(r.out()))
        .isEqualTo(
            Json.parse(
                """
                {"result": [{"expressions": [
                    {"value": 2, "text": "data.x.q[y]", "location": {"row": 1, "col": 1}},
                    {"value": true, "text": "y > 1", "location": {"row": 1, "col": 14}}],
                  "bindings": {"y": 2}}]}
                """));
  }

  @Test
  void eval_undefinedIsAnEmptyObjectAndFailsOnlyWithFail() throws IOException {
    Path policy = write("p.rego", "package x\n\np := 1\n");

    CommandRun plain = CommandRun.of(new EvalCommand(), "-d", policy.toString(), "data.x.nope");
    CommandRun failing =
        CommandRun.of(new EvalCommand(), "--fail", "-d", policy.toString(), "data.x.nope");

    assertThat(plain.exit()).as(plain.err()).isZero();
    assertThat(plain.out().strip()).isEqualTo("{}");
    assertThat(failing.exit()).isEqualTo(1);
  }

  @Test
  void eval_compileErrorIsPrintedAsOpaErrorsWithExitTwo() throws IOException {
    Path policy = write("bad.rego", "package y\n\np if { x }\n");

    CommandRun r = CommandRun.of(new EvalCommand(), "-d", policy.toString(), "data.y.p");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(Json.parse(r.out()))
        .isEqualTo(
            Json.parse(
                """
                {"errors": [{"message": "var x is unsafe", "code": "rego_unsafe_var_error",
                  "location": {"file": "%s", "row": 3, "col": 8}}]}
                """
                    .formatted(policy.toString())));
  }

  @Test
  void eval_missingFileIsAnErrorNamingIt() {
    CommandRun r =
        CommandRun.of(new EvalCommand(), "-d", dir.resolve("nope.rego").toString(), "data");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).contains("\"errors\"").contains("nope.rego: no such file or directory");
  }

  @Test
  void eval_prettyAndRawFormatsPrintErrorsAsText() {
    CommandRun r =
        CommandRun.of(
            new EvalCommand(),
            "-f",
            "pretty",
            "-i",
            dir.resolve("missing.json").toString(),
            "input");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("1 error occurred: ").contains("missing.json");
  }

  @Test
  void eval_prettyPrintsALoneValueIndentedAndRawUnquoted() throws IOException {
    Path policy = write("p.rego", "package x\n\ns := \"a<b\"\n\no := {\"k\": [1, 2]}\n");

    CommandRun pretty =
        CommandRun.of(new EvalCommand(), "-f", "pretty", "-d", policy.toString(), "data.x.o");
    CommandRun raw =
        CommandRun.of(new EvalCommand(), "-f", "raw", "-d", policy.toString(), "data.x.s");

    assertThat(pretty.out()).isEqualTo("{\n  \"k\": [\n    1,\n    2\n  ]\n}\n");
    assertThat(raw.out()).isEqualTo("a<b\n");
  }

  @Test
  void eval_readsABundleTarballGivenWithBOrD() throws IOException {
    SortedMap<String, byte[]> files = new TreeMap<>();
    files.put(".manifest", "{\"roots\": [\"app\"]}".getBytes(StandardCharsets.UTF_8));
    files.put(
        "app/p.rego",
        "package app\n\nlimit := data.app.max * 2\n".getBytes(StandardCharsets.UTF_8));
    files.put("app/data.json", "{\"max\": 21}".getBytes(StandardCharsets.UTF_8));
    Path tgz = dir.resolve("bundle.tar.gz");
    Files.write(tgz, BundleWriter.toBytes(files));

    for (String flag : new String[] {"-b", "-d"}) {
      CommandRun r =
          CommandRun.of(new EvalCommand(), flag, tgz.toString(), "-f", "raw", "data.app.limit");
      assertThat(r.exit()).as(flag + ": " + r.err()).isZero();
      assertThat(r.out().strip()).as(flag).isEqualTo("42");
    }
  }
}
