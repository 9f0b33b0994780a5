package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jrego test} and {@code jrego eval} against the real {@code opa test} and {@code opa eval}:
 * for {@code test}, (1.22.2, from {@code .ci/install-opa.sh}) on the same files: the same tests by
 * name (duplicates as {@code test_x#01}, parametrized tests with their cases), the same outcomes,
 * {@code print} output and exit codes, and the same text report but for what OPA alone prints
 * (evaluation traces and tracebacks) and the order (OPA runs tests in parallel); for {@code eval},
 * {@code print} output on stderr. Fails, never skips, when OPA is missing.
 */
class OpaCliParityIT {

  private static Path opa;

  @TempDir static Path dir;

  private static final String TESTS =
      """
      package a

      test_dup if { print("first"); true }

      test_dup if { false }

      test_dup if { 1 == 1 }

      test_cases[name] if {
      	some name in ["one", "two", "three"]
      	print("case", name)
      	name != "two"
      }

      test_obj[k] := v if {
      	some k, v in {"a": true, "b": 5, "c": false}
      }

      test_nested[a][b] if {
      	some a in ["x", "y"]
      	some b in [1, 2]
      	b == 1
      }

      test_keys[n] if {
      	some n in [1, 2.5, {"k": 1}]
      	n != 2.5
      }

      test_table[tc.note] if {
      	some tc in [{"note": "empty", "a": [], "want": 0}, {"note": "one", "a": [1], "want": 2}]
      	count(tc.a) == tc.want
      }

      test_conflict if {
      	print("before the error")
      	p
      }

      p := 1 if true

      p := 2 if true

      test_set contains k if {
      	some k in ["a"]
      }

      test_undefined if {
      	print("x is", input.x)
      	input.x == 1
      }

      test_number := 1

      test_numbers if { print(1e2, 2.50, [1e2, -0]) }

      todo_test_later if false
      """;

  private static final String OTHER =
      """
      package b

      test_other if true

      test_other if false
      """;

  private static final String PASSING =
      """
      package c

      test_ok if true

      todo_test_later if false

      f(x) if {
      	x > 1
      	x < 5
      }
      """;

  private static final String SLOW =
      """
      package slow

      # nine million steps over small arrays: well past 50 ms for either engine
      test_slow if {
      	count([1 | some x in numbers.range(1, 3000); some y in numbers.range(1, 3000); x == y]) > 0
      }
      """;

  @BeforeAll
  static void setUp() throws IOException {
    opa = RealOpa.binary();
    write("suite/a_test.rego", TESTS);
    write("suite/sub/b_test.rego", OTHER);
    write("suite/sub/broken.yaml", "x: [1\n");
    write("passing/c_test.rego", PASSING);
    write("slow/slow_test.rego", SLOW);
  }

  @Test
  void sameTestsOutcomesOutputAndExitCode_json() throws Exception {
    assertSameJson("--ignore", "*.yaml", dir.resolve("suite").toString());
  }

  @Test
  void sameTextReport_apartFromTracesAndOrder() throws Exception {
    Runs r = both("--ignore", "*.yaml", dir.resolve("suite").toString());
    assertThat(r.jrego.exit()).isEqualTo(r.opa.exit()).isEqualTo(2);
    assertThat(reportLines(r.jrego.out())).isEqualTo(reportLines(r.opa.out()));
  }

  @Test
  void sameVerboseReport_apartFromTracesAndOrder() throws Exception {
    Runs r = both("-v", "--ignore", "*.yaml", dir.resolve("suite").toString());
    assertThat(r.jrego.exit()).isEqualTo(r.opa.exit()).isEqualTo(2);
    assertThat(reportLines(r.jrego.out())).isEqualTo(reportLines(r.opa.out()));
  }

  @Test
  void runSelectsByFullName() throws Exception {
    assertSameJson(
        "--run", "test_dup|other", "--ignore", "broken.yaml", dir.resolve("suite").toString());
  }

  @Test
  void withoutIgnore_theBrokenYamlStopsTheRun() throws Exception {
    Runs r = both(dir.resolve("suite").toString());
    assertThat(r.jrego.exit()).isEqualTo(r.opa.exit()).isEqualTo(1);
    assertThat(r.jrego.out()).isEqualTo(r.opa.out()).isEmpty();
    assertThat(r.jrego.err()).contains("broken.yaml");
  }

  @Test
  void skippedTestsExitTwo_unlessExitZeroOnSkipped() throws Exception {
    String passing = dir.resolve("passing").toString();
    Runs plain = both(passing);
    assertThat(plain.jrego.exit()).isEqualTo(plain.opa.exit()).isEqualTo(2);
    assertThat(reportLines(plain.jrego.out())).isEqualTo(reportLines(plain.opa.out()));
    Runs z = both("-z", passing);
    assertThat(z.jrego.exit()).isEqualTo(z.opa.exit()).isZero();
  }

  @Test
  void failOnEmpty_whenRunMatchesNothing() throws Exception {
    String passing = dir.resolve("passing").toString();
    Runs quiet = both("--run", "nothing", passing);
    assertThat(quiet.jrego.exit()).isEqualTo(quiet.opa.exit()).isZero();
    assertThat(quiet.jrego.out()).isEqualTo(quiet.opa.out()).isEmpty();
    Runs strict = both("--run", "nothing", "--fail-on-empty", passing);
    assertThat(strict.jrego.exit()).isEqualTo(strict.opa.exit()).isEqualTo(1);
    assertThat(strict.jrego.err()).isEqualTo(strict.opa.err()).isEqualTo("no tests were run\n");
  }

  @Test
  void threshold_exitsTwoWhenCoverageIsUnder() throws Exception {
    String passing = dir.resolve("passing").toString();
    Runs under = both("-z", "--threshold", "99", passing);
    assertThat(under.jrego.exit()).isEqualTo(under.opa.exit()).isEqualTo(2);
    assertThat(under.jrego.out()).isEqualTo(under.opa.out()).isEmpty();
    assertThat(under.jrego.err()).startsWith("Code coverage threshold not met: got ");
    assertThat(under.opa.err()).startsWith("Code coverage threshold not met: got ");
    Runs met = both("-z", "--threshold", "1", passing);
    assertThat(met.jrego.exit()).isEqualTo(met.opa.exit()).isZero();
    assertThat(Json.parse(met.jrego.out())).isInstanceOf(ObjectValue.class);
    Runs failing = both("--threshold", "1", "--ignore", "*.yaml", dir.resolve("suite").toString());
    assertThat(failing.jrego.exit()).isEqualTo(failing.opa.exit()).isEqualTo(1);
  }

  @Test
  void timeout_endsASlowTestWithACancelError() throws Exception {
    assertSameJson("--timeout", "50ms", dir.resolve("slow").toString());
  }

  @Test
  void evalPrintsToStderrAsOpaDoes() throws Exception {
    write(
        "print/p.rego",
        """
        package p

        x := 1 if {
        	print("in rule", 1e2, {"a": [2.50]}, input.nope)
        	some v in [1, 2]
        	print("v", v)
        }
        """);
    String[] args = {"-d", dir.resolve("print/p.rego").toString(), "data.p.x"};
    CommandRun mine = CommandRun.of(new EvalCommand(), args);
    CommandRun theirs = OpaCli.run(opa, "eval", args);
    assertThat(mine.exit()).isEqualTo(theirs.exit()).isZero();
    assertThat(mine.err()).isEqualTo(theirs.err()).contains("in rule 1e2");
    assertThat(Json.parse(mine.out())).isEqualTo(Json.parse(theirs.out()));
  }

  // ---------------------------------------------------------------------------------------

  private record Runs(CommandRun jrego, CommandRun opa) {}

  private static Runs both(String... args) throws Exception {
    return new Runs(CommandRun.of(new TestCommand(), args), OpaCli.run(opa, "test", args));
  }

  private static void assertSameJson(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--format", "json"));
    all.addAll(List.of(args));
    Runs r = both(all.toArray(String[]::new));
    assertThat(r.jrego.exit()).as("exit code").isEqualTo(r.opa.exit());
    Map<String, Value> mine = byName(r.jrego.out());
    Map<String, Value> theirs = byName(r.opa.out());
    assertThat(mine).as("jrego's results").isNotEmpty();
    assertThat(mine).isEqualTo(theirs);
  }

  /**
   * Each result by package and name, without what is expected to differ: the duration. An error is
   * compared whole (code, message, location, stack trace) but a timeout's, where only the code is:
   * where a query is when its time runs out differs run to run.
   */
  private static Map<String, Value> byName(String json) {
    Map<String, Value> out = new TreeMap<>();
    for (Value v : ((ArrayValue) Json.parse(json)).asList()) {
      ObjectValue o = (ObjectValue) v;
      ObjectValue.Builder b = new ObjectValue.Builder();
      o.forEach(
          (k, x) -> {
            switch (((StringValue) k).value()) {
              case "duration" -> {}
              case "error" -> {
                Value code = ((ObjectValue) x).getOrNull(StringValue.of("code"));
                b.put(k, code.equals(StringValue.of("eval_cancel_error")) ? code : x);
              }
              default -> b.put(k, x);
            }
          });
      out.put(
          o.getOrNull(StringValue.of("package")) + "." + o.getOrNull(StringValue.of("name")),
          b.build());
    }
    return out;
  }

  private static final Pattern DURATION = Pattern.compile("\\([0-9.]+(ns|µs|ms|s)\\)");

  /**
   * The report's lines, sorted (OPA's order depends on its parallel runs), with durations blanked
   * and without what only OPA prints: evaluation traces in the FAILURES section (lines with {@code
   * | Enter}, {@code | Fail}, {@code Redo}, ...) and an error's traceback.
   */
  private static List<String> reportLines(String text) {
    List<String> lines = new ArrayList<>();
    boolean traceback = false;
    for (String l : text.split("\n", -1)) {
      if (l.strip().equals("Traceback:")) {
        traceback = true;
        continue;
      }
      if (traceback && l.startsWith("    ")) {
        continue;
      }
      traceback = false;
      if (l.contains("| ") || l.matches("\\s*query:1\\s+.*")) {
        continue;
      }
      if (l.isBlank()) {
        continue; // blank lines separate blocks whose order differs between runs
      }
      lines.add(DURATION.matcher(l).replaceAll("(D)"));
    }
    lines.sort(null);
    return lines;
  }

  private static void write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }
}
