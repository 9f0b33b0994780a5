package io.jrego.engine.conformance;

import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Optional;

/**
 * One case of OPA's compliance suite, with the fields that matter for scoring (see
 * policy-engine/compliance/README.md).
 *
 * @param file the case file, relative to the cases folder, with {@code /} separators
 * @param index the case's position in its file; {@code file#index} is the case's key
 * @param note OPA's name for the case (not unique)
 * @param query the Rego query to evaluate
 * @param modules module sources, loaded as {@code test-0.rego}, {@code test-1.rego}, ...
 * @param data the base document, when given
 * @param input the input as JSON, when given
 * @param inputTerm the input as a Rego term, when given (takes precedence over {@code input})
 * @param wantResult the expected binding objects, when a result is expected ({@code []}: undefined)
 * @param wantErrorCode the exact error code expected, when given
 * @param wantError a substring of the error text expected, when given
 * @param sortBindings sort array bindings before comparing
 * @param strictError evaluate with strict builtin errors
 * @param ignoreGeneratedVars drop bindings whose names start with {@code __}
 */
record ComplianceCase(
    String file,
    int index,
    String note,
    String query,
    List<String> modules,
    Optional<Value> data,
    Optional<Value> input,
    Optional<String> inputTerm,
    Optional<List<Value>> wantResult,
    Optional<String> wantErrorCode,
    Optional<String> wantError,
    boolean sortBindings,
    boolean strictError,
    boolean ignoreGeneratedVars) {

  /** {@code file#index}, as skips.txt and must-pass.txt name cases. */
  String key() {
    return file + "#" + index;
  }

  /** The folder the case file sits in, as the report groups cases. */
  String topic() {
    int slash = file.lastIndexOf('/');
    return slash < 0 ? "." : file.substring(0, slash);
  }

  boolean expectsError() {
    return wantErrorCode.isPresent() || wantError.isPresent();
  }
}
