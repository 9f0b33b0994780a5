package io.jrego.cli;

import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleSignatures;
import io.jrego.engine.bundle.VerificationConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How {@code jrego serve} and {@code jrego eval -b} verify bundle signatures: the same options,
 * read by {@link KeyFiles}, and the key checked before anything is loaded.
 */
final class VerificationOptions {

  @Option(
      names = "--verification-key",
      paramLabel = "FILE",
      description =
          "Verify bundles' .signatures.json with the key in FILE: a PEM public key or certificate"
              + " (RS*, PS*, ES*) or the HMAC secret's bytes (HS*). A file that cannot be read"
              + " is an error.")
  Path keyFile;

  @Option(
      names = "--verification-secret-env",
      paramLabel = "VAR",
      description =
          "HS* only, instead of --verification-key: the HMAC secret is the value of environment"
              + " variable VAR.")
  String secretEnv;

  @Option(
      names = "--verification-key-id",
      defaultValue = "default",
      paramLabel = "ID",
      description = "The verification key's id.")
  String keyId;

  @Option(
      names = "--verification-alg",
      defaultValue = "RS256",
      paramLabel = "ALG",
      description = "The verification key's algorithm.")
  String algorithm;

  @Option(
      names = "--verification-scope",
      defaultValue = "",
      paramLabel = "SCOPE",
      description = "The scope claim bundles' signatures must carry.")
  String scope;

  /**
   * The verification to apply, empty when no key is given; the key is read and checked now.
   *
   * @throws KeyFiles.KeyException if the key cannot be read or cannot verify the algorithm
   */
  Optional<VerificationConfig> config(Map<String, String> env) throws KeyFiles.KeyException {
    if (keyFile == null && secretEnv == null) {
      return Optional.empty();
    }
    return Optional.of(
        config(
            "--verification-key",
            keyFile,
            "--verification-secret-env",
            secretEnv,
            "--verification-alg",
            algorithm,
            keyId,
            scope,
            env));
  }

  /**
   * The verification of one named bundle of the config file, with its own key; the key is read and
   * checked now, and a failure names the bundle.
   *
   * @throws KeyFiles.KeyException if the key cannot be read or cannot verify the algorithm
   */
  static VerificationConfig config(Workloads.NamedBundle b, Map<String, String> env)
      throws KeyFiles.KeyException {
    String at = "bundles." + b.name() + ".";
    return config(
        at + "verification-key",
        b.keyFile().orElse(null),
        at + "verification-secret-env",
        b.secretEnv().orElse(null),
        at + "verification-alg",
        b.algorithm(),
        b.keyId(),
        b.scope(),
        env);
  }

  private static VerificationConfig config(
      String keyOption,
      Path keyFile,
      String envOption,
      String secretEnv,
      String algOption,
      String algorithm,
      String keyId,
      String scope,
      Map<String, String> env)
      throws KeyFiles.KeyException {
    String key = KeyFiles.fileOrEnv(keyOption, keyFile, envOption, secretEnv, algorithm, env);
    VerificationConfig config = new VerificationConfig(algorithm, key, keyId, scope, List.of());
    try {
      BundleSignatures.checkKey(config);
    } catch (BundleException e) {
      String from = keyFile != null ? keyOption + " " + keyFile : envOption + " " + secretEnv;
      throw new KeyFiles.KeyException(
          from + " (" + algOption + " " + algorithm + "): " + e.getMessage(), e);
    }
    return config;
  }
}
