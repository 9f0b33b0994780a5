package io.jrego.engine.testing;

import static org.assertj.core.api.Assertions.fail;

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
}
