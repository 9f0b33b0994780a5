package io.jrego.engine.bundle;

import java.nio.file.Path;

/**
 * A bundle could not be read, was refused or did not verify: the message names the file (or archive
 * entry) and what is wrong with it, {@link #kind()} which sort of problem it is.
 */
public final class BundleException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for metrics and alerts; the message says the details. */
  public enum Kind {
    /** Not a valid bundle: archive, manifest, data, modules, roots. */
    INVALID,
    /** Over one of the {@link BundleLimits}: size, file count, nesting depth, memory. */
    LIMIT,
    /** The signature is missing or does not verify. */
    SIGNATURE
  }

  private final Kind kind;

  BundleException(String message) {
    this(Kind.INVALID, message, null);
  }

  BundleException(String message, Throwable cause) {
    this(Kind.INVALID, message, cause);
  }

  BundleException(Path file, String problem, Throwable cause) {
    this(Kind.INVALID, file + ": " + problem, cause);
  }

  BundleException(Path file, String problem) {
    this(Kind.INVALID, file + ": " + problem, null);
  }

  private BundleException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** A limit of {@link BundleLimits} was passed. */
  static BundleException limit(String message) {
    return new BundleException(Kind.LIMIT, message, null);
  }

  /** The same failure, as a signature problem. */
  BundleException asSignature() {
    return new BundleException(Kind.SIGNATURE, getMessage(), getCause());
  }

  public Kind kind() {
    return kind;
  }
}
