package io.jrego.engine.bundle;

import java.nio.file.Path;

/** A bundle folder could not be read: the message names the file and what is wrong with it. */
public final class BundleException extends Exception {
  private static final long serialVersionUID = 1L;

  BundleException(String message) {
    super(message);
  }

  BundleException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }

  BundleException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
