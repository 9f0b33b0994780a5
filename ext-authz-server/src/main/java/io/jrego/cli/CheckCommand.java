package io.jrego.cli;

import io.jrego.engine.ast.Module;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.compiler.StrictChecks;
import io.jrego.engine.parser.Parser;
import io.jrego.engine.tester.EvalReport;
import io.jrego.engine.tester.LoadedPolicy;
import io.jrego.engine.tester.PolicyLoadException;
import io.jrego.engine.tester.PolicyLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego check}: parses and compiles policy files without evaluating anything, as {@code opa
 * check} does. Prints nothing and exits 0 when they compile; otherwise prints the errors on stderr
 * (text, or JSON with {@code --format json}) and exits 1. Parse errors and files that cannot be
 * read are reported as "during loading", with the source line of each parse error.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = "Check Rego files for parse and compile errors, as opa check does.")
public final class CheckCommand implements Callable<Integer> {

  /** Output formats. */
  enum Format {
    pretty,
    json
  }

  @Spec CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "PATH", description = "policy files or folders")
  List<Path> paths = new ArrayList<>();

  @Option(
      names = {"-b", "--bundle"},
      description = "load the paths as bundles (folders or .tar.gz)")
  boolean bundle;

  @Option(
      names = "--capabilities",
      paramLabel = "FILE|VERSION",
      description =
          "a capabilities JSON file (as opa capabilities prints), or v1.22.2 for OPA 1.22.2's:"
              + " calls of builtins it does not list are errors")
  String capabilities;

  @Option(
      names = {"-f", "--format"},
      defaultValue = "pretty",
      description = "output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
  Format format;

  @Option(
      names = "--ignore",
      split = ",",
      paramLabel = "GLOB",
      description = "file and folder names to leave out when loading folders; repeatable")
  List<String> ignore = new ArrayList<>();

  @Option(
      names = {"-m", "--max-errors"},
      defaultValue = "10",
      paramLabel = "N",
      description =
          "errors to report before stopping, 0 or less for all (default: ${DEFAULT-VALUE})")
  int maxErrors;

  @Option(
      names = {"-S", "--strict"},
      description =
          "OPA's strict mode: unused imports, assigned variables and function arguments are errors, and in v0 modules"
              + " deprecated builtins and variables named input or data")
  boolean strict;

  @Option(names = "--v0-compatible", description = "read modules as Rego v0 (pre-1.0 syntax)")
  boolean v0Compatible;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (paths.isEmpty()) {
      err.println("Error: specify at least one file");
      err.println(spec.commandLine().getUsageMessage());
      err.flush();
      return 1;
    }
    RegoVersion version = v0Compatible ? RegoVersion.V0 : RegoVersion.V1;
    CapabilitiesFile caps;
    LoadedPolicy loaded;
    try {
      caps = capabilities == null ? null : CapabilitiesFile.read(capabilities);
    } catch (CapabilitiesFile.CapabilitiesException e) {
      err.println("Error: " + e.getMessage());
      err.println(spec.commandLine().getUsageMessage());
      err.flush();
      return 1;
    }
    try {
      for (Path p : paths) {
        if (!Files.exists(p)) {
          throw new PolicyLoadException("stat " + p + ": no such file or directory");
        }
      }
      loaded =
          bundle
              ? PolicyLoader.load(
                  List.of(), paths, version, ignore, BundleLoader.Options.defaults())
              : PolicyLoader.load(
                  paths, List.of(), version, ignore, BundleLoader.Options.defaults());
    } catch (PolicyLoadException e) {
      return report(true, List.of(RegoError.of("", e.getMessage())), err);
    }
    List<Module> modules = new ArrayList<>();
    List<RegoError> parseErrors = new ArrayList<>();
    for (Map.Entry<String, String> m : loaded.modules().entrySet()) {
      RegoVersion v = loaded.versions().getOrDefault(m.getKey(), version);
      if (caps != null && v == RegoVersion.V1 && !caps.regoV1()) {
        return report(
            true,
            List.of(
                RegoError.of(
                    RegoError.PARSE,
                    "illegal capabilities: rego_v1 feature required for parsing v1 Rego")),
            err);
      }
      try {
        modules.add(Parser.parseModule(m.getKey(), m.getValue(), v));
      } catch (RegoException e) {
        parseErrors.addAll(e.errors());
      }
    }
    if (!parseErrors.isEmpty()) {
      return report(true, parseErrors, err);
    }
    List<RegoError> errors = new ArrayList<>();
    try {
      loaded.builder(EngineOptions.defaults()).regoVersion(version).compile();
    } catch (RegoException e) {
      errors.addAll(e.errors());
    }
    if (caps != null) {
      errors.addAll(caps.undefinedCalls(modules));
    }
    if (strict) {
      List<RegoError> strictErrors = StrictChecks.check(modules);
      if (strictErrors.stream().anyMatch(e -> e.message().startsWith("assigned var "))) {
        // OPA checks assignments in a stage before the one that finds unused `some` variables,
        // and stops there
        errors.removeIf(
            e -> e.message().startsWith("declared var ") && e.message().endsWith(" unused"));
      }
      errors.addAll(strictErrors);
    }
    if (errors.isEmpty()) {
      return 0;
    }
    return report(false, limit(sorted(errors)), err);
  }

  /** As OPA orders a compiler's errors: by file, line, column, then message. */
  private static List<RegoError> sorted(List<RegoError> errors) {
    return errors.stream()
        .filter(e -> !e.message().equals("error limit reached"))
        .distinct()
        .sorted(
            Comparator.comparing((RegoError e) -> e.location().isPresent())
                .thenComparing(e -> e.location().map(RegoError.Location::file).orElse(""))
                .thenComparingInt(e -> e.location().map(RegoError.Location::row).orElse(0))
                .thenComparingInt(e -> e.location().map(RegoError.Location::col).orElse(0))
                .thenComparing(RegoError::message))
        .toList();
  }

  /** At most {@code --max-errors}, then OPA's "error limit reached". */
  private List<RegoError> limit(List<RegoError> errors) {
    if (maxErrors <= 0 || errors.size() <= maxErrors) {
      return errors;
    }
    List<RegoError> out = new ArrayList<>(errors.subList(0, maxErrors));
    out.add(RegoError.of(RegoError.COMPILE, "error limit reached"));
    return out;
  }

  private int report(boolean loading, List<RegoError> errors, PrintWriter err) {
    if (format == Format.json) {
      err.println(EvalReport.checkJson(errors));
    } else {
      err.println(text(loading, errors));
    }
    err.flush();
    return 1;
  }

  /** {@code 1 error occurred[ during loading]: ...} or {@code N errors occurred...:\n...}. */
  private static String text(boolean loading, List<RegoError> errors) {
    String where = loading ? " during loading" : "";
    List<String> lines = new ArrayList<>();
    for (RegoError e : errors) {
      String line = e.code().isEmpty() ? e.message() : loading ? e.describe() : e.toString();
      lines.add(line);
    }
    return errors.size() == 1
        ? "1 error occurred" + where + ": " + lines.get(0)
        : errors.size() + " errors occurred" + where + ":\n" + String.join("\n", lines);
  }
}
