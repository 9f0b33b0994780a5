package io.jrego.server.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves the current SVID. A handshake first asks for an alias, then for the chain and key of that
 * alias; each set of files read gets its own alias, and the set before the current one is kept, so
 * a handshake that straddles a rotation still gets a chain and key of one set.
 */
final class SvidKeyManager extends X509ExtendedKeyManager {

  private record Sets(SvidMaterial current, SvidMaterial previous) {}

  private final AtomicReference<Sets> sets = new AtomicReference<>();

  void install(SvidMaterial next) {
    sets.updateAndGet(s -> new Sets(next, s == null ? next : s.current()));
  }

  SvidMaterial current() {
    return sets.get().current();
  }

  private SvidMaterial byAlias(String alias) {
    Sets s = sets.get();
    if (s.current().alias().equals(alias)) {
      return s.current();
    }
    return s.previous().alias().equals(alias) ? s.previous() : null;
  }

  /** The current alias when its key fits the key type the handshake asks for. */
  private String alias(String keyType) {
    SvidMaterial m = current();
    String alg = m.key().getAlgorithm();
    boolean fits =
        keyType == null
            || keyType.equals(alg)
            || keyType.startsWith(alg + "_")
            || (alg.equals("RSA") && keyType.equals("RSASSA-PSS"))
            || (alg.equals("Ed25519") && keyType.equals("EdDSA"));
    return fits ? m.alias() : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    SvidMaterial m = byAlias(alias);
    return m == null ? null : m.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    SvidMaterial m = byAlias(alias);
    return m == null ? null : m.key();
  }

  // A server only: it never presents a client certificate.

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
