package io.jrego.engine.bundle;

import io.jrego.engine.value.ObjectValue;
import java.util.Objects;
import java.util.Optional;

/**
 * How to sign a bundle, as {@code opa build --signing-key} does.
 *
 * @param algorithm the JWS algorithm: RS256/384/512, PS256/384/512, ES256/384/512 or HS256/384/512
 * @param key a PEM private key (PKCS#1, PKCS#8 or SEC1) or, for HS*, the shared secret
 * @param keyId the {@code kid} header and, without claims, the legacy key-id claim; empty for none
 * @param claims extra claims for the payload (e.g. {@code scope}), as {@code --claims-file}
 */
public record SigningConfig(
    String algorithm, String key, String keyId, Optional<ObjectValue> claims) {
  public SigningConfig {
    Objects.requireNonNull(algorithm);
    Objects.requireNonNull(key);
    Objects.requireNonNull(keyId);
    Objects.requireNonNull(claims);
  }
}
