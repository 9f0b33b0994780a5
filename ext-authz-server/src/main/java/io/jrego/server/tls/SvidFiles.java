package io.jrego.server.tls;

import java.nio.file.Path;

/**
 * Where an X.509 SVID is read from: the files a SPIFFE agent's helper keeps up to date (SPIRE's
 * {@code spiffe-helper} writes {@code svid.pem}, {@code svid_key.pem} and {@code bundle.pem} by
 * default, replacing them before each SVID expires).
 *
 * @param certificate the SVID, leaf first, then any intermediates (PEM)
 * @param key the SVID's private key (PEM, PKCS#8)
 * @param bundle the trust bundle: the CA certificates that callers' SVIDs must chain to (PEM)
 */
public record SvidFiles(Path certificate, Path key, Path bundle) implements SvidSource {

  /** The three files by their usual names in {@code dir}. */
  public static SvidFiles inDirectory(Path dir) {
    return new SvidFiles(
        dir.resolve("svid.pem"), dir.resolve("svid_key.pem"), dir.resolve("bundle.pem"));
  }
}
