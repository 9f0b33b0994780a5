package io.jrego.engine.base;

import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Optional;

/**
 * One problem found while parsing, compiling or evaluating a policy, as OPA reports it: a stable
 * code, a message, and where in the source it is.
 *
 * @param code OPA's error code, such as {@code rego_parse_error}, {@code rego_compile_error},
 *     {@code rego_unsafe_var_error}, {@code rego_type_error}, {@code rego_recursion_error}, {@code
 *     eval_type_error}, {@code eval_builtin_error}, {@code eval_conflict_error}
 * @param message what is wrong, in words
 * @param location where, when known
 * @param details what OPA adds to some type errors (the types a call had and wanted, the part of a
 *     reference that does not exist), when there is such a thing
 * @param stackTrace for evaluation errors, the queries being evaluated when it happened, innermost
 *     first (OPA's {@code stack_trace}); empty for others
 */
public record RegoError(
    String code,
    String message,
    Optional<Location> location,
    Optional<Details> details,
    List<Frame> stackTrace) {

  public static final String PARSE = "rego_parse_error";
  public static final String COMPILE = "rego_compile_error";
  public static final String UNSAFE_VAR = "rego_unsafe_var_error";
  public static final String TYPE = "rego_type_error";
  public static final String RECURSION = "rego_recursion_error";
  public static final String EVAL_TYPE = "eval_type_error";
  public static final String EVAL_BUILTIN = "eval_builtin_error";
  public static final String EVAL_CONFLICT = "eval_conflict_error";
  public static final String EVAL_CANCEL = "eval_cancel_error";
  public static final String EVAL_LIMIT = "eval_limit_error";

  public RegoError {
    stackTrace = List.copyOf(stackTrace);
  }

  /** An error without a stack trace. */
  public RegoError(
      String code, String message, Optional<Location> location, Optional<Details> details) {
    this(code, message, location, details, List.of());
  }

  /** This error with {@code frames} as its stack trace. */
  public RegoError withStackTrace(List<Frame> frames) {
    return new RegoError(code, message, location, details, frames);
  }

  /**
   * One query of a {@link #stackTrace}: a rule or function body, a comprehension, a negated
   * expression, an {@code every}'s domain or body, or the query itself (id 0).
   *
   * @param queryId which query, numbered in the order evaluation entered them
   * @param location the expression that query was evaluating
   */
  public record Frame(int queryId, Location location) {}

  /** An error with no location. */
  public static RegoError of(String code, String message) {
    return new RegoError(code, message, Optional.empty(), Optional.empty());
  }

  /** An error at {@code location}. */
  public static RegoError at(String code, String message, Location location) {
    return new RegoError(code, message, Optional.of(location), Optional.empty());
  }

  /** An error at {@code location} (when not null) with details. */
  public static RegoError at(String code, String message, Location location, Details details) {
    return new RegoError(code, message, Optional.ofNullable(location), Optional.of(details));
  }

  /**
   * The structured part of an error, as OPA writes it: lines printed under the message, and the
   * {@code details} member of the error's JSON.
   */
  public interface Details {
    /** The lines printed below the message, each after a tab. */
    List<String> lines();

    /** The JSON object OPA writes as the error's {@code details}. */
    Value json();
  }

  /**
   * A position in a source file, 1-based.
   *
   * @param file the file name as given to the compiler
   * @param row the line
   * @param col the column
   * @param lineText the source line, for printing a caret under the column; may be empty
   */
  public record Location(String file, int row, int col, String lineText) {
    @Override
    public String toString() {
      return file + ":" + row + ":" + col;
    }
  }

  /**
   * {@code file:row: code: message} ({@code row:col} when the source has no file name), as OPA
   * prints an error, with the details' lines below it.
   */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(
            location
                .map(
                    l ->
                        (l.file().isEmpty() ? l.row() + ":" + l.col() : l.file() + ":" + l.row())
                            + ": ")
                .orElse(""));
    sb.append(code).append(": ").append(message);
    details.ifPresent(d -> d.lines().forEach(line -> sb.append("\n\t").append(line)));
    return sb.toString();
  }

  /** The error with its source line and a caret under the column, when the line is known. */
  public String describe() {
    StringBuilder sb = new StringBuilder(toString());
    location.ifPresent(
        l -> {
          if (!l.lineText().isEmpty()) {
            sb.append('\n').append('\t').append(l.lineText());
            sb.append('\n').append('\t').append(" ".repeat(Math.max(0, l.col() - 1))).append('^');
          }
        });
    return sb.toString();
  }
}
