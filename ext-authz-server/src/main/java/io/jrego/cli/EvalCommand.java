package io.jrego.cli;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.tester.EvalReport;
import io.jrego.engine.tester.LoadedPolicy;
import io.jrego.engine.tester.PolicyLoadException;
import io.jrego.engine.tester.PolicyLoader;
import io.jrego.engine.tester.Yaml;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego eval}: evaluates a Rego query against policy and data files, as {@code opa eval}
 * does, with the same output formats and exit codes (0 done, 1 undefined under {@code --fail}, 2 an
 * error).
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluate a Rego query, as opa eval does.")
public final class EvalCommand implements Callable<Integer>, JregoCommand.UsesEnvironment {

  /** The output formats {@code opa eval} offers that jrego supports. */
  enum Format {
    json,
    pretty,
    raw
  }

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "QUERY", description = "the Rego query")
  String query;

  @Option(
      names = {"-d", "--data"},
      paramLabel = "PATH",
      description =
          "policy (.rego) or data (.json, .yaml) file or folder, or a bundle .tar.gz; repeatable")
  List<Path> data = new ArrayList<>();

  @Option(
      names = {"-b", "--bundle"},
      paramLabel = "PATH",
      description = "bundle folder or .tar.gz, read as jrego serve reads it; repeatable")
  List<Path> bundles = new ArrayList<>();

  @Option(
      names = {"-i", "--input"},
      paramLabel = "FILE",
      description = "the input document (.json or .yaml)")
  Path input;

  @Option(
      names = {"-f", "--format"},
      defaultValue = "json",
      description = "output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
  Format format;

  @Option(names = "--v0-compatible", description = "read modules as Rego v0 (pre-1.0 syntax)")
  boolean v0Compatible;

  @Option(
      names = "--strict-builtin-errors",
      description = "a builtin given bad operands fails the query instead of being undefined")
  boolean strictBuiltinErrors;

  @Option(names = "--fail", description = "exit 1 when the result is undefined")
  boolean fail;

  @Mixin VerificationOptions verification = new VerificationOptions();

  /** Where --verification-secret-env is read: the process's environment, or a test's. */
  Map<String, String> env = System.getenv();

  @Override
  public void useEnvironment(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      BundleLoader.Options bundleOptions =
          new BundleLoader.Options(BundleLimits.defaults(), verification.config(env));
      LoadedPolicy loaded =
          PolicyLoader.load(
              data,
              bundles,
              v0Compatible ? RegoVersion.V0 : RegoVersion.V1,
              List.of(),
              bundleOptions);
      Optional<Value> inputDoc = input == null ? Optional.empty() : Optional.of(readInput(input));
      EngineOptions options = EngineOptions.defaults().withStrictBuiltinErrors(strictBuiltinErrors);
      PreparedPolicy policy =
          loaded
              .builder(options)
              .regoVersion(v0Compatible ? RegoVersion.V0 : RegoVersion.V1)
              .printSink( // as opa eval: print() output on stderr, as it happens
                  line -> {
                    err.println(line);
                    err.flush();
                  })
              .compile();
      List<QueryResult> results = policy.query(query, inputDoc);
      switch (format) {
        case json -> out.println(EvalReport.json(EvalReport.resultDocument(query, results)));
        case pretty -> out.print(EvalReport.pretty(query, results));
        case raw -> out.print(EvalReport.raw(results));
      }
      out.flush();
      return fail && results.isEmpty() ? 1 : 0;
    } catch (RegoException e) {
      return report(e.errors(), out, err);
    } catch (PolicyLoadException | KeyFiles.KeyException e) {
      return report(List.of(RegoError.of("", e.getMessage())), out, err);
    }
  }

  private int report(List<RegoError> errors, PrintWriter out, PrintWriter err) {
    if (format == Format.json) {
      out.println(EvalReport.json(EvalReport.errorDocument(errors)));
      out.flush();
    } else {
      err.println(EvalReport.errorText(errors));
      err.flush();
    }
    return 2;
  }

  private static Value readInput(Path file) throws PolicyLoadException {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String name = file.getFileName().toString();
      return name.endsWith(".yaml") || name.endsWith(".yml") ? Yaml.parse(text) : Json.parse(text);
    } catch (IOException | RuntimeException e) {
      throw new PolicyLoadException(file + ": " + e.getMessage(), e);
    }
  }
}
