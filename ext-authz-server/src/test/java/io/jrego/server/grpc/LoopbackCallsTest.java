package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The warm-up's own HTTP/2 client against the real (Netty) server. */
class LoopbackCallsTest {

  private static final String METHOD = "/" + AuthorizationGrpc.getCheckMethod().getFullMethodName();

  private final PolicyHolder policies = new PolicyHolder();
  private final ConcurrentLinkedQueue<Value> inputs = new ConcurrentLinkedQueue<>();

  private CheckServer start(FakePolicy.Decide decide) throws Exception {
    policies.activate(
        ActivePolicy.oneBundle(
            new FakePolicy(
                (path, input) -> {
                  inputs.add(input);
                  return decide.decide(path, input);
                }),
            "r",
            "test",
            Instant.now()));
    return CheckServer.start(
        CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
            .threads(2)
            .queueCapacity(16)
            .shutdownGrace(Duration.ofSeconds(1))
            .build(),
        new AuthorizationService(
                policies,
                new ServerMetrics(),
                AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30)))
            .forWarmUp(), // no log line per failed check
        policies);
  }

  private static CheckRequest request(String path, String body) {
    return TestRequests.post(path).header("content-type", "text/plain").body(body).build();
  }

  /** Stops after {@code n} calls. */
  private static java.util.function.BooleanSupplier after(int n) {
    AtomicInteger asked = new AtomicInteger();
    return () -> asked.getAndIncrement() >= n;
  }

  @Test
  void run_sendsEveryCallWholeAndCountsTheAnswers() throws Exception {
    String big = "x".repeat(40_000); // more than two DATA frames
    List<byte[]> messages =
        List.of(
            LoopbackCalls.framed(List.of(request("/a", "").toByteArray())),
            LoopbackCalls.framed(List.of(request("/b", big).toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.of(Json.parse("true")));
        LoopbackCalls calls = new LoopbackCalls(server.port())) {
      assertThat(calls.run(METHOD, messages, 4, after(50))).isEqualTo(50);
    }
    assertThat(inputs).hasSize(50);
    assertThat(inputs.stream().map(Value::toString))
        .filteredOn(s -> s.contains("\"b\"") && s.contains(big))
        .hasSize(25);
  }

  @Test
  void run_countsErrorAnswersAsAnswers() throws Exception {
    List<byte[]> messages = List.of(LoopbackCalls.framed(List.of(request("/a", "").toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.empty()); // undefined: UNKNOWN
        LoopbackCalls calls = new LoopbackCalls(server.port())) {
      assertThat(calls.run(METHOD, messages, 8, after(30))).isEqualTo(30);
    }
    assertThat(inputs).hasSize(30);
  }

  @Test
  void run_givesTheConnectionWindowBackAsAnswersUseIt() throws Exception {
    // denials with a body of 1,000 bytes against HTTP/2's initial window of 65,535: without
    // WINDOW_UPDATEs the server would stop sending after about 65 of them
    String denial = "{\"allowed\":false,\"body\":\"" + "x".repeat(1_000) + "\"}";
    List<byte[]> messages = List.of(LoopbackCalls.framed(List.of(request("/a", "").toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.of(Json.parse(denial)));
        LoopbackCalls calls = new LoopbackCalls(server.port(), 65_535)) {
      assertThat(calls.run(METHOD, messages, 4, after(300))).isEqualTo(300);
    }
    assertThat(inputs).hasSize(300);
  }

  /**
   * A large unary message goes in full frames with runs of small ones between them (two or more
   * under 1 KiB in a row, then one of 1 KiB or more: what makes gRPC's deframer copy the small
   * ones), a smaller one or a stream's messages in full frames only; either way the frames add up
   * to the message.
   */
  @Test
  void dataFrames_aLargeUnaryMessageHasRunsOfSmallFrames() {
    List<Integer> held = LoopbackCalls.dataFrames(300_000, true);
    assertThat(held.stream().mapToInt(Integer::intValue).sum()).isEqualTo(300_000);
    assertThat(held).allMatch(len -> len > 0 && len <= 16_384).contains(16_384);
    boolean smallRunThenLarge = false;
    for (int i = 2; i < held.size(); i++) {
      smallRunThenLarge |= held.get(i - 2) < 1024 && held.get(i - 1) < 1024 && held.get(i) >= 1024;
    }
    assertThat(smallRunThenLarge).isTrue();

    for (List<Integer> full :
        List.of(
            LoopbackCalls.dataFrames(LoopbackCalls.FLOW_CONTROLLED_FROM - 1, true),
            LoopbackCalls.dataFrames(300_000, false))) {
      assertThat(full.subList(0, full.size() - 1)).allMatch(len -> len == 16_384);
      assertThat(full.getLast()).isBetween(1, 16_384);
    }
  }

  /**
   * Such a message crosses the wire in those frames (read off a socket) and the server reads it
   * whole: the policy gets the body as sent.
   */
  @Test
  void run_aLargeMessageInFlowControlledFrames_isSentSoAndReadWhole() throws Exception {
    String big = "y".repeat(200_000);
    byte[] grpc = LoopbackCalls.framed(List.of(request("/big", big).toByteArray()));
    assertThat(dataFramesOnTheWire(grpc)).isEqualTo(LoopbackCalls.dataFrames(grpc.length, true));

    List<byte[]> messages =
        List.of(grpc, LoopbackCalls.framed(List.of(request("/small", "").toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.of(Json.parse("true")));
        LoopbackCalls calls = new LoopbackCalls(server.port())) {
      assertThat(calls.run(METHOD, messages, 2, after(10))).isEqualTo(10);
    }
    assertThat(inputs).hasSize(10);
    assertThat(inputs.stream().map(Value::toString))
        .filteredOn(s -> s.contains("\"/big\"") && s.contains(big))
        .hasSize(5);
  }

  /**
   * The sizes of the DATA frames the client sends for one call of {@code grpc}, read by a socket.
   */
  private static List<Integer> dataFramesOnTheWire(byte[] grpc) throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(10_000);
      LoopbackCalls calls = new LoopbackCalls(listener.getLocalPort());
      Thread sender =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      calls.run(METHOD, List.of(grpc), 1, after(1));
                    } catch (Exception e) {
                      // no server answers: run() gives up after its wait, the frames are sent
                    }
                  });
      try (calls;
          Socket accepted = listener.accept()) {
        accepted.setSoTimeout(10_000);
        settings(accepted.getOutputStream());
        DataInputStream in = new DataInputStream(accepted.getInputStream());
        in.readFully(new byte[24]); // the preface
        List<Integer> data = new ArrayList<>();
        while (true) {
          int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
          int type = in.readUnsignedByte();
          int flags = in.readUnsignedByte();
          in.readFully(new byte[4]); // stream
          in.readFully(new byte[length]);
          if (type == 0x0) {
            data.add(length);
            if ((flags & 0x1) != 0) { // END_STREAM
              return data;
            }
          }
        }
      } finally {
        sender.interrupt();
      }
    }
  }

  /** A server's empty SETTINGS frame: the client sends its calls once it has acknowledged it. */
  private static void settings(OutputStream out) throws java.io.IOException {
    out.write(new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0});
    out.flush();
  }

  /**
   * No call goes before the server's SETTINGS are acknowledged: until then the server holds each
   * stream to HTTP/2's initial 65,535-byte window, and a larger message first on the connection
   * (the rounds after ready begin with one of 300 KB) had its stream ended by a flow-control error.
   * Here the socket sends its SETTINGS only after a while: the first frame after the client's own
   * opening is its acknowledgement, and the call's HEADERS come after it.
   */
  @Test
  void run_sendsNothingBeforeTheServersSettingsAreAcknowledged() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(10_000);
      LoopbackCalls calls = new LoopbackCalls(listener.getLocalPort());
      byte[] grpc =
          LoopbackCalls.framed(List.of(request("/big", "z".repeat(100_000)).toByteArray()));
      Thread sender =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      calls.run(METHOD, List.of(grpc), 1, after(1));
                    } catch (Exception e) {
                      // no trailers come: run() gives up after its wait
                    }
                  });
      try (calls;
          Socket accepted = listener.accept()) {
        accepted.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(accepted.getInputStream());
        in.readFully(new byte[24]); // the preface
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // the client's SETTINGS and connection WINDOW_UPDATE
          int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
          types.add(in.readUnsignedByte());
          in.readFully(new byte[5 + length]);
        }
        assertThat(types).containsExactly(0x4, 0x8);
        long until = System.nanoTime() + 10_000_000_000L;
        while (sender.getState() == Thread.State.RUNNABLE && System.nanoTime() < until) {
          Thread.onSpinWait(); // until run() waits (for the SETTINGS, or, wrongly, for an answer)
        }
        settings(accepted.getOutputStream());
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readFully(new byte[4 + length]);
        assertThat(type).isEqualTo(0x4);
        assertThat(flags & 0x1).isEqualTo(0x1); // the acknowledgement
        in.readFully(new byte[3]);
        assertThat(in.readUnsignedByte()).isEqualTo(0x1); // then the call's HEADERS
      } finally {
        sender.interrupt();
      }
    }
  }

  /** A stream's messages are told apart, so that each goes in DATA frames of its own. */
  @Test
  void messageLengths_splitsWhatFramedJoined() {
    byte[] grpc = LoopbackCalls.framed(List.of(new byte[3], new byte[0], new byte[20_000]));
    assertThat(LoopbackCalls.messageLengths(grpc)).containsExactly(8, 5, 20_005);
  }

  /**
   * Envoy's own header blocks for its first and second Check call on a connection, recorded from
   * Envoy 1.3x (ext_authz to the cluster {@code jrego}, timeout 0.5 s): the client writes the same
   * bytes for the same values.
   */
  @Test
  void requestHeaders_areTheBytesEnvoyWrites() {
    String first =
        "83049f60b5773fa5d05b3b98855c76a675fbb2bc36a673d86f63498f5317a7293aff4184e961663f86400274"
            + "65864d833505b11f40899acac8b24d494f6a7f836c00a75f8b1d75d0620d263d4c4d6564408cf2b16aee"
            + "7f4b1aa496ca8747834d9697408bf2b4a7b3c0ec90b22d29ec870be25c0b89717f4096f2b16aee7f4b17"
            + "cd65224b22d6765926a4a7b52b528f826c00";
    String second =
        "83049f60b5773fa5d05b3b98855c76a675fbb2bc36a673d86f63498f5317a7293affc486c3c2c1c0bfbe";
    assertThat(
            HexFormat.of()
                .formatHex(LoopbackCalls.requestHeaders(METHOD, "jrego", 500, "192.0.2.2", true)))
        .isEqualTo(first);
    assertThat(
            HexFormat.of()
                .formatHex(LoopbackCalls.requestHeaders(METHOD, "jrego", 500, "192.0.2.2", false)))
        .isEqualTo(second);
  }

  /** What Netty's decoder, the server's, reads from them: Envoy's fields in Envoy's order. */
  @Test
  void requestHeaders_decodeToEnvoysFieldsForChecksAndStreams() throws Exception {
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
    String process = "/envoy.service.ext_proc.v3.ExternalProcessor/Process";
    for (boolean first : List.of(true, false)) {
      assertThat(
              decode(
                  decoder,
                  LoopbackCalls.requestHeaders(METHOD, "jrego", 10_000, "127.0.0.1", first)))
          .containsExactly(
              ":method=POST",
              ":path=" + METHOD,
              ":authority=jrego",
              ":scheme=http",
              "te=trailers",
              "grpc-timeout=10000m",
              "content-type=application/grpc",
              "x-envoy-internal=true",
              "x-forwarded-for=127.0.0.1",
              "x-envoy-expected-rq-timeout-ms=10000");
    }
    DefaultHttp2HeadersDecoder streams = new DefaultHttp2HeadersDecoder(true);
    for (boolean first : List.of(true, false)) {
      assertThat(
              decode(
                  streams, LoopbackCalls.requestHeaders(process, "jrego", 0, "127.0.0.1", first)))
          .containsExactly(
              ":method=POST",
              ":path=" + process,
              ":authority=jrego",
              ":scheme=http",
              "te=trailers",
              "content-type=application/grpc",
              "x-envoy-internal=true",
              "x-forwarded-for=127.0.0.1");
    }
  }

  /**
   * A grpc-java client's shape: a table size update first, then its fields in its order, every
   * block, each string as it is (Netty's encoder Huffman-codes none this short).
   */
  @Test
  void grpcJavaHeaders_decodeToAGrpcJavaClientsFields() throws Exception {
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
    byte[] first = LoopbackCalls.grpcJavaHeaders(METHOD, "jrego", 10_000, true);
    assertThat(first[0] & 0xe0).isEqualTo(0x20); // a dynamic table size update
    String raw = new String(first, StandardCharsets.ISO_8859_1);
    assertThat(raw)
        .contains(
            METHOD,
            "application/grpc",
            "trailers",
            LoopbackCalls.GRPC_JAVA_AGENT,
            "grpc-accept-encoding",
            "gzip",
            "10000000u");
    for (int i = 0; i < 100; i++) { // enough blocks to fill the table and evict from it
      assertThat(decode(decoder, LoopbackCalls.grpcJavaHeaders(METHOD, "jrego", 10_000, i == 0)))
          .containsExactly(
              ":authority=jrego",
              ":path=" + METHOD,
              ":method=POST",
              ":scheme=http",
              "content-type=application/grpc",
              "te=trailers",
              "user-agent=" + LoopbackCalls.GRPC_JAVA_AGENT,
              "grpc-accept-encoding=gzip",
              "grpc-timeout=10000000u");
    }
  }

  /**
   * As a grpc-java client, the connection opens with grpc-java's settings (no header table size, a
   * 1 MiB window for each stream and for the connection); as Envoy, with Envoy's.
   */
  @Test
  void connecting_sendsTheClientsOwnSettings() throws Exception {
    assertThat(firstSettings(LoopbackCalls.Client.GRPC_JAVA))
        .isEqualTo("settings {2=0, 3=0, 4=1048576, 6=8192}, window +983041");
    assertThat(firstSettings(LoopbackCalls.Client.ENVOY))
        .isEqualTo("settings {1=4096, 2=0, 3=1024, 4=16777216, 8=0}, window +25100289");
  }

  /**
   * The SETTINGS frame and the connection's WINDOW_UPDATE a client opens with, read by a socket.
   */
  private static String firstSettings(LoopbackCalls.Client client) throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(10_000);
      LoopbackCalls calls = new LoopbackCalls(listener.getLocalPort(), client);
      try (calls;
          Socket accepted = listener.accept()) {
        accepted.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(accepted.getInputStream());
        in.readFully(new byte[24]); // the preface
        Map<Integer, Integer> settings = new TreeMap<>();
        long window = 0;
        for (int frames = 0; frames < 2; frames++) {
          int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
          int type = in.readUnsignedByte();
          in.readFully(new byte[5]); // flags, stream
          byte[] payload = new byte[length];
          in.readFully(payload);
          ByteBuffer b = ByteBuffer.wrap(payload);
          if (type == 0x4) {
            while (b.remaining() >= 6) {
              settings.put(b.getShort() & 0xffff, b.getInt());
            }
          } else if (type == 0x8) {
            window = b.getInt() & 0x7fffffffL;
          }
        }
        return "settings " + settings + ", window +" + window;
      }
    }
  }

  @Test
  void run_asAGrpcJavaClient_everyCallIsAnswered() throws Exception {
    List<byte[]> messages = List.of(LoopbackCalls.framed(List.of(request("/a", "").toByteArray())));
    try (CheckServer server = start((p, i) -> Optional.of(Json.parse("true")));
        LoopbackCalls calls = new LoopbackCalls(server.port(), LoopbackCalls.Client.GRPC_JAVA)) {
      assertThat(calls.run(METHOD, messages, 4, after(100))).isEqualTo(100);
    }
    assertThat(inputs).hasSize(100);
  }

  /**
   * Shaped as a grpc-java client, it pings when an answer's data arrives (its BDP ping, payload
   * 1234), and after the ping's acknowledgement grows the connection window on stream 0; shaped as
   * Envoy it does neither.
   */
  @Test
  void asAGrpcJavaClient_dataIsFollowedByABdpPingAndAWindowUpdate() throws Exception {
    assertThat(framesAfterAnAnswer(LoopbackCalls.Client.GRPC_JAVA))
        .containsExactly("PING 1234", "WINDOW_UPDATE stream 0 +1048576");
    assertThat(framesAfterAnAnswer(LoopbackCalls.Client.ENVOY)).isEmpty();
  }

  /**
   * What a client sends after a socket answers its call's HEADERS with a DATA frame followed by a
   * PING of the socket's own (payload 99): the PINGs and WINDOW_UPDATEs up to its acknowledgement
   * of that PING (it reads frames in order) and, when it pinged, up to the WINDOW_UPDATE that
   * follows the socket's acknowledgement of its ping.
   */
  private static List<String> framesAfterAnAnswer(LoopbackCalls.Client client) throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(10_000);
      LoopbackCalls calls = new LoopbackCalls(listener.getLocalPort(), client);
      byte[] grpc = LoopbackCalls.framed(List.of(request("/a", "").toByteArray()));
      Thread sender =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      calls.run(METHOD, List.of(grpc), 1, after(1));
                    } catch (Exception e) {
                      // no trailers come: run() gives up after its wait
                    }
                  });
      List<String> seen = new ArrayList<>();
      try (Socket accepted = listener.accept()) {
        accepted.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(accepted.getInputStream());
        OutputStream out = accepted.getOutputStream();
        settings(out);
        in.readFully(new byte[24]); // the preface
        boolean ours = false; // our PING acknowledged
        boolean pinged = false;
        boolean grown = false;
        while (!ours || (pinged && !grown)) {
          int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
          int type = in.readUnsignedByte();
          int flags = in.readUnsignedByte();
          int stream = in.readInt() & 0x7fffffff;
          byte[] payload = new byte[length];
          in.readFully(payload);
          long ping = type == 0x6 ? ByteBuffer.wrap(payload).getLong() : 0;
          if (type == 0x0 && (flags & 0x1) != 0) { // the request's last DATA: answer it
            out.write(new byte[] {0, 0, 5, 0x0, 0, 0, 0, 0, (byte) stream, 0, 0, 0, 0, 0});
            out.write(new byte[] {0, 0, 8, 0x6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99});
            out.flush();
          } else if (type == 0x6 && (flags & 0x1) != 0 && ping == 99) {
            ours = true;
          } else if (type == 0x6 && (flags & 0x1) == 0) {
            seen.add("PING " + ping);
            pinged = true;
            out.write(new byte[] {0, 0, 8, 0x6, 0x1, 0, 0, 0, 0});
            out.write(payload);
            out.flush();
          } else if (type == 0x8 && pinged) {
            seen.add("WINDOW_UPDATE stream " + stream + " +" + ByteBuffer.wrap(payload).getInt());
            grown = true;
          }
        }
      } finally {
        calls.close();
        sender.interrupt();
      }
      return seen;
    }
  }

  private static List<String> decode(DefaultHttp2HeadersDecoder decoder, byte[] block)
      throws Exception {
    ByteBuf in = Unpooled.wrappedBuffer(block);
    try {
      List<String> out = new ArrayList<>();
      decoder.decodeHeaders(1, in).forEach(e -> out.add(e.getKey() + "=" + e.getValue()));
      return out;
    } finally {
      in.release();
    }
  }
}
