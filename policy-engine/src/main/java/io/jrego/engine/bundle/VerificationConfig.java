package io.jrego.engine.bundle;

import java.util.List;
import java.util.Objects;

/**
 * How to verify a bundle's {@code .signatures.json}, as OPA's bundle {@code signing} config and
 * {@code --verification-key} do.
 *
 * @param algorithm the JWS algorithm the key is for (RS256, ES256, HS256, ...)
 * @param key a PEM public key or certificate, or for HS* the shared secret
 * @param keyId the key's id; when empty, the token's {@code kid} header (or legacy key-id claim)
 * @param scope the {@code scope} claim the token must carry; empty when it carries none
 * @param excludeFiles bundle paths (globs with {@code *}) left out of the check
 */
public record VerificationConfig(
    String algorithm, String key, String keyId, String scope, List<String> excludeFiles) {
  public VerificationConfig {
    Objects.requireNonNull(algorithm);
    Objects.requireNonNull(key);
    Objects.requireNonNull(keyId);
    Objects.requireNonNull(scope);
    excludeFiles = List.copyOf(excludeFiles);
  }
}
