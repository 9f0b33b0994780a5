package io.jrego.server.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that decides on the certificate chain alone: the socket and engine forms of each
 * check come down to the plain one, so a subclass writes only {@code checkClientTrusted}, {@code
 * checkServerTrusted} and {@code getAcceptedIssuers}. Host-name checks, which the JDK ties to the
 * socket or engine form, are thereby left out, as SPIFFE wants: an SVID names no host.
 */
abstract class ChainTrustManager extends X509ExtendedTrustManager {

  @Override
  public final void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public final void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public final void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public final void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }
}
