package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a client that could reach the gRPC port held every {@code --max-connections} slot by
 * opening connections and sending nothing, or finishing the HTTP/2 handshake and then nothing; no
 * other client got in. With {@link ConnectionDeadlines} the server closes both kinds and a real
 * client gets a slot.
 */
class ConnectionDeadlinesTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);

  /** The HTTP/2 client preface and an empty SETTINGS frame: a handshake, and then silence. */
  private static final byte[] PREFACE_AND_SETTINGS = prefaceAndSettings();

  @Test
  void silentAndHandshakenConnectionsHoldEverySlotUntilADeadline() throws Exception {
    // deadlines no step of this test reaches on a loaded machine: the slots stay held while the
    // real client tries (with the 1 s deadlines below, they could already have been let go)
    CheckServer server =
        start(new ServerMetrics(), 4, new ConnectionDeadlines(secs(60), Duration.ofMinutes(5)));
    List<Socket> held = new ArrayList<>();
    try {
      ConnectionLimit limit = server.connections().orElseThrow();
      for (int i = 0; i < 2; i++) {
        held.add(connect(server.port()));
        held.add(handshaken(server.port()));
      }
      assertThat(waitFor(limit, n -> n == 4, 30)).as("every slot held").isTrue();
      assertThat(checkOnce(server.port())).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      for (Socket s : held) {
        s.close();
      }
      server.shutdown();
    }
  }

  @Test
  void silentAndIdleConnectionsAreClosedAndARealClientGetsIn() throws Exception {
    ServerMetrics metrics = new ServerMetrics();
    CheckServer server = start(metrics, 4, new ConnectionDeadlines(secs(1), secs(1)));
    List<Socket> silent = new ArrayList<>();
    List<Socket> handshaken = new ArrayList<>();
    try {
      ConnectionLimit limit = server.connections().orElseThrow();
      long t0 = System.nanoTime();
      for (int i = 0; i < 2; i++) {
        silent.add(connect(server.port()));
        handshaken.add(handshaken(server.port()));
      }
      // (that they hold every slot meanwhile is the test above: here they may already be gone)

      // the silent ones never finish the handshake: closed after it
      for (Socket s : silent) {
        assertThat(closedByServer(s, 30)).as("a connection that sent nothing is closed").isTrue();
      }
      // by the 1 s deadline set here, not the 10 s default (a generous margin for a loaded
      // machine, and still short of the default)
      assertThat(seconds(t0)).as("closed by the 1 s handshake deadline").isLessThan(9);
      // a slot is free: a real client gets in
      assertThat(checkOnce(server.port())).isEqualTo(Status.Code.OK);

      // the handshaken ones hold no call: GOAWAY and a PING after 1 s idle; they answer
      // neither, so they are closed 10 s later (grpc-java's wait for the PING)
      for (Socket s : handshaken) {
        assertThat(closedByServer(s, 60)).as("an idle connection that never answers").isTrue();
      }
      assertThat(waitFor(limit, n -> n == 0, 30)).as("every slot free again").isTrue();
    } finally {
      for (Socket s : silent) {
        s.close();
      }
      for (Socket s : handshaken) {
        s.close();
      }
      server.shutdown();
    }
  }

  @Test
  void anIdleClientIsClosedAndReconnectsForItsNextCall() throws Exception {
    CheckServer server = start(new ServerMetrics(), 4, new ConnectionDeadlines(secs(5), secs(1)));
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      ConnectionLimit limit = server.connections().orElseThrow();
      assertThat(CheckCall.code(ch, DEADLINE)).isEqualTo(Status.Code.OK);
      assertThat(limit.open()).isEqualTo(1);
      // the client answers the server's PING at once, so its connection goes soon after 1 s
      assertThat(waitFor(limit, n -> n == 0, 30)).as("the idle connection closed").isTrue();
      assertThat(CheckCall.code(ch, DEADLINE))
          .as("the next call on a new connection")
          .isEqualTo(Status.Code.OK);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdown();
    }
  }

  @Test
  void deadlinesAreCheckedAndDefaultToTenSecondsAndAMinute() {
    assertThat(ConnectionDeadlines.DEFAULTS)
        .isEqualTo(new ConnectionDeadlines(secs(10), Duration.ofMinutes(1)));
    assertThatThrownBy(() -> new ConnectionDeadlines(Duration.ZERO, secs(1)))
        .hasMessage("--handshake-timeout must be positive: PT0S");
    assertThatThrownBy(() -> new ConnectionDeadlines(secs(1), Duration.ofMillis(500)))
        .hasMessage("--connection-idle-timeout must be at least 1s (gRPC's floor): PT0.5S");
  }

  private static CheckServer start(ServerMetrics metrics, int max, ConnectionDeadlines deadlines)
      throws IOException {
    PolicyHolder policies = FakePolicy.holderAllowingEverything();
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(2)
                .queueCapacity(16)
                .shutdownGrace(Duration.ofSeconds(1))
                .maxConnections(max)
                .deadlines(deadlines)
                .build(),
            new AuthorizationService(
                policies,
                metrics,
                AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30))),
            policies);
    server.serve();
    return server;
  }

  private static Duration secs(long n) {
    return Duration.ofSeconds(n);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 30_000);
    return s;
  }

  /** A connection that finishes the HTTP/2 handshake and then sends nothing. */
  private static Socket handshaken(int port) throws IOException {
    Socket s = connect(port);
    OutputStream out = s.getOutputStream();
    out.write(PREFACE_AND_SETTINGS);
    out.flush();
    return s;
  }

  /** One Check on a connection of its own (a fresh channel has no reconnect back-off). */
  private static Status.Code checkOnce(int port) throws InterruptedException {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      return CheckCall.code(ch, DEADLINE);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Whether the server closed {@code s} within {@code seconds}, reading what it sends meanwhile.
   */
  private static boolean closedByServer(Socket s, int seconds) throws IOException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    s.setSoTimeout(200);
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    while (System.nanoTime() < until) {
      try {
        if (in.read(buf) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        // nothing yet
      } catch (IOException reset) {
        return true;
      }
    }
    return false;
  }

  private static boolean waitFor(ConnectionLimit limit, IntPredicate open, int seconds)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < until) {
      if (open.test(limit.open())) {
        return true;
      }
      Thread.sleep(20);
    }
    return open.test(limit.open());
  }

  private static byte[] prefaceAndSettings() {
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0}; // length 0, type SETTINGS, no flags, stream 0
    byte[] out = new byte[preface.length + settings.length];
    System.arraycopy(preface, 0, out, 0, preface.length);
    System.arraycopy(settings, 0, out, preface.length, settings.length);
    return out;
  }
}
