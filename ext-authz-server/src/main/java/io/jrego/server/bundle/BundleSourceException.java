package io.jrego.server.bundle;

import io.jrego.engine.bundle.BundleException;
import java.util.Locale;

/**
 * A bundle could not be fetched, read, verified or activated; the message says where and why, the
 * reason (a metric label) which sort of failure it was.
 */
public final class BundleSourceException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Could not be fetched: connection, HTTP status, or the download's deadline. */
  public static final String FETCH = "fetch";

  private final String reason;

  public BundleSourceException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public BundleSourceException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A bundle that was read and refused: its kind ({@code invalid}, {@code limit}, ...). */
  static BundleSourceException refused(BundleException e) {
    return new BundleSourceException(reason(e.kind()), e.getMessage(), e);
  }

  /** The metric label of a refusal of this kind. */
  static String reason(BundleException.Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** Which sort of failure: {@code fetch}, {@code invalid}, {@code limit}, {@code signature}. */
  public String reason() {
    return reason;
  }
}
