package io.jrego.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root, found from the working directory a test runs in. */
public final class RepoRoot {

  private RepoRoot() {}

  /**
   * The nearest folder at or above the working directory that holds {@code rego-policies} (Maven
   * runs each module's tests in the module's folder); null if there is none.
   */
  public static Path path() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("rego-policies"))) {
      p = p.getParent();
    }
    return p;
  }
}
