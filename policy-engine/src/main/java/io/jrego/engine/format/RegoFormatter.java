package io.jrego.engine.format;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.parser.Parser;

/**
 * OPA's canonical formatting of a Rego module, byte for byte what {@code opa fmt} writes: tabs, one
 * expression per line, {@code :=} for rule values in Rego v1, references written with dots where
 * they can be, composite values kept on one line or one source line of elements per line, comments
 * and the blank lines between rules and expressions kept where OPA keeps them.
 *
 * <p>The module is parsed by the engine's parser first, so a module the engine rejects is rejected
 * here with the same errors.
 */
public final class RegoFormatter {

  private RegoFormatter() {}

  /**
   * Formats one module.
   *
   * @param file the file name used in error locations
   * @param src the module's source
   * @param version the Rego version to read it as; it is written in the same version
   * @return the formatted source, ending in one new line
   * @throws RegoException when the module does not parse ({@code rego_parse_error}s), or uses a
   *     construct the formatter cannot lay out ({@code rego_format_error})
   */
  public static String format(String file, String src, RegoVersion version) throws RegoException {
    return format(file, src, version, false);
  }

  /**
   * Formats one module; with {@code dropV0Imports}, as {@code opa fmt --drop-v0-imports}: in Rego
   * v1 the {@code rego.v1} and {@code future.keywords} imports are left out.
   *
   * @throws RegoException as {@link #format(String, String, RegoVersion)} does
   */
  public static String format(String file, String src, RegoVersion version, boolean dropV0Imports)
      throws RegoException {
    Parser.parseModule(file, src, version);
    try {
      return new LayoutWriter(src, version == RegoVersion.V1, dropV0Imports)
          .write(SyntaxReader.read(src, version));
    } catch (RuntimeException e) {
      throw new RegoException(
          RegoError.of("rego_format_error", file + ": cannot format: " + e.getMessage()));
    }
  }
}
