package io.jrego.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.CheckServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real (Netty) gRPC server serving mTLS with SVID files a test CA made: who gets through, who
 * is refused (and that no policy ran for them), how bad files are reported, and rotation.
 */
class SvidTlsTest {

  static final String JREGO = "spiffe://cluster.local/ns/jrego/sa/jrego";
  static final String ENVOY = "spiffe://cluster.local/ns/edge/sa/envoy";
  static final String OTHER = "spiffe://cluster.local/ns/default/sa/stranger";

  @TempDir Path dir;

  private final AtomicLong evaluations = new AtomicLong();
  private final ServerMetrics metrics = new ServerMetrics();
  private SvidPki pki;
  private CheckServer server;

  @BeforeEach
  void writeFiles() throws Exception {
    pki = new SvidPki("cluster.local");
    SvidPki.writeSpireFiles(dir, pki.svid(JREGO), pki);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private CheckServer start(List<String> allowed) throws IOException {
    server =
        MtlsCheckServer.start(
            new TlsConfig(
                SvidFiles.inDirectory(dir), AllowedCallers.parse(allowed), Duration.ofMillis(50)),
            64,
            evaluations,
            metrics);
    return server;
  }

  private Status.Code callAs(Optional<SvidPki.Issued> svid) throws Exception {
    SvidClient client = new SvidClient(svid, JREGO, List.of(pki.ca()));
    ManagedChannel ch = client.channel(server.port());
    try {
      return SvidClient.check(ch);
    } finally {
      SvidClient.close(ch);
    }
  }

  private String scrape() {
    return metrics.scrape();
  }

  private double gauge(String name) {
    return scrape()
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not exported"));
  }

  @Test
  void anAllowedSpiffeId_isAnswered() throws Exception {
    start(List.of(ENVOY));
    assertThat(callAs(Optional.of(pki.svid(ENVOY)))).isEqualTo(Status.Code.OK);
    assertThat(evaluations).hasValue(1);
    assertThat(scrape()).contains("jrego_svid_reloads_total{result=\"ok\"} 1.0");
    assertThat(scrape()).doesNotContain("jrego_peers_refused_total");
  }

  @Test
  void aPathPattern_allowsTheIdsUnderIt_only() throws Exception {
    start(List.of("spiffe://cluster.local/ns/edge/*"));
    assertThat(callAs(Optional.of(pki.svid(ENVOY)))).isEqualTo(Status.Code.OK);
    assertThat(callAs(Optional.of(pki.svid("spiffe://cluster.local/ns/edgy/sa/x"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(callAs(Optional.of(pki.svid("spiffe://cluster.local/ns/edge"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(evaluations).hasValue(1);
  }

  @Test
  void anotherSpiffeId_isDenied_beforeAnyPolicyRuns() throws Exception {
    start(List.of(ENVOY));
    assertThat(callAs(Optional.of(pki.svid(OTHER)))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(evaluations).hasValue(0);
    assertThat(scrape()).contains("jrego_peers_refused_total{reason=\"not_allowed\"} 1.0");
  }

  @Test
  void noClientCertificate_isUnauthenticated() throws Exception {
    start(List.of(ENVOY));
    assertThat(callAs(Optional.empty())).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(evaluations).hasValue(0);
    assertThat(scrape()).contains("jrego_peers_refused_total{reason=\"no_certificate\"} 1.0");
  }

  @Test
  void aCertificateWithoutOneSpiffeId_isUnauthenticated() throws Exception {
    start(List.of(ENVOY));
    assertThat(callAs(Optional.of(pki.leaf(new GeneralName(GeneralName.dNSName, "envoy")))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(callAs(Optional.of(pki.leaf(SvidPki.uri(ENVOY), SvidPki.uri(OTHER)))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(callAs(Optional.of(pki.leaf(SvidPki.uri("https://cluster.local/ns/edge/sa/envoy")))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(evaluations).hasValue(0);
    assertThat(scrape()).contains("jrego_peers_refused_total{reason=\"no_spiffe_id\"} 3.0");
  }

  @Test
  void aCertificateFromAnotherTrustDomain_failsTheHandshake() throws Exception {
    start(List.of(ENVOY));
    SvidPki other = new SvidPki("evil.example");
    assertThat(callAs(Optional.of(other.svid(ENVOY)))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(evaluations).hasValue(0);
    assertThat(scrape())
        .containsPattern("jrego_peers_refused_total\\{reason=\"untrusted_certificate\"\\} [1-9]");
  }

  @Test
  void anExpiredClientSvid_failsTheHandshake() throws Exception {
    start(List.of(ENVOY));
    SvidPki.Issued expired =
        pki.svid(ENVOY, Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1));
    assertThat(callAs(Optional.of(expired))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(evaluations).hasValue(0);
  }

  @Test
  void badFilesAtStart_areNamedWithWhatIsWrong() throws Exception {
    SvidFiles files = SvidFiles.inDirectory(dir);
    // a key from another SVID
    Files.writeString(
        dir.resolve("svid_key.pem"),
        SvidPki.pem(
            new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
                pki.svid(JREGO).keys().getPrivate(), null)));
    assertThatThrownBy(() -> SvidTls.check(files))
        .isInstanceOf(SvidException.class)
        .hasMessageContaining("svid_key.pem: the private key does not belong to the SVID");

    SvidPki.writeSpireFiles(dir, pki.svid(JREGO), new SvidPki("other.example"));
    assertThatThrownBy(() -> SvidTls.check(files))
        .hasMessageContaining("svid.pem: the SVID does not chain to the trust bundle");

    SvidPki.writeSpireFiles(
        dir, pki.svid(JREGO, Instant.now().minus(Duration.ofDays(2)), Duration.ofDays(1)), pki);
    assertThatThrownBy(() -> SvidTls.check(files))
        .hasMessageContaining("svid.pem: the SVID is valid from");

    SvidPki.writeSpireFiles(dir, pki.svid(JREGO), pki);
    Files.writeString(
        dir.resolve("svid_key.pem"),
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    assertThatThrownBy(() -> SvidTls.check(files))
        .hasMessageContaining("svid_key.pem: a EC PRIVATE KEY block; the SVID key must be PKCS#8");

    Files.delete(dir.resolve("bundle.pem"));
    assertThatThrownBy(() -> SvidTls.check(files)).hasMessageContaining("bundle.pem: not found");

    Files.writeString(dir.resolve("bundle.pem"), "not a certificate");
    assertThatThrownBy(() -> SvidTls.check(files)).hasMessageContaining("bundle.pem:");

    assertThatThrownBy(() -> start(List.of(ENVOY)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("mTLS: ");
  }

  @Test
  void aMissingOrBlocklessKeyFile_isNamedAsSuch() throws Exception {
    SvidFiles files = SvidFiles.inDirectory(dir);
    SvidPki.writeSpireFiles(dir, pki.svid(JREGO), pki);
    Files.delete(dir.resolve("svid_key.pem"));
    assertThatThrownBy(() -> SvidTls.check(files))
        .isInstanceOf(SvidException.class)
        .hasMessageEndingWith("svid_key.pem: not found");
    Files.writeString(dir.resolve("svid_key.pem"), "not pem at all\n");
    assertThatThrownBy(() -> SvidTls.check(files))
        .hasMessageContaining("svid_key.pem: no PEM block");
    Files.writeString(dir.resolve("svid_key.pem"), "");
    assertThatThrownBy(() -> SvidTls.check(files))
        .hasMessageContaining("svid_key.pem: the file is empty");
    Files.writeString(
        dir.resolve("svid_key.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> SvidTls.check(files))
        .hasMessageContaining("svid_key.pem: not an EC, RSA or Ed25519 PKCS#8 private key");
  }

  @Test
  void aHalfWrittenRotation_keepsTheServedSvid_untilTheSetIsWhole() throws Exception {
    SvidPki.Issued first = pki.svid(JREGO);
    SvidPki.writeSpireFiles(dir, first, pki);
    SvidTls tls = startPolledByHand();
    try {
      SvidPki.Issued second = pki.svid(JREGO);
      // the helper has written the new certificate, not yet its key
      Files.writeString(dir.resolve("svid.pem"), SvidPki.pem(second.cert()));
      tls.poll(SvidFiles.inDirectory(dir));
      assertThat(tls.currentSerial()).isEqualTo(first.cert().getSerialNumber());
      tls.poll(SvidFiles.inDirectory(dir)); // the same half set is not read again
      assertThat(scrape()).contains("jrego_svid_reloads_total{result=\"refused\"} 1.0");

      SvidPki.writeSpireFiles(dir, second, pki);
      tls.poll(SvidFiles.inDirectory(dir));
      assertThat(tls.currentSerial()).isEqualTo(second.cert().getSerialNumber());
      assertThat(gauge("jrego_svid_expiry_timestamp_seconds"))
          .isEqualTo((double) second.cert().getNotAfter().toInstant().getEpochSecond());
    } finally {
      tls.close();
    }
  }

  @Test
  void aSetRefusedWhileTheBundleWasTruncated_isServedWhenTheSameBundleIsBack() throws Exception {
    SvidPki.Issued first = pki.svid(JREGO);
    SvidPki.writeSpireFiles(dir, first, pki);
    String bundle = Files.readString(dir.resolve("bundle.pem"));
    SvidTls tls = startPolledByHand();
    try {
      SvidPki.Issued second = pki.svid(JREGO);
      SvidPki.writeSpireFiles(dir, second, pki);
      // the helper rewrites bundle.pem in place with the same CAs: seen while truncated
      Files.writeString(dir.resolve("bundle.pem"), "");
      tls.poll(SvidFiles.inDirectory(dir));
      assertThat(tls.currentSerial()).isEqualTo(first.cert().getSerialNumber());
      assertThat(scrape()).contains("jrego_svid_reloads_total{result=\"refused\"} 1.0");

      Files.writeString(dir.resolve("bundle.pem"), bundle);
      tls.poll(SvidFiles.inDirectory(dir));
      assertThat(tls.currentSerial()).isEqualTo(second.cert().getSerialNumber());
    } finally {
      tls.close();
    }
  }

  /** SVID files served from {@code dir}, polled only when the test calls {@code poll}. */
  private SvidTls startPolledByHand() throws SvidException {
    return SvidTls.start(
        new TlsConfig(
            SvidFiles.inDirectory(dir), AllowedCallers.parse(List.of(ENVOY)), Duration.ofHours(1)),
        metrics);
  }
}
