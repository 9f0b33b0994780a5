package io.jrego.engine.tester;

import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;

/**
 * Reads YAML data and input documents for {@code jrego eval} and {@code jrego test} ({@code -d}
 * files, {@code -i} input) with the bundle reader's YAML, so a document means the same under {@code
 * serve}, {@code eval -b}, {@code eval -d} and {@code test}: numbers as OPA reads them ({@code 1.0}
 * is {@code 1}, {@code 2.50} is {@code 2.5}), the same depth limit and errors.
 */
public final class Yaml {

  private static final String LABEL = "yaml";

  private Yaml() {}

  /**
   * Parses one YAML document; an empty document is {@code null}.
   *
   * @throws IllegalArgumentException when the text is not YAML, or uses a type JSON lacks
   */
  public static Value parse(String text) {
    try {
      return BundleLoader.readYaml(LABEL, text.getBytes(StandardCharsets.UTF_8));
    } catch (BundleException e) {
      String m = e.getMessage();
      throw new IllegalArgumentException(
          m.startsWith(LABEL + ": ") ? m.substring(LABEL.length() + 2) : m, e);
    }
  }
}
