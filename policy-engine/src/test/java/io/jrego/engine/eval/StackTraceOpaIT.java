package io.jrego.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.tester.EvalReport;
import io.jrego.engine.testing.RealOpa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Evaluation errors with their {@code stack_trace} against the real {@code opa eval
 * --strict-builtin-errors --format json}, byte for byte: conflicts in complete rules, partial
 * objects, functions and comprehensions, builtin errors nested in functions, comprehensions, {@code
 * every}, {@code not}, {@code with} values and {@code else} branches, and queries of several
 * expressions ({@code src/test/resources/stacktrace/st.rego}).
 */
class StackTraceOpaIT {

  private static final Path DIR = Path.of("src/test/resources/stacktrace");

  private static final List<String> QUERIES =
      List.of(
          "data.st.x",
          "data.st.f(1)",
          "data.st.o",
          "data.st.d",
          "data.st.g(1)",
          "data.st.h",
          "data.st.w",
          "data.st.nested",
          "data.st.deep",
          "data.st.e",
          "data.st.n",
          "data.st.m",
          "data.st.c",
          "data.st.objc",
          "data.st.twice",
          "data.st.t",
          "data.st.else_err",
          "y := data.st.g(1)",
          "x := 1; data.st.g(x)",
          "not data.st.d",
          "data.st.g(1) with input as 1",
          "data.st");

  @TestFactory
  Stream<DynamicTest> eachQuery_failsWithOpasStackTrace() throws Exception {
    Path opa = RealOpa.binary();
    String policy = Files.readString(DIR.resolve("st.rego"));
    return QUERIES.stream().map(q -> DynamicTest.dynamicTest(q, () -> compare(opa, policy, q)));
  }

  private static void compare(Path opa, String policy, String query) throws Exception {
    List<RegoError> errors = List.of();
    try {
      Rego.builder()
          .module("st.rego", policy)
          .options(EngineOptions.defaults().withStrictBuiltinErrors(true))
          .compile()
          .query(query, Optional.empty());
    } catch (RegoException e) {
      errors = e.errors();
    }
    String theirs =
        run(opa, "eval", "--strict-builtin-errors", "--format", "json", "-d", "st.rego", query);
    assertThat(theirs).contains("\"stack_trace\"");
    assertThat(EvalReport.json(EvalReport.errorDocument(errors))).isEqualTo(theirs.strip());
  }

  private static String run(Path opa, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(opa.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("opa " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
