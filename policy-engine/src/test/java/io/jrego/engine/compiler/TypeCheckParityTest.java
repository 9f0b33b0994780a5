package io.jrego.engine.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.Rego;
import io.jrego.engine.RegoError;
import io.jrego.engine.RegoException;
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
 * prose).
 */
class TypeCheckParityTest {

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

  private static void compare(Path opa, Path file) throws Exception {
    String name = file.getFileName().toString();
    List<RegoError> errors = jregoErrors(name, Files.readString(file));
    String opaText = run(opa, "check", name).strip();
    String opaJson = run(opa, "check", "--format", "json", name);
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

  /** OPA's output of {@code opa check args...} run in the policies' folder. */
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
          ArrayValue.of(a.asList().stream().map(TypeCheckParityTest::withoutDescriptions).toList());
      default -> v;
    };
  }
}
