package io.jrego.engine.bundle;

import java.nio.file.Path;

/**
 * A bundle could not be read, was refused or did not verify: the message names the file (or archive
 * entry) and what is wrong with it.
 */
public final class BundleException extends Exception {
  private static final long serialVersionUID = 1L;

  BundleException(String message) {
    super(message);
  }

  BundleException(String message, Throwable cause) {
    super(message, cause);
  }

  BundleException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }

  BundleException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
