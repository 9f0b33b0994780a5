package io.jrego.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.CheckServer;
import io.jrego.server.tls.workload.X509SVIDResponse;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC port's SVID from the SPIFFE Workload API: a Workload API server in the test (grpc-java
 * on a Unix socket in a temporary folder) streams SVIDs the test's CA made; jrego serves mTLS with
 * them to a real TLS caller, rotates when the stream sends a new one, keeps the last good SVID when
 * the stream sends a bad one or breaks, and opens it again.
 */
class WorkloadApiTest {

  private static final Duration WITHIN = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final AtomicLong evaluations = new AtomicLong();
  private final ServerMetrics metrics = new ServerMetrics();
  private Path socket;
  private SvidPki pki;
  private WorkloadApiServer agent;
  private CheckServer server;

  @BeforeEach
  void startAgent() throws Exception {
    socket = dir.resolve("agent.sock");
    pki = new SvidPki("cluster.local");
    agent = WorkloadApiServer.start(socket);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private CheckServer startJrego(Duration startTimeout) throws IOException {
    server =
        MtlsCheckServer.start(
            new TlsConfig(
                new WorkloadApi(socket, startTimeout),
                AllowedCallers.parse(List.of(SvidTlsTest.ENVOY)),
                Duration.ofHours(1)),
            64,
            evaluations,
            metrics);
    return server;
  }

  /** One call on a new connection; the serial of the certificate jrego showed is recorded. */
  private Status.Code call(SvidClient client) throws Exception {
    ManagedChannel ch = client.channel(server.port());
    try {
      return SvidClient.check(ch);
    } finally {
      SvidClient.close(ch);
    }
  }

  private SvidClient envoy(SvidPki... bundle) throws Exception {
    return new SvidClient(
        Optional.of(pki.svid(SvidTlsTest.ENVOY)),
        SvidTlsTest.JREGO,
        List.of(bundle).stream().map(SvidPki::ca).toList());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Instant until = Instant.now().plus(WITHIN);
    while (!condition.getAsBoolean() && Instant.now().isBefore(until)) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  /** A series without labels, 0 while it is not exported. */
  private double counter(String name) {
    return metrics
        .scrape()
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst()
        .orElse(0);
  }

  private boolean shows(SvidClient client, BigInteger serial) {
    try {
      return call(client) == Status.Code.OK && client.serverSerials.contains(serial);
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void theStreamsSvid_isServed_andANewOne_rotatesIt() throws Exception {
    SvidPki.Issued first = pki.svid(SvidTlsTest.JREGO);
    agent.push(first, SvidTlsTest.JREGO, pki);
    startJrego(WITHIN);
    SvidClient client = envoy(pki);

    assertThat(call(client)).isEqualTo(Status.Code.OK);
    assertThat(client.serverSerials).containsExactly(first.cert().getSerialNumber());
    assertThat(agent.withoutHeader).hasValue(0);
    assertThat(metrics.svidStatus().orElseThrow().source()).isEqualTo("workload_api");
    assertThat(metrics.svidStatus().orElseThrow().spiffeId()).isEqualTo(SvidTlsTest.JREGO);

    SvidPki.Issued second = pki.svid(SvidTlsTest.JREGO);
    agent.push(second, SvidTlsTest.JREGO, pki);
    await("the new SVID is shown", () -> shows(client, second.cert().getSerialNumber()));
    assertThat(metrics.scrape()).contains("jrego_svid_reloads_total{result=\"ok\"} 2.0");
    assertThat(metrics.scrape()).contains("jrego_svid_stream_up 1.0");
    assertThat(agent.opened).hasValue(1);
  }

  @Test
  void aBadSvidOnTheStream_isRefused_andTheLastGoodOneStays() throws Exception {
    SvidPki.Issued first = pki.svid(SvidTlsTest.JREGO);
    agent.push(first, SvidTlsTest.JREGO, pki);
    startJrego(WITHIN);
    SvidClient client = envoy(pki);

    // a certificate with another certificate's key, then an SVID from a CA outside the bundle
    SvidPki.Issued other = pki.svid(SvidTlsTest.JREGO);
    agent.push(
        WorkloadApiServer.response(
            new SvidPki.Issued(other.cert(), first.keys()), SvidTlsTest.JREGO, pki));
    SvidPki stranger = new SvidPki("elsewhere");
    agent.push(stranger.svid(SvidTlsTest.JREGO), SvidTlsTest.JREGO, pki);
    agent.push(X509SVIDResponse.getDefaultInstance());
    await(
        "three refusals counted",
        () -> metrics.scrape().contains("jrego_svid_reloads_total{result=\"refused\"} 3.0"));

    assertThat(call(client)).isEqualTo(Status.Code.OK);
    assertThat(client.serverSerials).containsExactly(first.cert().getSerialNumber());
  }

  @Test
  void aBrokenStream_keepsTheSvid_isReported_andOpenedAgain() throws Exception {
    SvidPki.Issued first = pki.svid(SvidTlsTest.JREGO);
    agent.push(first, SvidTlsTest.JREGO, pki);
    startJrego(WITHIN);
    SvidClient client = envoy(pki);

    // the agent restarts: its streams break and the socket is gone for a while
    agent.breakStreams();
    agent.close();
    Files.deleteIfExists(socket);
    await("the break is counted", () -> counter("jrego_svid_stream_failures_total") >= 1);
    assertThat(metrics.scrape()).contains("jrego_svid_stream_up 0.0");
    assertThat(metrics.svidStatus().orElseThrow().streamError().orElseThrow())
        .contains("unix://" + socket)
        .contains("UNAVAILABLE");
    assertThat(call(client)).as("the last good SVID is still served").isEqualTo(Status.Code.OK);
    assertThat(client.serverSerials).containsExactly(first.cert().getSerialNumber());

    // the agent is back with a new SVID: the stream is opened again (with back-off) and delivers it
    agent = WorkloadApiServer.start(socket);
    SvidPki.Issued second = pki.svid(SvidTlsTest.JREGO);
    agent.push(second, SvidTlsTest.JREGO, pki);
    await("the new SVID is shown", () -> shows(client, second.cert().getSerialNumber()));
    assertThat(metrics.svidStatus().orElseThrow().streamError()).isEmpty();
    assertThat(metrics.scrape()).contains("jrego_svid_stream_up 1.0");
    assertThat(evaluations.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void noSvidInTime_stopsTheStart_namingTheSocketAndWhy() throws Exception {
    agent.push(X509SVIDResponse.getDefaultInstance()); // the agent knows no SVID for jrego
    assertThatThrownBy(() -> startJrego(Duration.ofMillis(500)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("mTLS: unix://" + socket + ": no usable X.509 SVID within 500 ms")
        .hasMessageContaining("a response without an X.509 SVID");
  }

  @Test
  void aMissingSocket_isAClearError() throws Exception {
    Path none = dir.resolve("none.sock");
    assertThatThrownBy(() -> SvidTls.check(new WorkloadApi(none, WITHIN)))
        .isInstanceOf(SvidException.class)
        .hasMessage(
            "unix://"
                + none
                + ": no such socket (is the SPIRE agent running, and its socket mounted into"
                + " this container?)");
    assertThatThrownBy(() -> SvidTls.check(new WorkloadApi(dir, WITHIN)))
        .hasMessage("unix://" + dir + ": not a Unix socket");
  }
}
