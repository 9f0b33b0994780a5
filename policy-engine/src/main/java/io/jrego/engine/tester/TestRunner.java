package io.jrego.engine.tester;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedPolicy.QueryResult;
import io.jrego.engine.RuleInfo;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.tester.TestResult.Status;
import io.jrego.engine.tester.TestResult.SubResult;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Runs Rego unit tests as {@code opa test} does: every rule named {@code test_*} in any package is
 * evaluated with no input, and passes when it is defined and exactly {@code true}; anything else
 * fails, an evaluation error is an error, and {@code todo_test_*} rules are skipped. A parametrized
 * test ({@code test_x[name] if ...}) passes when every case it reached is {@code true}; each case
 * is reported as a sub-result.
 *
 * <p>The policy should be compiled with {@link io.jrego.engine.Rego.Builder#testMode(boolean)}, so
 * that a test defined twice runs twice ({@code test_x}, {@code test_x#01}) and parametrized tests
 * report the cases that failed as well as those that passed.
 *
 * <pre>{@code
 * LoadedPolicy loaded = PolicyLoader.load(List.of(Path.of("rego-policies/ai-gateway")), RegoVersion.V1);
 * PreparedPolicy policy = loaded.builder(EngineOptions.defaults()).testMode(true).compile();
 * List<TestResult> results = TestRunner.run(policy, name -> true);
 * }</pre>
 */
public final class TestRunner {

  private TestRunner() {}

  /**
   * Runs the test rules of {@code policy}.
   *
   * @param filter which tests to run, given their full name ({@code data.pkg.test_x}, {@code
   *     data.pkg["test_x#01"]})
   * @return one result per test, ordered by file and line
   */
  public static List<TestResult> run(PreparedPolicy policy, Predicate<String> filter) {
    return run(policy, filter, QueryOptions.none());
  }

  /**
   * Runs the test rules of {@code policy} as {@link #run(PreparedPolicy, Predicate)} does, passing
   * {@code options} to every test's query (to record coverage across all of them, say). Each test's
   * {@code print} output is captured into its result.
   */
  public static List<TestResult> run(
      PreparedPolicy policy, Predicate<String> filter, QueryOptions options) {
    List<RuleInfo> rules = new ArrayList<>();
    for (RuleInfo r : policy.rules()) {
      if (r.name().startsWith("test_") || r.name().startsWith("todo_test_")) {
        rules.add(r);
      }
    }
    rules.sort(
        Comparator.comparing((RuleInfo r) -> r.location().file())
            .thenComparingInt(r -> r.location().row())
            .thenComparingInt(r -> r.location().col()));
    List<TestResult> results = new ArrayList<>();
    for (RuleInfo r : rules) {
      if (filter.test(r.path())) {
        results.add(runOne(policy, r, options));
      }
    }
    return results;
  }

  /** {@code data.pkg} of {@code data.pkg.test_x} or {@code data.pkg["test_x#01"]}. */
  private static String packageOf(RuleInfo r) {
    String p = r.path();
    for (String tail : List.of("." + r.name(), "[" + StringValue.of(r.name()) + "]")) {
      if (p.endsWith(tail)) {
        return p.substring(0, p.length() - tail.length());
      }
    }
    return p;
  }

  private static TestResult runOne(PreparedPolicy policy, RuleInfo r, QueryOptions options) {
    if (r.name().startsWith("todo_")) {
      return result(r, Status.SKIPPED, Duration.ZERO, List.of(), "", new TreeMap<>());
    }
    if (r.function()) {
      return result(
          r,
          Status.ERROR,
          Duration.ZERO,
          List.of(
              RegoError.of(
                  RegoError.TYPE, "function " + r.path() + " used as reference, not called")),
          "",
          new TreeMap<>());
    }
    StringBuilder output = new StringBuilder();
    List<Value> cases = new ArrayList<>();
    QueryOptions opts = options.print(line -> output.append(line).append('\n'));
    if (r.parametrized()) {
      opts = opts.testCases(cases::add);
    }
    long start = System.nanoTime();
    try {
      List<QueryResult> rs = policy.query(r.path(), Optional.empty(), opts);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      Value v =
          rs.isEmpty() || rs.get(0).expressions().isEmpty() ? null : rs.get(0).expressions().get(0);
      SortedMap<String, Node> subs = new TreeMap<>();
      boolean pass;
      if (v == null) {
        pass = false;
      } else if (r.parametrized()) {
        pass = !subResults(v, subs);
        for (Value c : cases) {
          if (c instanceof ArrayValue path && update(subs, path, 0)) {
            pass = false;
          }
        }
      } else {
        pass = v.equals(BooleanValue.TRUE);
      }
      return result(r, pass ? Status.PASS : Status.FAIL, took, List.of(), output.toString(), subs);
    } catch (RegoException e) {
      return result(
          r,
          Status.ERROR,
          Duration.ofNanos(System.nanoTime() - start),
          e.errors(),
          output.toString(),
          new TreeMap<>());
    }
  }

  /** A sub-result while it is being built. */
  private static final class Node {
    final String name;
    boolean fail;
    final SortedMap<String, Node> children = new TreeMap<>();

    Node(String name, boolean fail) {
      this.name = name;
      this.fail = fail;
    }

    SubResult freeze() {
      SortedMap<String, SubResult> c = new TreeMap<>();
      children.forEach((k, n) -> c.put(k, n.freeze()));
      return new SubResult(name, fail, c);
    }
  }

  /** Fills {@code into} from a parametrized test's value; whether any case failed. */
  private static boolean subResults(Value v, SortedMap<String, Node> into) {
    boolean[] fail = {false};
    if (v instanceof ObjectValue o) {
      o.forEach(
          (k, x) -> {
            String name = caseName(k);
            Node n;
            if (x instanceof ObjectValue) {
              n = new Node(name, false);
              n.fail = subResults(x, n.children);
            } else {
              n = new Node(name, !x.equals(BooleanValue.TRUE));
            }
            into.put(name, n);
            fail[0] |= n.fail;
          });
    }
    return fail[0];
  }

  /**
   * Records a case the body reached ({@code internal.test_case}); one that is not in the test's
   * value failed. Returns whether the case failed.
   */
  private static boolean update(SortedMap<String, Node> level, ArrayValue path, int i) {
    if (i >= path.size()) {
      return true;
    }
    String k = caseName(path.get(i));
    Node n = level.computeIfAbsent(k, name -> new Node(name, true));
    if (i == path.size() - 1) {
      return n.fail;
    }
    boolean fail = update(n.children, path, i + 1);
    n.fail |= fail;
    return fail;
  }

  /** A key as OPA names a case: a string as it is, any other value as JSON. */
  private static String caseName(Value k) {
    return k instanceof StringValue s ? s.value() : Json.write(k);
  }

  private static TestResult result(
      RuleInfo r,
      Status status,
      Duration took,
      List<RegoError> errors,
      String output,
      SortedMap<String, Node> subs) {
    SortedMap<String, SubResult> frozen = new TreeMap<>();
    subs.forEach((k, n) -> frozen.put(k, n.freeze()));
    return new TestResult(
        packageOf(r), r.name(), r.location(), status, took, errors, output, frozen);
  }
}
