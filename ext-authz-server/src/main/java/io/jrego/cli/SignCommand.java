package io.jrego.cli;

import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleLimits;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.BundleSignatures;
import io.jrego.engine.bundle.BundleWriter;
import io.jrego.engine.bundle.SigningConfig;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jrego sign}: writes a bundle's {@code .signatures.json} as {@code opa sign} does. A
 * tarball is rewritten with the signatures inside ({@code -o} for another file); a folder gets
 * {@code .signatures.json} at its top.
 */
@Command(
    name = "sign",
    mixinStandardHelpOptions = true,
    description = "Sign a bundle (folder or .tar.gz), writing .signatures.json as opa sign does.")
public final class SignCommand implements Callable<Integer>, JregoCommand.UsesEnvironment {

  /** The signing options {@code jrego build} shares; keys are read by {@link KeyFiles}. */
  static final class SigningOptions {
    @Option(
        names = "--signing-key",
        paramLabel = "FILE",
        description =
            "File holding the PEM private key (RS*, PS*, ES*) or the HMAC secret's bytes (HS*).")
    Path key;

    @Option(
        names = "--signing-secret-env",
        paramLabel = "VAR",
        description =
            "HS* only, instead of --signing-key: the HMAC secret is the value of environment"
                + " variable VAR.")
    String secretEnv;

    @Option(
        names = "--signing-alg",
        defaultValue = "RS256",
        paramLabel = "ALG",
        description = "RS256/384/512, PS256/384/512, ES256/384/512 or HS256/384/512.")
    String algorithm;

    @Option(
        names = "--signing-key-id",
        defaultValue = "default",
        paramLabel = "ID",
        description = "The kid header (and keyid claim without --claims-file).")
    String keyId;

    @Option(
        names = "--claims-file",
        paramLabel = "FILE",
        description = "JSON object of claims for the signature's payload, e.g. {\"scope\": ...}.")
    Path claimsFile;

    boolean present() {
      return key != null || secretEnv != null;
    }

    /**
     * The signing configuration; the key is read and checked now.
     *
     * @throws KeyFiles.KeyException if the key cannot be read or cannot sign with the algorithm
     */
    SigningConfig config(Map<String, String> env) throws IOException, KeyFiles.KeyException {
      String keyText =
          KeyFiles.fileOrEnv(
              "--signing-key", key, "--signing-secret-env", secretEnv, algorithm, env);
      Optional<ObjectValue> claims = Optional.empty();
      if (claimsFile != null) {
        try {
          if (!(Json.parse(Files.readString(claimsFile, StandardCharsets.UTF_8))
              instanceof ObjectValue o)) {
            throw new IOException("--claims-file " + claimsFile + ": not a JSON object");
          }
          claims = Optional.of(o);
        } catch (Json.JsonException e) {
          throw new IOException("--claims-file " + claimsFile + ": " + e.getMessage(), e);
        }
      }
      SigningConfig config = new SigningConfig(algorithm, keyText, keyId, claims);
      try {
        BundleSignatures.checkKey(config);
      } catch (BundleException e) {
        String from = key != null ? "--signing-key " + key : "--signing-secret-env " + secretEnv;
        throw new KeyFiles.KeyException(
            from + " (--signing-alg " + algorithm + "): " + e.getMessage(), e);
      }
      return config;
    }
  }

  @Spec CommandSpec spec;

  /** Where --signing-secret-env is read: the process's environment, or a test's. */
  Map<String, String> env = System.getenv();

  @Override
  public void useEnvironment(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Parameters(index = "0", paramLabel = "BUNDLE", description = "bundle folder or .tar.gz")
  Path bundle;

  @Mixin SigningOptions signing;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "For a tarball: write the signed bundle here instead of in place.")
  Path output;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (!signing.present()) {
      err.println("jrego sign: --signing-key or --signing-secret-env is required");
      return 2;
    }
    try {
      SigningConfig config = signing.config(env);
      SortedMap<String, byte[]> files =
          BundleSignatures.sign(BundleLoader.readFiles(bundle, BundleLimits.defaults()), config);
      if (Files.isDirectory(bundle)) {
        Files.write(bundle.resolve(".signatures.json"), files.get(".signatures.json"));
      } else {
        writeAtomically(output != null ? output : bundle, BundleWriter.toBytes(files));
      }
      return 0;
    } catch (BundleException | IOException | KeyFiles.KeyException e) {
      err.println("jrego sign: " + e.getMessage());
      return 1;
    }
  }

  /** Writes beside the target, then renames, so a watcher never reads half a bundle. */
  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path abs = target.toAbsolutePath();
    Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
