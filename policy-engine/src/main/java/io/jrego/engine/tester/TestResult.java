package io.jrego.engine.tester;

import io.jrego.engine.RegoError;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of one Rego test rule, as {@code opa test} reports it.
 *
 * @param packagePath the rule's package as a data reference, such as {@code data.envoy.authz}
 * @param name the rule's name, such as {@code test_allows_orchestrator}
 * @param location where the rule is defined
 * @param status how it ended
 * @param duration how long its evaluation took; zero when skipped
 * @param errors why it errored; empty unless {@link Status#ERROR}
 */
public record TestResult(
    String packagePath,
    String name,
    RegoError.Location location,
    Status status,
    Duration duration,
    List<RegoError> errors) {

  public TestResult {
    errors = List.copyOf(errors);
  }

  /** {@code data.pkg.test_name}, the name {@code --run} matches. */
  public String fullName() {
    return packagePath + "." + name;
  }

  /** How a test ended. */
  public enum Status {
    /** Defined and {@code true}. */
    PASS,
    /** Undefined, or any value other than {@code true}. */
    FAIL,
    /** Evaluation raised an error. */
    ERROR,
    /** Named {@code todo_test_*}: not run. */
    SKIPPED
  }
}
