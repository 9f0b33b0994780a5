package io.jrego.engine.base;

import java.util.List;
import java.util.stream.Collectors;

/** Parsing, compiling or evaluating a policy failed; {@link #errors()} says why and where. */
public final class RegoException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<RegoError> errors;

  public RegoException(List<RegoError> errors) {
    super(summarize(errors));
    this.errors = List.copyOf(errors);
  }

  public RegoException(RegoError error) {
    this(List.of(error));
  }

  /** The errors, at least one. */
  public List<RegoError> errors() {
    return errors;
  }

  /** The code of the first error. */
  public String code() {
    return errors.get(0).code();
  }

  private static String summarize(List<RegoError> errors) {
    if (errors.size() == 1) {
      return errors.get(0).toString();
    }
    return errors.size()
        + " errors occurred:\n"
        + errors.stream().map(RegoError::toString).collect(Collectors.joining("\n"));
  }
}
