package io.jrego.engine.ast;

import io.jrego.engine.base.RegoError.Location;
import io.jrego.engine.base.RegoVersion;
import java.util.List;

/**
 * A parsed module.
 *
 * @param file the file name given to the parser
 * @param version the Rego version it was parsed as
 * @param packagePath the package path without {@code data}, e.g. {@code [envoy, authz]}
 * @param packageLocation where the package clause is
 * @param imports the imports, in order
 * @param rules the rules, in order
 * @param annotations package-scoped METADATA annotations
 */
public record Module(
    String file,
    RegoVersion version,
    List<String> packagePath,
    Location packageLocation,
    List<Import> imports,
    List<Rule> rules,
    List<Annotation> annotations) {

  /**
   * An import.
   *
   * @param path what is imported: a ref rooted at {@code data}, {@code input}, {@code future} or
   *     {@code rego}
   * @param alias the {@code as} name, or empty
   */
  public record Import(Term.Ref path, String alias, Location location) {
    /** The name the import is used by: its alias or the last element of its path. */
    public String name() {
      if (!alias.isEmpty()) {
        return alias;
      }
      if (path.path().isEmpty()) {
        return ((Term.Var) path.head()).name();
      }
      Term last = path.path().get(path.path().size() - 1);
      return last instanceof Term.Scalar s
              && s.value() instanceof io.jrego.engine.value.StringValue sv
          ? sv.value()
          : last.toString();
    }
  }
}
