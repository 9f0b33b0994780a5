package io.jrego.engine.format;

import io.jrego.engine.ast.Module;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.compiler.V1Compatibility;
import io.jrego.engine.parser.Keywords;
import io.jrego.engine.parser.Parser;
import java.util.ArrayList;
import java.util.List;

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
   * @throws RegoException when the module does not parse ({@code rego_parse_error}s), holds in Rego
   *     v1 what v1 refuses ({@link V1Compatibility}, as OPA's parser checks v1 modules), or uses a
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
    Module parsed = Parser.parseModule(file, src, version);
    if (version == RegoVersion.V1) {
      refuse(V1Compatibility.check(parsed));
    }
    try {
      return new LayoutWriter(src, version == RegoVersion.V1, dropV0Imports)
          .write(SyntaxReader.read(src, version));
    } catch (RuntimeException e) {
      throw new RegoException(
          RegoError.of("rego_format_error", file + ": cannot format: " + e.getMessage()));
    }
  }

  /**
   * As {@code opa fmt --v0-v1}: reads a Rego v0 module and writes it in syntax both v0 and v1
   * accept: {@code if} before bodies, {@code contains} for partial sets, {@code :=} for values, and
   * {@code import rego.v1} in place of the {@code future.keywords} imports (added when there was
   * none).
   *
   * @throws RegoException when the module does not parse as v0, or holds what v1 refuses, with
   *     {@code opa fmt --v0-v1}'s errors in its order: {@link V1Compatibility}'s (shadowing
   *     imports, rules, arguments or variables named {@code input} or {@code data}, deprecated
   *     builtins), then a rule named after a v1 keyword ({@code rego_parse_error}, one per rule)
   */
  public static String formatV0ToV1(String file, String src) throws RegoException {
    Module parsed = Parser.parseModule(file, src, RegoVersion.V0);
    Syntax.Module module = SyntaxReader.read(src, RegoVersion.V0);
    List<RegoError> errors = new ArrayList<>(V1Compatibility.check(parsed));
    for (Syntax.Rule r : module.rules()) {
      if (r.head().ref().size() == 1
          && r.head().ref().get(0) instanceof Syntax.Var v
          && Keywords.FUTURE.contains(v.name())) {
        errors.add(
            RegoError.at(
                RegoError.PARSE,
                v.name() + " keyword cannot be used for rule name",
                new RegoError.Location(file, r.loc().row(), r.loc().col(), "")));
      }
    }
    if (!errors.isEmpty()) {
      throw new RegoException(errors);
    }
    try {
      return new LayoutWriter(src, true, false, true).write(module);
    } catch (RuntimeException e) {
      throw new RegoException(
          RegoError.of("rego_format_error", file + ": cannot format: " + e.getMessage()));
    }
  }

  /**
   * As {@code opa fmt --v0-v1 --v1-compatible}: reads a Rego v1 module and writes it in syntax both
   * v0 and v1 accept, which is v1 with an {@code import rego.v1}.
   *
   * @throws RegoException when the module does not parse as v1 or holds what v1 refuses ({@link
   *     V1Compatibility})
   */
  public static String formatV1ToV0V1(String file, String src) throws RegoException {
    refuse(V1Compatibility.check(Parser.parseModule(file, src, RegoVersion.V1)));
    try {
      return new LayoutWriter(src, true, false, true).write(SyntaxReader.read(src, RegoVersion.V1));
    } catch (RuntimeException e) {
      throw new RegoException(
          RegoError.of("rego_format_error", file + ": cannot format: " + e.getMessage()));
    }
  }

  private static void refuse(List<RegoError> errors) throws RegoException {
    if (!errors.isEmpty()) {
      throw new RegoException(errors);
    }
  }
}
