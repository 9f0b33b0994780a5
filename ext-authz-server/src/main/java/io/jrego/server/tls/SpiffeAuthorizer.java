package io.jrego.server.tls;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.jrego.server.admin.ServerMetrics;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Lets a call through only when the caller's verified certificate carries an allowed SPIFFE ID;
 * otherwise closes it before any service code runs: {@code UNAUTHENTICATED} without a certificate
 * or SPIFFE ID, {@code PERMISSION_DENIED} for an ID not allowed. Each refusal is counted in {@code
 * jrego_peers_refused_total{reason}}. The verdict is kept on the TLS session, so the certificate is
 * read once per connection, not per call.
 */
final class SpiffeAuthorizer implements ServerInterceptor {

  private static final String VERDICT = "io.jrego.spiffe.verdict";

  private final AllowedCallers callers;
  private final ServerMetrics metrics;

  SpiffeAuthorizer(AllowedCallers callers, ServerMetrics metrics) {
    this.callers = callers;
    this.metrics = metrics;
  }

  /** Why a caller is refused, with its metric label and gRPC status; or allowed. */
  private record Verdict(String reason, Status status) {
    static final Verdict ALLOWED = new Verdict("", Status.OK);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Verdict v = verdict(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (!v.status().isOk()) {
      metrics.peerRefused(v.reason());
      call.close(v.status(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private Verdict verdict(SSLSession session) {
    if (session == null) {
      return new Verdict(
          "no_tls", Status.UNAUTHENTICATED.withDescription("jrego accepts mTLS callers only"));
    }
    if (session.getValue(VERDICT) instanceof Verdict cached) {
      return cached;
    }
    Verdict v = judge(session);
    try {
      session.putValue(VERDICT, v);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // a session that keeps no values: judged again on the next call
    }
    return v;
  }

  private Verdict judge(SSLSession session) {
    Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      peer = new Certificate[0];
    }
    if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
      return new Verdict(
          "no_certificate",
          Status.UNAUTHENTICATED.withDescription(
              "no client certificate: callers need an X.509 SVID"));
    }
    Optional<String> id = SpiffeIds.ofCertificate(leaf);
    if (id.isEmpty()) {
      return new Verdict(
          "no_spiffe_id",
          Status.UNAUTHENTICATED.withDescription(
              "the client certificate is no X.509 SVID (exactly one URI SAN, a SPIFFE ID)"));
    }
    if (!callers.allows(id.get())) {
      return new Verdict(
          "not_allowed",
          Status.PERMISSION_DENIED.withDescription(id.get() + " may not call jrego"));
    }
    return Verdict.ALLOWED;
  }
}
