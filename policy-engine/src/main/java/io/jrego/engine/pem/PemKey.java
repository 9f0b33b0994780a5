package io.jrego.engine.pem;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Optional;

/**
 * A key read from PEM: a private key with its public half where the PEM holds or implies it (SEC1
 * and PKCS#1 pairs, RSA PKCS#8), or a public key alone (PKIX, PKCS#1 public, a certificate's).
 *
 * @param publicKey the public key, empty for a private key whose public half is unknown
 * @param privateKey the private key, empty for a public key or certificate
 */
public record PemKey(Optional<PublicKey> publicKey, Optional<PrivateKey> privateKey) {}
