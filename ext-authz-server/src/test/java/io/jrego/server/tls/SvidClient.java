package io.jrego.server.tls;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.math.BigInteger;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * A gRPC caller as a SPIFFE workload is one: it presents its SVID (or none), verifies jrego's chain
 * against its bundle and jrego's SPIFFE ID (no host name: an SVID has none), and records the serial
 * number of each server certificate it was shown.
 */
final class SvidClient {

  final Set<BigInteger> serverSerials = ConcurrentHashMap.newKeySet();
  private final ChannelCredentials credentials;

  SvidClient(Optional<SvidPki.Issued> svid, String serverId, List<X509Certificate> bundle)
      throws Exception {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (svid.isPresent()) {
      b.keyManager(new Presents(svid.get()));
    }
    // the same PKIX over a bundle that jrego verifies its callers with
    b.trustManager(new ServerIdCheck(SvidMaterial.pkix(bundle), serverId, serverSerials));
    this.credentials = b.build();
  }

  ManagedChannel channel(int port) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
  }

  /** One Check on {@code channel}: the gRPC status code it ended with (OK when answered). */
  static io.grpc.Status.Code check(ManagedChannel channel) {
    try {
      AuthorizationGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(CheckRequest.getDefaultInstance());
      return io.grpc.Status.Code.OK;
    } catch (io.grpc.StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Presents the SVID whatever CAs the server asks for, as a SPIFFE workload does. */
  private static final class Presents extends X509ExtendedKeyManager {
    private final SvidPki.Issued svid;

    Presents(SvidPki.Issued svid) {
      this.svid = svid;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {"svid"};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return "svid";
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return "svid";
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return new X509Certificate[] {svid.cert()};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return svid.keys().getPrivate();
    }
  }

  private static final class ServerIdCheck extends ChainTrustManager {
    private final X509TrustManager pkix;
    private final String serverId;
    private final Set<BigInteger> seen;

    ServerIdCheck(X509TrustManager pkix, String serverId, Set<BigInteger> seen) {
      this.pkix = pkix;
      this.serverId = serverId;
      this.seen = seen;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
      if (!SpiffeIds.ofCertificate(chain[0]).equals(Optional.of(serverId))) {
        throw new CertificateException("server is not " + serverId);
      }
      seen.add(chain[0].getSerialNumber());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a client only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pkix.getAcceptedIssuers();
    }
  }
}
