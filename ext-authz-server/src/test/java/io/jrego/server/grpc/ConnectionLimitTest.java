package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: each connection to the gRPC port may hold a 1 MiB flow-control window of unread bytes,
 * and their number was not bounded. {@code --max-connections} closes connections beyond it as they
 * arrive, counts them, and the connections within it go on being served.
 */
class ConnectionLimitTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void theDefaultFollowsTheHeap() {
    assertThat(RequestLimits.maxConnections(124L << 20, 0)).isEqualTo(31);
    assertThat(RequestLimits.maxConnections(455L << 20, 0)).isEqualTo(113);
    assertThat(RequestLimits.maxConnections(16L << 20, 0)).isEqualTo(RequestLimits.MIN_CONNECTIONS);
    assertThat(RequestLimits.maxConnections(124L << 20, 500)).isEqualTo(500);
  }

  @Test
  void theRefusedSeriesIsThereAtZero_beforeTheFirstRefusal() {
    ServerMetrics metrics = new ServerMetrics();
    ConnectionLimit unused = new ConnectionLimit(3, metrics);
    assertThat(metrics.scrape())
        .contains("jrego_requests_refused_total{limit=\"connections\"} 0.0");
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndTheOthersStillServed() throws Exception {
    PolicyHolder policies = FakePolicy.holderAllowingEverything();
    ServerMetrics metrics = new ServerMetrics();
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(2)
                .queueCapacity(16)
                .shutdownGrace(Duration.ofSeconds(1))
                .maxConnections(3)
                // only the limit closes a connection here: no deadline comes within the test
                .deadlines(new ConnectionDeadlines(Duration.ofMinutes(5), Duration.ofMinutes(5)))
                .build(),
            new AuthorizationService(
                policies,
                metrics,
                AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30))),
            policies);
    server.serve();
    List<ManagedChannel> within = new ArrayList<>();
    List<Socket> beyond = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        ManagedChannel ch = channel(server.port());
        within.add(ch);
        assertThat(CheckCall.code(ch, DEADLINE))
            .as("connection %s within the limit", i)
            .isEqualTo(Status.Code.OK);
      }
      assertThat(server.connections().orElseThrow().open()).isEqualTo(3);

      // raw connections beyond it: each closed by the server before a byte is exchanged
      for (int i = 0; i < 20; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 2_000);
        beyond.add(s);
      }
      for (Socket s : beyond) {
        assertThat(closedByServer(s)).as("a connection beyond the limit is closed").isTrue();
      }
      // a gRPC client beyond it gets UNAVAILABLE
      ManagedChannel extra = channel(server.port());
      try {
        assertThat(CheckCall.code(extra, DEADLINE)).isEqualTo(Status.Code.UNAVAILABLE);
      } finally {
        extra.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      // the connections within the limit are still served
      for (ManagedChannel ch : within) {
        assertThat(CheckCall.code(ch, DEADLINE)).isEqualTo(Status.Code.OK);
      }
      assertThat(metrics.scrape()).contains("jrego_requests_refused_total{limit=\"connections\"}");
      assertThat(refused(metrics.scrape())).isGreaterThanOrEqualTo(21);

      // one closed, one new one is let in
      within.remove(0).shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (server.connections().orElseThrow().open() > 2 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      ManagedChannel again = channel(server.port());
      within.add(again);
      assertThat(CheckCall.code(again, DEADLINE)).isEqualTo(Status.Code.OK);
    } finally {
      for (Socket s : beyond) {
        s.close();
      }
      for (ManagedChannel ch : within) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      server.shutdown();
    }
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** Whether the server closed {@code s} (end of stream or reset) within 30 seconds. */
  private static boolean closedByServer(Socket s) throws IOException {
    s.setSoTimeout(30_000);
    InputStream in = s.getInputStream();
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static double refused(String scrape) {
    return scrape
        .lines()
        .filter(l -> l.startsWith("jrego_requests_refused_total{limit=\"connections\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
