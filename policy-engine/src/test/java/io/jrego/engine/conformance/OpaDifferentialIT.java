package io.jrego.engine.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.tester.EvalReport;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Differential check against real OPA: every policy of {@code policy-engine/differential/cases} is
 * evaluated by {@code opa eval --format json} and by jrego (through its API, shaped into the same
 * JSON document) for each input, and the two must agree: equal result sets, or errors with equal
 * codes.
 *
 * <p>A case is a folder holding {@code *.rego} modules ({@code *.v0.rego} in Rego v0), an optional
 * {@code data.json}, an optional {@code queries.txt} (one query a line; by default the package of
 * the first module, {@code data.<package>}), and optional {@code inputs/*.json} used beside the
 * shared {@code differential/inputs/*.json}.
 *
 * <p>OPA comes from system property {@code opa.binary}, else {@code $(go env GOPATH)/bin/opa}, else
 * {@code opa} on the {@code PATH}; {@code .ci/install-opa.sh} installs the pinned version.
 */
class OpaDifferentialIT {

  private static final Duration OPA_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+(\\S+)");

  @TestFactory
  Stream<DynamicTest> jregoAgreesWithOpa() throws IOException {
    Path corpus = moduleDir().resolve("differential");
    assertThat(corpus.resolve("cases")).as("differential corpus").isDirectory();
    Path opa = RealOpa.binary();
    List<Path> shared = jsonFiles(corpus.resolve("inputs"));
    List<DynamicTest> tests = new ArrayList<>();
    List<Path> cases;
    try (Stream<Path> s = Files.list(corpus.resolve("cases"))) {
      cases = s.filter(Files::isDirectory).sorted().toList();
    }
    for (Path dir : cases) {
      List<Path> inputs = new ArrayList<>(shared);
      inputs.addAll(jsonFiles(dir.resolve("inputs")));
      for (String query : queries(dir)) {
        for (Path input : inputs) {
          String name =
              corpus.relativize(dir) + " " + query + " < " + input.getFileName().toString();
          tests.add(
              DynamicTest.dynamicTest(name, () -> compare(name, corpus, opa, dir, query, input)));
        }
      }
    }
    return tests.stream();
  }

  private static void compare(
      String name, Path corpus, Path opa, Path dir, String query, Path input) throws Exception {
    Outcome want = runOpa(corpus, opa, dir, query, input);
    Outcome got = runJrego(corpus, dir, query, input);
    if (want.errorCodes().isPresent()) {
      assertThat(got.errorCodes())
          .as("%s: OPA failed with %s; jrego gave %s", name, want.describe(), got.describe())
          .contains(want.errorCodes().get());
      if (Files.exists(dir.resolve("compare-messages"))) {
        assertThat(got.messages()).as("%s: error messages", name).isEqualTo(want.messages());
      }
    } else {
      assertThat(got.errorCodes())
          .as("%s: jrego failed with %s where OPA gave a result", name, got.describe())
          .isEmpty();
      assertThat((Object) got.results()).as("%s: result", name).isEqualTo(want.results());
    }
  }

  /**
   * One side's answer: the result array of the eval document as a set (OPA and jrego may order
   * results differently), or the set of error codes.
   */
  private record Outcome(
      SetValue results,
      Optional<TreeSet<String>> errorCodes,
      String message,
      TreeSet<String> messages) {
    static Outcome of(Value doc) {
      Value rs = ((ObjectValue) doc).get("result").orElse(ArrayValue.EMPTY);
      return new Outcome(
          SetValue.of(((ArrayValue) rs).asList()), Optional.empty(), "", new TreeSet<>());
    }

    static Outcome error(TreeSet<String> codes, String message, TreeSet<String> messages) {
      return new Outcome(SetValue.EMPTY, Optional.of(codes), message, messages);
    }

    String describe() {
      return errorCodes.map(c -> c + " " + message).orElse("result " + results);
    }
  }

  private static Outcome runOpa(Path corpus, Path opa, Path dir, String query, Path input)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(opa.toString(), "eval", "--format", "json"));
    if (isV0(dir)) {
      cmd.add("--v0-compatible");
    }
    for (Path m : modules(dir)) {
      cmd.addAll(List.of("-d", corpus.relativize(m).toString()));
    }
    if (Files.isRegularFile(dir.resolve("data.json"))) {
      cmd.addAll(List.of("-d", corpus.relativize(dir.resolve("data.json")).toString()));
    }
    cmd.addAll(List.of("-i", input.toAbsolutePath().toString(), query));
    Path out = Files.createTempFile("opa-eval", ".json");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .directory(corpus.toFile())
              .redirectErrorStream(false)
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(OPA_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("opa eval did not finish in " + OPA_TIMEOUT + ": " + String.join(" ", cmd));
      }
      Value doc = Json.parse(Files.readString(out, StandardCharsets.UTF_8));
      if (doc instanceof ObjectValue o && o.get("errors").orElse(null) instanceof ArrayValue es) {
        TreeSet<String> codes = new TreeSet<>();
        TreeSet<String> messages = new TreeSet<>();
        for (Value e : es.asList()) {
          codes.add(((ObjectValue) e).get("code").map(OpaDifferentialIT::str).orElse(""));
          messages.add(((ObjectValue) e).get("message").map(OpaDifferentialIT::str).orElse(""));
        }
        return Outcome.error(codes, Json.write(es), messages);
      }
      assertThat(p.exitValue()).as("opa exit code for %s", cmd).isZero();
      return Outcome.of(doc);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static Outcome runJrego(Path corpus, Path dir, String query, Path input)
      throws IOException {
    RegoVersion version = isV0(dir) ? RegoVersion.V0 : RegoVersion.V1;
    Rego.Builder b =
        Rego.builder().options(EngineOptions.defaults().withTimeout(Duration.ofSeconds(10)));
    for (Path m : modules(dir)) {
      b.module(
          corpus.relativize(m).toString(), Files.readString(m, StandardCharsets.UTF_8), version);
    }
    if (Files.isRegularFile(dir.resolve("data.json"))) {
      b.data(Json.parse(Files.readString(dir.resolve("data.json"), StandardCharsets.UTF_8)));
    }
    Value in = Json.parse(Files.readString(input, StandardCharsets.UTF_8));
    try {
      List<QueryResult> rs = b.compile().query(query, Optional.of(in));
      return Outcome.of(Json.parse(Json.write(EvalReport.resultDocument(query, rs))));
    } catch (RegoException e) {
      TreeSet<String> codes = new TreeSet<>();
      TreeSet<String> messages = new TreeSet<>();
      e.errors().stream().map(RegoError::code).forEach(codes::add);
      e.errors().stream().map(RegoError::message).forEach(messages::add);
      return Outcome.error(codes, e.getMessage(), messages);
    }
  }

  private static String str(Value v) {
    return v instanceof StringValue s ? s.value() : v.toString();
  }

  private static boolean isV0(Path dir) throws IOException {
    return modules(dir).stream().anyMatch(m -> m.getFileName().toString().endsWith(".v0.rego"))
        || dir.getFileName().toString().equals("v0")
        || dir.getParent().getFileName().toString().equals("v0");
  }

  private static List<Path> modules(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".rego")).sorted().toList();
    }
  }

  private static List<Path> jsonFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
  }

  private static List<String> queries(Path dir) throws IOException {
    Path q = dir.resolve("queries.txt");
    if (Files.isRegularFile(q)) {
      return Files.readAllLines(q, StandardCharsets.UTF_8).stream()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    }
    List<Path> ms = modules(dir);
    assertThat(ms).as("modules in %s", dir).isNotEmpty();
    Matcher m = PACKAGE.matcher(Files.readString(ms.get(0), StandardCharsets.UTF_8));
    assertThat(m.find()).as("package line in %s", ms.get(0)).isTrue();
    return List.of("data." + m.group(1));
  }

  private static Path moduleDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }
}
