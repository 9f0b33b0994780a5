package io.jrego.cli;

import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the keys and secrets every command uses ({@code serve} and {@code eval -b} verifying,
 * {@code build} and {@code sign} signing, the bundle service's token) one way.
 *
 * <p>A key option always names a file: the file's content is the key (a PEM key, or the HMAC
 * secret's exact bytes). A path that does not exist is an error, never a secret: a secret volume
 * that is not mounted must not turn its mount path into the key. An HMAC secret given as text comes
 * only from an environment variable the command line names explicitly ({@code
 * --verification-secret-env}, {@code --signing-secret-env}), so it is never on the command line and
 * never mistaken for a path.
 */
final class KeyFiles {

  private KeyFiles() {}

  /** A key or secret could not be read; the message names the option and what is wrong. */
  static final class KeyException extends Exception {
    private static final long serialVersionUID = 1L;

    KeyException(String message) {
      super(message);
    }

    KeyException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The text of the file {@code option} names.
   *
   * @throws KeyException if the file is not found, is a folder, cannot be read, is empty or too
   *     large
   */
  static String read(String option, Path file) throws KeyException {
    try {
      return Pem.readFile(option + " " + file, file);
    } catch (PemException e) {
      throw new KeyException(e.getMessage(), e);
    }
  }

  /**
   * The HMAC secret held by environment variable {@code variable}.
   *
   * @throws KeyException if the variable is not set or empty
   */
  static String secretFromEnv(String option, String variable, Map<String, String> env)
      throws KeyException {
    String value = env.get(variable);
    if (value == null) {
      throw new KeyException(option + " " + variable + ": the environment variable is not set");
    }
    if (value.isEmpty()) {
      throw new KeyException(option + " " + variable + ": the environment variable is empty");
    }
    return value;
  }

  /**
   * The key from exactly one of a file and an environment variable.
   *
   * @param fileOption the file option's name, for messages
   * @param file the file, or null
   * @param envOption the environment option's name, for messages
   * @param variable the variable's name, or null
   * @param algorithm the algorithm the key is for: a secret from the environment needs HS*
   * @throws KeyException if both or neither are given, or the one given cannot be read
   */
  static String fileOrEnv(
      String fileOption,
      Path file,
      String envOption,
      String variable,
      String algorithm,
      Map<String, String> env)
      throws KeyException {
    if (file != null && variable != null) {
      throw new KeyException("give " + fileOption + " or " + envOption + ", not both");
    }
    if (file != null) {
      return read(fileOption, file);
    }
    if (variable == null) {
      throw new KeyException(fileOption + " or " + envOption + " is required");
    }
    if (!isHmac(algorithm)) {
      throw new KeyException(
          envOption
              + " holds an HMAC secret, for HS256/384/512; "
              + algorithm
              + " needs a PEM file");
    }
    return secretFromEnv(envOption, variable, env);
  }

  static boolean isHmac(String algorithm) {
    return algorithm.regionMatches(true, 0, "HS", 0, 2);
  }
}
