package io.jrego.engine.tester;

/** Policy files could not be read: a missing path, unreadable data, or data that conflicts. */
public final class PolicyLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public PolicyLoadException(String message) {
    super(message);
  }

  public PolicyLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
