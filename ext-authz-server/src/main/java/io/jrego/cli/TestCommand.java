package io.jrego.cli;

import io.jrego.engine.Coverage;
import io.jrego.engine.EngineOptions;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.QueryOptions;
import io.jrego.engine.RegoError;
import io.jrego.engine.RegoException;
import io.jrego.engine.RegoVersion;
import io.jrego.engine.tester.CoverageReport;
import io.jrego.engine.tester.EvalReport;
import io.jrego.engine.tester.LoadedPolicy;
import io.jrego.engine.tester.PolicyLoadException;
import io.jrego.engine.tester.PolicyLoader;
import io.jrego.engine.tester.TestReport;
import io.jrego.engine.tester.TestResult;
import io.jrego.engine.tester.TestRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego test}: runs the {@code test_*} rules of the given policy files and folders, as
 * {@code opa test} does. Exits 0 when every test passed (or was skipped), 2 when one failed or
 * errored, 1 when the policy did not load or compile.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = "Run Rego tests (test_* rules), as opa test does.")
public final class TestCommand implements Callable<Integer> {

  /** Report formats. */
  enum Format {
    pretty,
    json
  }

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "policy and data files or folders")
  List<Path> paths = new ArrayList<>();

  @Option(
      names = {"-v", "--verbose"},
      description = "list every test, not only failures")
  boolean verbose;

  @Option(
      names = {"-f", "--format"},
      defaultValue = "pretty",
      description = "report format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
  Format format;

  @Option(
      names = {"-r", "--run"},
      paramLabel = "REGEX",
      description = "run only tests whose full name (data.pkg.test_x) matches")
  String run;

  @Option(
      names = {"-c", "--coverage"},
      description = "print a JSON coverage report (as opa test --coverage) instead of test results")
  boolean coverage;

  @Option(names = "--v0-compatible", description = "read modules as Rego v0 (pre-1.0 syntax)")
  boolean v0Compatible;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Pattern filter;
    try {
      filter = run == null ? null : Pattern.compile(run);
    } catch (PatternSyntaxException e) {
      err.println("error: --run: " + e.getDescription());
      err.flush();
      return 1;
    }
    LoadedPolicy loaded;
    PreparedPolicy policy;
    try {
      RegoVersion version = v0Compatible ? RegoVersion.V0 : RegoVersion.V1;
      loaded = PolicyLoader.load(paths, version);
      policy = loaded.builder(EngineOptions.defaults()).regoVersion(version).compile();
    } catch (PolicyLoadException e) {
      return loadFailed(List.of(RegoError.of("", e.getMessage())), err);
    } catch (RegoException e) {
      return loadFailed(e.errors(), err);
    }
    Coverage cover = new Coverage();
    List<TestResult> results =
        TestRunner.run(
            policy,
            name -> filter == null || filter.matcher(name).find(),
            coverage ? QueryOptions.withCoverage(cover) : QueryOptions.none());
    if (coverage) {
      out.print(CoverageReport.json(policy.coverableLines(), cover.hits()));
    } else {
      out.print(
          format == Format.json ? TestReport.json(results) : TestReport.pretty(results, verbose));
    }
    out.flush();
    boolean ok =
        results.stream()
            .allMatch(
                r ->
                    r.status() == TestResult.Status.PASS
                        || r.status() == TestResult.Status.SKIPPED);
    return ok ? 0 : 2;
  }

  private static int loadFailed(List<RegoError> errors, PrintWriter err) {
    err.println(EvalReport.errorText(errors));
    err.flush();
    return 1;
  }
}
