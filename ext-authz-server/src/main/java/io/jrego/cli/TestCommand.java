package io.jrego.cli;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.Coverage;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import io.jrego.engine.bundle.BundleLoader;
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
import java.time.Duration;
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
 * {@code opa test} does. Exits 0 when every test passed, 2 when one failed, errored or was skipped
 * (0 for skipped with {@code -z}) or coverage is under {@code --threshold}, 1 when the policy did
 * not load or compile, when {@code --fail-on-empty} found no test, or when a test failed while
 * measuring coverage.
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
      description =
          "run only tests whose full name (data.pkg.test_x) matches the regular expression")
  String run;

  @Option(
      names = {"-c", "--coverage"},
      description = "print a JSON coverage report (as opa test --coverage) instead of test results")
  boolean coverage;

  @Option(names = "--v0-compatible", description = "read modules as Rego v0 (pre-1.0 syntax)")
  boolean v0Compatible;

  @Option(
      names = "--ignore",
      split = ",",
      paramLabel = "GLOB",
      description =
          "file and folder names to leave out when loading folders (e.g. '*.yaml', '.*');"
              + " repeatable")
  List<String> ignore = new ArrayList<>();

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "time each test may take, 0 for the default (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(
      names = "--threshold",
      paramLabel = "PERCENT",
      description =
          "measure coverage and exit 2 if it is below PERCENT (prints the coverage report, as"
              + " --coverage does)")
  Double threshold;

  @Option(
      names = {"-z", "--exit-zero-on-skipped"},
      description =
          "exit 0 when every test passed or was skipped (by default a skipped test exits 2)")
  boolean exitZeroOnSkipped;

  @Option(names = "--fail-on-empty", description = "exit 1 when no test was run")
  boolean failOnEmpty;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Pattern filter;
    try {
      filter = run == null ? null : Pattern.compile(run);
    } catch (PatternSyntaxException e) {
      err.println("error parsing regexp: " + e.getDescription() + ": `" + run + "`");
      err.flush();
      return 1;
    }
    LoadedPolicy loaded;
    PreparedPolicy policy;
    try {
      RegoVersion version = v0Compatible ? RegoVersion.V0 : RegoVersion.V1;
      loaded =
          PolicyLoader.load(paths, List.of(), version, ignore, BundleLoader.Options.defaults());
      EngineOptions options = EngineOptions.defaults();
      if (!timeout.isZero()) {
        options = options.withTimeout(timeout);
      }
      policy = loaded.builder(options).regoVersion(version).testMode(true).compile();
    } catch (PolicyLoadException e) {
      return loadFailed(List.of(RegoError.of("", e.getMessage())), err);
    } catch (RegoException e) {
      return loadFailed(e.errors(), err);
    }
    boolean measure = coverage || threshold != null;
    Coverage cover = new Coverage();
    List<TestResult> results =
        TestRunner.run(
            policy,
            name -> filter == null || filter.matcher(name).find(),
            measure ? QueryOptions.withCoverage(cover) : QueryOptions.none());
    if (results.isEmpty() && failOnEmpty) {
      err.println("no tests were run");
      err.flush();
      return 1;
    }
    if (measure) {
      return coverageReport(policy, cover, results, out, err);
    }
    out.print(
        format == Format.json ? TestReport.json(results) : TestReport.pretty(results, verbose));
    out.flush();
    boolean failed =
        results.stream()
            .anyMatch(
                r -> r.status() == TestResult.Status.FAIL || r.status() == TestResult.Status.ERROR);
    boolean skipped = results.stream().anyMatch(r -> r.status() == TestResult.Status.SKIPPED);
    return failed || (skipped && !exitZeroOnSkipped) ? 2 : 0;
  }

  /**
   * As {@code opa test --coverage}: a failed or errored test stops the report (the failures on
   * stdout, the first on stderr, exit 1); coverage under {@code --threshold} exits 2; otherwise the
   * JSON report.
   */
  private int coverageReport(
      PreparedPolicy policy,
      Coverage cover,
      List<TestResult> results,
      PrintWriter out,
      PrintWriter err) {
    for (TestResult r : results) {
      if (r.status() == TestResult.Status.ERROR) {
        err.println(EvalReport.errorText(r.errors()));
        err.flush();
        return 1;
      }
    }
    List<TestResult> failures =
        results.stream().filter(r -> r.status() == TestResult.Status.FAIL).toList();
    if (!failures.isEmpty()) {
      out.print(TestReport.pretty(failures, verbose));
      out.flush();
      err.println(
          TestReport.pretty(failures.subList(0, 1), true).lines().skip(1).findFirst().orElse(""));
      err.flush();
      return 1;
    }
    double percent = CoverageReport.percent(policy.coverableLines(), cover.hits());
    if (threshold != null && percent < threshold) {
      err.printf("Code coverage threshold not met: got %.2f instead of %.2f%n", percent, threshold);
      if (verbose) {
        err.println("Lines not covered:");
        for (String line : CoverageReport.notCovered(policy.coverableLines(), cover.hits())) {
          err.println("\t" + line);
        }
      }
      err.flush();
      return 2;
    }
    out.print(CoverageReport.json(policy.coverableLines(), cover.hits()));
    out.flush();
    return 0;
  }

  private static int loadFailed(List<RegoError> errors, PrintWriter err) {
    err.println(EvalReport.errorText(errors));
    err.flush();
    return 1;
  }
}
