package io.jrego.engine.testing;

import static org.assertj.core.api.Assertions.fail;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Finds the real OPA binary that compatibility tests compare jrego against. Tests that need it fail
 * (never skip) when it is missing, saying how to install the pinned version.
 */
public final class RealOpa {

  private RealOpa() {}

  /**
   * OPA from {@code -Dopa.binary}, {@code $(go env GOPATH)/bin/opa}, {@code ~/go/bin/opa} or {@code
   * PATH}; otherwise a failed test naming {@code .ci/install-opa.sh}.
   */
  public static Path binary() {
    String prop = System.getProperty("opa.binary");
    if (prop != null && !prop.isBlank()) {
      Path p = Path.of(prop);
      if (!Files.isExecutable(p)) {
        fail("-Dopa.binary=" + prop + " is not an executable file");
      }
      return p;
    }
    List<Path> candidates = new ArrayList<>();
    goPath().ifPresent(g -> candidates.add(g.resolve("bin/opa")));
    candidates.add(Path.of(System.getProperty("user.home"), "go/bin/opa"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d :
          Pattern.compile(Pattern.quote(File.pathSeparator)).splitAsStream(path).toList()) {
        candidates.add(Path.of(d, "opa"));
      }
    }
    return candidates.stream()
        .filter(Files::isExecutable)
        .findFirst()
        .orElseGet(
            () ->
                fail(
                    "OPA not found (looked at -Dopa.binary, $(go env GOPATH)/bin/opa, ~/go/bin/opa"
                        + " and PATH); run .ci/install-opa.sh to install the pinned version"));
  }

  private static Optional<Path> goPath() {
    try {
      Process p =
          new ProcessBuilder("go", "env", "GOPATH")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String s = new String(out, StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 && !s.isEmpty() ? Optional.of(Path.of(s)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * What {@code opa eval --strict-builtin-errors} answers for {@code query} over {@code inputJson}:
   * the first expression's value as JSON, {@code "undefined"}, or the first error's message.
   */
  public static String answer(Path opa, String query, String inputJson) throws Exception {
    Process p =
        new ProcessBuilder(
                opa.toString(), "eval", "--strict-builtin-errors", "-f", "json", "-I", query)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    p.getOutputStream().write(inputJson.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("opa did not answer " + query);
    }
    ObjectValue doc = (ObjectValue) Json.parse(out);
    if (doc.get("errors").orElse(null) instanceof ArrayValue errors) {
      return ((StringValue) ((ObjectValue) errors.get(0)).get("message").orElseThrow()).value();
    }
    if (!(doc.get("result").orElse(null) instanceof ArrayValue result)) {
      return "undefined";
    }
    Value exprs = ((ObjectValue) result.get(0)).get("expressions").orElseThrow();
    return Json.write(((ObjectValue) ((ArrayValue) exprs).get(0)).get("value").orElseThrow());
  }
}
