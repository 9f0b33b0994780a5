package io.jrego.engine.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.Rego;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.tester.EvalReport;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every policy under {@code src/test/resources/typecheck} (one or more error classes of OPA's
 * compiler each: builtin operand types, arity, undefined functions and references, match errors,
 * unsafe and unused variables, the error limit, conflicts) compiled by jrego and checked by the
 * real {@code opa check}: the same errors as text (messages, codes, places and detail lines) and as
 * JSON (with {@code details}; OPA's argument descriptions aside, as jrego does not copy OPA's
 * prose). Queries are compared with {@code opa eval} the same way.
 */
class TypeCheckParityIT {

  private static final Path DIR = Path.of("src/test/resources/typecheck");

  @TestFactory
  Stream<DynamicTest> eachPolicy_failsAsOpaCheckFailsIt() throws IOException {
    Path opa = RealOpa.binary();
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".rego")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(30);
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> compare(opa, f)));
  }

  private static final Path QUERY_DIR = Path.of("src/test/resources/typecheck-query");

  /**
   * Queries with type errors (and some without) against a policy, as {@code opa eval} sees them.
   */
  private static final List<String> QUERIES =
      List.of(
          "count(1)",
          "startswith(1, \"a\")",
          "x := upper(1)",
          "not startswith(1, \"a\")",
          "upper(1) == \"a\"",
          "count(1, n)",
          "input.x == {\"a\": 1}.b",
          "print(count(1))",
          "x := 1; y := x + \"a\"",
          "x := data.t.a; x.foo",
          "upper(data.t.b)",
          "data.t.c.x[0] == \"z\"",
          "data.t.f(\"a\")",
          "data.t.c.y",
          "some x in data.t.d; upper(x)",
          "x := \"a\"; x in {1}",
          "[x | x := 1 + \"a\"]",
          "count([1]) with count as concat",
          "data.t.a + 1 > 0");

  @TestFactory
  Stream<DynamicTest> eachQuery_failsAsOpaEvalFailsIt() throws IOException {
    Path opa = RealOpa.binary();
    String policy = Files.readString(QUERY_DIR.resolve("policy.rego"));
    return QUERIES.stream()
        .map(q -> DynamicTest.dynamicTest(q, () -> compareQuery(opa, policy, q)));
  }

  private static void compareQuery(Path opa, String policy, String query) throws Exception {
    List<RegoError> errors;
    try {
      Rego.builder()
          .module("policy.rego", policy)
          .compile()
          .query(query, java.util.Optional.empty());
      errors = List.of();
    } catch (RegoException e) {
      errors = e.errors();
    }
    String opaJson = run(QUERY_DIR, opa, "eval", "--format", "json", "-d", "policy.rego", query);
    Value opaDoc = Json.parse(opaJson);
    if (errors.isEmpty()) {
      assertThat(opaDoc.toString()).doesNotContain("\"errors\""); // queries the checker accepts
      return;
    }
    String opaText =
        run(QUERY_DIR, opa, "eval", "--format", "pretty", "-d", "policy.rego", query).strip();
    assertThat(EvalReport.errorText(errors)).isEqualTo(opaText);
    assertThat(EvalReport.errorDocument(errors)).isEqualTo(withoutDescriptions(opaDoc));
  }

  private static void compare(Path opa, Path file) throws Exception {
    String name = file.getFileName().toString();
    List<RegoError> errors = jregoErrors(name, Files.readString(file));
    String opaText = run(DIR, opa, "check", name).strip();
    String opaJson = run(DIR, opa, "check", "--format", "json", name);
    if (errors.isEmpty()) {
      assertThat(opaText).isEmpty(); // policies the checker must accept
      return;
    }
    assertThat(EvalReport.errorText(errors)).isEqualTo(opaText);
    Value want = withoutDescriptions(Json.parse(opaJson));
    assertThat(EvalReport.errorDocument(errors)).isEqualTo(want);
  }

  private static List<RegoError> jregoErrors(String name, String source) {
    try {
      Rego.builder().module(name, source).compile();
      return List.of();
    } catch (RegoException e) {
      return e.errors();
    }
  }

  /** OPA's output of {@code opa args...} run in {@code dir}. */
  private static String run(Path dir, Path opa, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(opa.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("opa " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private static Value withoutDescriptions(Value v) {
    return switch (v) {
      case ObjectValue o -> {
        ObjectValue.Builder b = new ObjectValue.Builder();
        o.forEach(
            (k, x) -> {
              if (!k.equals(io.jrego.engine.value.StringValue.of("description"))) {
                b.put(k, withoutDescriptions(x));
              }
            });
        yield b.build();
      }
      case ArrayValue a ->
          ArrayValue.of(a.asList().stream().map(TypeCheckParityIT::withoutDescriptions).toList());
      default -> v;
    };
  }
}
