package io.jrego.server.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Verifies a caller's certificate chain against the current trust bundle (PKIX, no host name: a
 * SPIFFE ID is checked by {@link SpiffeAuthorizer}); a chain that does not verify fails the
 * handshake and is counted.
 */
final class SvidTrustManager extends ChainTrustManager {

  private final SvidKeyManager sets;
  private final Runnable onRefused;

  SvidTrustManager(SvidKeyManager sets, Runnable onRefused) {
    this.sets = sets;
    this.onRefused = onRefused;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      sets.current().trust().checkClientTrusted(chain, authType);
    } catch (CertificateException | RuntimeException e) {
      onRefused.run();
      throw e;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("jrego's SVID trust manager verifies callers only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return sets.current().bundle().toArray(X509Certificate[]::new);
  }
}
