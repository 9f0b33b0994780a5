package io.jrego.engine.tester;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.QueryOptions;
import io.jrego.engine.RegoError;
import io.jrego.engine.RegoException;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.tester.TestResult.Status;
import io.jrego.engine.value.BooleanValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Runs Rego unit tests as {@code opa test} does: every rule named {@code test_*} in any package is
 * evaluated with no input, and passes when it is defined and exactly {@code true}; anything else
 * fails, an evaluation error is an error, and {@code todo_test_*} rules are skipped.
 *
 * <pre>{@code
 * LoadedPolicy loaded = PolicyLoader.load(List.of(Path.of("rego-policies/ai-gateway")), RegoVersion.V1);
 * PreparedPolicy policy = loaded.builder(EngineOptions.defaults()).compile();
 * List<TestResult> results = TestRunner.run(policy, name -> true);
 * }</pre>
 */
public final class TestRunner {

  private TestRunner() {}

  /**
   * Runs the test rules of {@code policy}; a rule defined in several pieces is one test, at its
   * first definition.
   *
   * @param filter which tests to run, given their full name ({@code data.pkg.test_x})
   * @return one result per test, ordered by file and line
   */
  public static List<TestResult> run(PreparedPolicy policy, Predicate<String> filter) {
    return run(policy, filter, QueryOptions.none());
  }

  /**
   * Runs the test rules of {@code policy} as {@link #run(PreparedPolicy, Predicate)} does, passing
   * {@code options} to every test's query (to record coverage across all of them, say).
   */
  public static List<TestResult> run(
      PreparedPolicy policy, Predicate<String> filter, QueryOptions options) {
    Map<String, RuleInfo> tests = new LinkedHashMap<>();
    for (RuleInfo r : policy.rules()) {
      if (r.name().startsWith("test_") || r.name().startsWith("todo_test_")) {
        tests.merge(r.path(), r, (a, b) -> compareLocation(a, b) <= 0 ? a : b);
      }
    }
    List<RuleInfo> rules = new ArrayList<>(tests.values());
    rules.sort(TestRunner::compareLocation);
    List<TestResult> results = new ArrayList<>();
    for (RuleInfo r : rules) {
      if (filter.test(r.path())) {
        results.add(runOne(policy, r, options));
      }
    }
    return results;
  }

  private static int compareLocation(RuleInfo a, RuleInfo b) {
    return Comparator.comparing((RuleInfo r) -> r.location().file())
        .thenComparingInt(r -> r.location().row())
        .thenComparingInt(r -> r.location().col())
        .compare(a, b);
  }

  private static String packageOf(RuleInfo r) {
    String p = r.path();
    return p.endsWith("." + r.name()) ? p.substring(0, p.length() - r.name().length() - 1) : p;
  }

  private static TestResult runOne(PreparedPolicy policy, RuleInfo r, QueryOptions options) {
    if (r.name().startsWith("todo_")) {
      return result(r, Status.SKIPPED, Duration.ZERO, List.of());
    }
    String ref = r.path();
    if (r.function()) {
      return result(
          r,
          Status.ERROR,
          Duration.ZERO,
          List.of(
              RegoError.of(RegoError.TYPE, "function " + ref + " used as reference, not called")));
    }
    long start = System.nanoTime();
    try {
      List<QueryResult> rs = policy.query(ref, Optional.empty(), options);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      boolean pass =
          !rs.isEmpty()
              && !rs.get(0).expressions().isEmpty()
              && rs.get(0).expressions().get(0).equals(BooleanValue.TRUE);
      return result(r, pass ? Status.PASS : Status.FAIL, took, List.of());
    } catch (RegoException e) {
      return result(r, Status.ERROR, Duration.ofNanos(System.nanoTime() - start), e.errors());
    }
  }

  private static TestResult result(
      RuleInfo r, Status status, Duration took, List<RegoError> errors) {
    return new TestResult(packageOf(r), r.name(), r.location(), status, took, errors);
  }
}
