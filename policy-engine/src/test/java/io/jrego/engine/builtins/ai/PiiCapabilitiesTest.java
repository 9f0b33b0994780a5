package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.Builtin;
import io.jrego.engine.builtins.BuiltinRegistry;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The type declarations of the {@code jrego.pii.*} and {@code jrego.tokens.*} builtins ({@code
 * capabilities/jrego.pii.json} and {@code jrego.tokens.json}: OPA's capabilities entries, one file
 * per namespace, for the generated capabilities file) match the registry, and real OPA type-checks
 * a policy using them.
 */
class PiiCapabilitiesTest {

  /** The declarations of {@code capabilities/jrego.pii.json} and {@code jrego.tokens.json}. */
  private static ArrayValue declared() throws IOException {
    ArrayValue all = ArrayValue.EMPTY;
    for (String f : List.of("capabilities/jrego.pii.json", "capabilities/jrego.tokens.json")) {
      try (InputStream in = PiiBuiltins.class.getResourceAsStream(f)) {
        assertThat(in).as(f).isNotNull();
        all = all.concat((ArrayValue) Json.parse(in));
      }
    }
    return all;
  }

  @Test
  void declarations_matchTheRegistryNameForNameAndArity() throws IOException {
    Map<String, Integer> registered = new TreeMap<>();
    for (Map.Entry<String, Builtin> e : BuiltinRegistry.standard().all().entrySet()) {
      if (e.getKey().startsWith("jrego.pii.") || e.getKey().startsWith("jrego.tokens.")) {
        registered.put(e.getKey(), e.getValue().arity());
      }
    }
    Map<String, Integer> decl = new TreeMap<>();
    for (Value b : declared()) {
      ObjectValue o = (ObjectValue) b;
      String name = ((StringValue) o.get("name").orElseThrow()).value();
      ObjectValue d = (ObjectValue) o.get("decl").orElseThrow();
      decl.put(name, ((ArrayValue) d.get("args").orElseThrow()).size());
    }
    assertThat(decl).isEqualTo(registered).hasSize(6);
  }

  @Test
  void realOpa_checksAPolicyUsingThemOnlyWithTheDeclarations(@TempDir Path tmp) throws Exception {
    Path opa = RealOpa.binary();
    Path policy = PiiExamplePolicyTest.repo().resolve("rego-policies/pii-example");
    Result current = run(List.of(opa.toString(), "capabilities", "--current"));
    assertThat(current.code).isZero();
    ObjectValue caps = (ObjectValue) Json.parse(current.out);
    ArrayValue merged = ((ArrayValue) caps.get("builtins").orElseThrow()).concat(declared());
    Path file = tmp.resolve("capabilities.json");
    Files.writeString(file, Json.write(caps.with(StringValue.of("builtins"), merged)));

    Result with =
        run(List.of(opa.toString(), "check", "--capabilities", file.toString(), policy.toString()));
    assertThat(with.code).as(with.out).isZero();
    Result without = run(List.of(opa.toString(), "check", policy.toString()));
    assertThat(without.code).isNotZero();
    assertThat(without.out).contains("undefined function jrego.pii.scan");
  }

  private record Result(int code, String out) {}

  private static Result run(List<String> cmd) throws Exception {
    Path out = Files.createTempFile("opa", ".out");
    try {
      Process p =
          new ProcessBuilder(new ArrayList<>(cmd))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + cmd);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
