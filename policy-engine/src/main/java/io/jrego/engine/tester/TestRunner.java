package io.jrego.engine.tester;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.RegoError;
import io.jrego.engine.RegoException;
import io.jrego.engine.tester.TestDiscovery.TestRule;
import io.jrego.engine.tester.TestResult.Status;
import io.jrego.engine.value.BooleanValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 * List<TestResult> results = TestRunner.run(policy, loaded.modules(), name -> true);
 * }</pre>
 */
public final class TestRunner {

  private TestRunner() {}

  /**
   * Runs the tests defined in {@code modules} (the sources {@code policy} was compiled from).
   *
   * @param filter which tests to run, given their full name ({@code data.pkg.test_x})
   * @return one result per test, ordered by file and line
   */
  public static List<TestResult> run(
      PreparedPolicy policy, Map<String, String> modules, Predicate<String> filter) {
    List<TestRule> rules = new ArrayList<>(TestDiscovery.find(modules));
    rules.sort(
        Comparator.comparing((TestRule r) -> r.location().file())
            .thenComparingInt(r -> r.location().row()));
    List<TestResult> results = new ArrayList<>();
    for (TestRule r : rules) {
      if (filter.test(r.packagePath() + "." + r.name())) {
        results.add(runOne(policy, r));
      }
    }
    return results;
  }

  private static TestResult runOne(PreparedPolicy policy, TestRule r) {
    if (r.todo()) {
      return result(r, Status.SKIPPED, Duration.ZERO, List.of());
    }
    String ref = r.packagePath() + "." + r.name();
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
      List<QueryResult> rs = policy.query(ref, Optional.empty());
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
      TestRule r, Status status, Duration took, List<RegoError> errors) {
    return new TestResult(r.packagePath(), r.name(), r.location(), status, took, errors);
  }
}
