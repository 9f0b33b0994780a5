package io.jrego.engine.pem;

/**
 * PEM text or a PEM file could not be used. The message names where the text came from (a file, an
 * option, "verification key") and what is wrong: "not found", "no PEM block", "not a PEM key", ...
 */
public final class PemException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String problem;

  PemException(String where, String problem) {
    this(where, problem, null);
  }

  PemException(String where, String problem, Throwable cause) {
    super(where + ": " + problem, cause);
    this.problem = problem;
  }

  /** What is wrong, without where: for callers that word their own messages (OPA's builtins). */
  public String problem() {
    return problem;
  }
}
