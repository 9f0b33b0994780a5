package io.jrego.engine.tester;

import io.jrego.engine.base.RegoError;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The outcome of one Rego test rule, as {@code opa test} reports it.
 *
 * @param packagePath the rule's package as a data reference, such as {@code data.envoy.authz}
 * @param name the rule's name, such as {@code test_allows_orchestrator}, or {@code test_x#01} for
 *     the second definition of {@code test_x}
 * @param location where the rule is defined
 * @param status how it ended
 * @param duration how long its evaluation took; zero when skipped
 * @param errors why it errored; empty unless {@link Status#ERROR}
 * @param output what its {@code print} calls wrote, one line each; empty when none
 * @param subResults the cases of a parametrized test ({@code test_x[name] if ...}) by name; empty
 *     for other tests
 */
public record TestResult(
    String packagePath,
    String name,
    RegoError.Location location,
    Status status,
    Duration duration,
    List<RegoError> errors,
    String output,
    SortedMap<String, SubResult> subResults) {

  public TestResult {
    errors = List.copyOf(errors);
    subResults = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(subResults));
  }

  /** A result without print output or sub-results. */
  public TestResult(
      String packagePath,
      String name,
      RegoError.Location location,
      Status status,
      Duration duration,
      List<RegoError> errors) {
    this(packagePath, name, location, status, duration, errors, "", new TreeMap<>());
  }

  /** {@code data.pkg.test_name}, as the report prints it. */
  public String fullName() {
    return packagePath + "." + name;
  }

  /** How a test ended. */
  public enum Status {
    /** Defined and {@code true} (every case, for a parametrized test). */
    PASS,
    /** Undefined, any value other than {@code true}, or a failed case. */
    FAIL,
    /** Evaluation raised an error. */
    ERROR,
    /** Named {@code todo_test_*}: not run. */
    SKIPPED
  }

  /**
   * One case of a parametrized test: {@code test_x[name]} gives one per name, {@code test_x[a][b]}
   * one per {@code a} holding one per {@code b}.
   *
   * @param name the case's key as text (a string as it is, anything else as JSON)
   * @param fail whether the case, or any case under it, failed
   * @param subResults the cases under it; empty for a leaf
   */
  public record SubResult(String name, boolean fail, SortedMap<String, SubResult> subResults) {
    public SubResult {
      subResults = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(subResults));
    }
  }
}
