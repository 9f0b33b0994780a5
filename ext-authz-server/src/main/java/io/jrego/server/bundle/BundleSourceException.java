package io.jrego.server.bundle;

/** A bundle could not be fetched, read, verified or activated; the message says where and why. */
public final class BundleSourceException extends Exception {
  private static final long serialVersionUID = 1L;

  public BundleSourceException(String message) {
    super(message);
  }

  public BundleSourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
