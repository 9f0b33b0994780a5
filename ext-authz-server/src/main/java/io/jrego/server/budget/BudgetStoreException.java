package io.jrego.server.budget;

/** The budget store cannot answer (Redis unreachable or failing); the message says why. */
public final class BudgetStoreException extends Exception {

  private static final long serialVersionUID = 1L;

  public BudgetStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
