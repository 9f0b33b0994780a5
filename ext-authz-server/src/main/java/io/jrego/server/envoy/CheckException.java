package io.jrego.server.envoy;

/** A check could not be answered from the policy; {@link #reason()} says why. */
public final class CheckException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Reason reason;

  public CheckException(Reason reason, String detail) {
    super(reason.code() + ": " + detail);
    this.reason = reason;
  }

  public CheckException(Reason reason, String detail, Throwable cause) {
    super(reason.code() + ": " + detail, cause);
    this.reason = reason;
  }

  /** The reason code. */
  public Reason reason() {
    return reason;
  }
}
