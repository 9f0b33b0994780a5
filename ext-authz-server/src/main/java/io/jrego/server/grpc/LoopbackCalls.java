package io.jrego.server.grpc;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Just enough of an HTTP/2 client to send gRPC calls to a server of ours on loopback, for {@link
 * WarmUp}: the requests are framed once, up front, and the answers are only counted, never decoded.
 * A grpc-java client would do, but it runs the client half of Netty and gRPC in the server's JVM,
 * which the JIT then compiles for nothing, mixes into the profiles of the classes both halves share
 * (Netty's HPACK encoder also encodes the server's answers), and which costs the CPU the warm-up is
 * for.
 *
 * <p>It speaks as Envoy's gRPC client does (its ext_authz and ext_proc calls, recorded from Envoy
 * 1.3x), so that the server's transport runs the code Envoy's calls run: the same SETTINGS (header
 * table 4,096, no push, 1,024 streams, 16 MiB stream windows) and a connection window of 24 MiB,
 * given back with WINDOW_UPDATE once half of it is used; Envoy's request headers in its order
 * ({@code :path} a literal never indexed, every other field added to the dynamic table the first
 * time and indexed after, Huffman-coded whenever that is shorter); a {@code grpc-timeout} in
 * milliseconds; each ext_proc message in DATA frames of its own, a message of {@link
 * #FLOW_CONTROLLED_FROM} or more in a flow-controlled client's frames. It acknowledges the server's
 * SETTINGS and PINGs, counts a call done at its trailers (HEADERS with END_STREAM) or RST_STREAM,
 * and stops at GOAWAY or end of stream. Shaped as a grpc-java client ({@link Client#GRPC_JAVA}) it
 * also sends that client's BDP pings ({@link #bdpPing}).
 */
final class LoopbackCalls implements AutoCloseable {

  /**
   * Whose requests the client's header blocks are shaped as: Envoy's ({@link #requestHeaders}), or
   * a grpc-java client's sent straight to the gRPC port ({@link #grpcJavaHeaders}), as the fault
   * matrix's hostile client sends them.
   */
  enum Client {
    ENVOY,
    GRPC_JAVA
  }

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int DEFAULT_WINDOW = 65_535;
  private static final int MAX_FRAME = 16_384;

  /** Envoy's: SETTINGS_INITIAL_WINDOW_SIZE. */
  static final int STREAM_WINDOW = 16 << 20;

  /** Envoy's: the connection's receive window after its first WINDOW_UPDATE. */
  static final int CONNECTION_WINDOW = 24 << 20;

  /**
   * A grpc-java client's: each stream's window and the connection's (its flow control window, 1 MiB
   * by default). Why its settings at all: a client that sends no {@code HEADER_TABLE_SIZE} leaves
   * the server's HPACK encoder without its table-size-change buffer, a test on every answer Envoy's
   * connections never take the other way: in the fault matrix (session 15's merged code, hash) the
   * hostile grpc-java client's first answers trapped in Netty's {@code
   * DefaultHttp2HeadersEncoder.encodeHeaders} (bci 4) on the replica they went to.
   */
  static final int GRPC_JAVA_STREAM_WINDOW = 1 << 20;

  /**
   * A unary call's message of at least this many bytes goes in the DATA frames of a client that
   * HTTP/2 flow control holds back ({@link #FLOW_CONTROLLED_FRAMES}), not in full frames. Above
   * what Envoy sends jrego (a body of at most 64 KiB in envoy-config), so the warm-up still sends
   * Envoy's calls as Envoy frames them.
   */
  static final int FLOW_CONTROLLED_FROM = 128 << 10;

  /**
   * The sizes of the DATA frames a {@link #FLOW_CONTROLLED_FROM large} message is cut into, in turn
   * until it ends: full frames, and between them runs of small ones (under 1 KiB), as a client
   * sends a large message whose stream or connection window the server gives back a little at a
   * time. Why: gRPC's deframer keeps a message's frames in a {@code CompositeReadableBuffer}, which
   * copies two or more small pieces in a row into one array before it adds a piece of 1 KiB or more
   * (a third kind of buffer in that message). In the fault matrix's number phase (session 17's
   * merged code) the hostile grpc-java client's 300 KB messages did that on replica A in its first
   * second, and 12 methods compiled without it deoptimised ({@code
   * CompositeReadableBuffer.enqueueBuffer}, {@code execute}, {@code advanceBuffer}; Netty's {@code
   * ByteToMessageDecoder.discardSomeReadBytes}); the warm-up's messages had all been cut in full
   * frames.
   */
  static final int[] FLOW_CONTROLLED_FRAMES = {
    MAX_FRAME, MAX_FRAME, 700, 300, 5, MAX_FRAME, 900, 9_000
  };

  /** What Envoy sends as {@code :authority}: the cluster's name (envoy-config/envoy.yaml's). */
  static final String AUTHORITY = "jrego";

  /**
   * The deadline sent ({@code grpc-timeout}, in Envoy's unit, and Envoy's {@code
   * x-envoy-expected-rq-timeout-ms}): not Envoy's 0.5 s, since the first made-up calls run
   * interpreted and may take longer; a call past its deadline is cancelled, not evaluated.
   */
  static final int TIMEOUT_MS = 10_000;

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final Thread reader;
  private final AtomicLong answered = new AtomicLong();
  private final int connectionWindow;
  private final Client client;
  private long unacknowledged; // DATA bytes received since the last WINDOW_UPDATE (reader thread)
  private boolean pinging; // a grpc-java client's BDP ping is unanswered (reader thread)
  private int pings; // BDP pings answered (reader thread)
  private volatile Semaphore slots = new Semaphore(0);

  /**
   * Opened once the server's SETTINGS are acknowledged (or the connection ended). Until the server
   * has that acknowledgement each stream's window is HTTP/2's initial 65,535 bytes, not the one its
   * SETTINGS give, and a larger message sent before it ends its stream with a flow-control error.
   */
  private final CountDownLatch settings = new CountDownLatch(1);

  private volatile boolean closed;
  private int nextStream = 1;

  /** Connects and sends the preface; answers are read on a thread of its own. */
  LoopbackCalls(int port) throws IOException {
    this(port, CONNECTION_WINDOW);
  }

  /**
   * As {@code client} connects and writes its header blocks: Envoy's settings and connection
   * window, or a grpc-java client's ({@link #GRPC_JAVA_STREAM_WINDOW}).
   */
  LoopbackCalls(int port, Client client) throws IOException {
    this(port, client == Client.ENVOY ? CONNECTION_WINDOW : GRPC_JAVA_STREAM_WINDOW, client);
  }

  /**
   * As Envoy, with a connection window of {@code connectionWindow} bytes, at least HTTP/2's initial
   * 65,535 (tests: that one).
   */
  LoopbackCalls(int port, int connectionWindow) throws IOException {
    this(port, connectionWindow, Client.ENVOY);
  }

  private LoopbackCalls(int port, int connectionWindow, Client client) throws IOException {
    this.connectionWindow = connectionWindow;
    this.client = client;
    socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    in = new DataInputStream(socket.getInputStream());
    ByteArrayOutputStream settings = new ByteArrayOutputStream();
    if (client == Client.ENVOY) {
      setting(settings, 0x2, 0); // ENABLE_PUSH off
      setting(settings, 0x1, 4_096); // HEADER_TABLE_SIZE
      setting(settings, 0x8, 0); // ENABLE_CONNECT_PROTOCOL off
      setting(settings, 0x3, 1_024); // MAX_CONCURRENT_STREAMS
      setting(settings, 0x4, STREAM_WINDOW); // INITIAL_WINDOW_SIZE
    } else { // grpc-java 1.85's (Netty): no HEADER_TABLE_SIZE
      setting(settings, 0x2, 0); // ENABLE_PUSH off
      setting(settings, 0x3, 0); // MAX_CONCURRENT_STREAMS: the server may open none
      setting(settings, 0x4, GRPC_JAVA_STREAM_WINDOW); // INITIAL_WINDOW_SIZE
      setting(settings, 0x6, 8_192); // MAX_HEADER_LIST_SIZE
    }
    synchronized (out) {
      out.write(PREFACE);
      frame(out, SETTINGS, 0, 0, settings.toByteArray());
      if (connectionWindow > DEFAULT_WINDOW) { // the connection's
        frame(out, WINDOW_UPDATE, 0, 0, int32(connectionWindow - DEFAULT_WINDOW));
      }
      out.flush();
    }
    reader = new Thread(this::readLoop, "jrego-warm-up-client");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Sends {@code calls} in turn, once the server's SETTINGS are acknowledged, at most {@code
   * outstanding} unanswered at once, until {@code stop} says so or the connection ends; then waits
   * up to 2 s for the answers still due.
   *
   * @param method the gRPC method, such as {@code /envoy.service.auth.v3.Authorization/Check}
   * @param calls what each call sends, in gRPC's length-prefixed framing ({@link #framed}): one
   *     message for a unary call (sent with a deadline of {@link #TIMEOUT_MS}, as Envoy's Check
   *     calls carry one), several for a client stream (an ext_proc stream: no deadline, as Envoy
   *     sends them), all sent at once and half-closed
   * @return the calls answered
   * @throws IOException if the server sends no SETTINGS or stops answering, or the connection ends
   *     before any answer
   */
  long run(String method, List<byte[]> calls, int outstanding, BooleanSupplier stop)
      throws IOException, InterruptedException {
    // unary calls carry Envoy's deadline, streams none
    int timeout = calls.stream().allMatch(c -> messageLengths(c).size() == 1) ? TIMEOUT_MS : 0;
    byte[] first =
        client == Client.ENVOY
            ? requestHeaders(method, AUTHORITY, timeout, "127.0.0.1", true)
            : grpcJavaHeaders(method, AUTHORITY, timeout, true);
    byte[] later =
        client == Client.ENVOY
            ? requestHeaders(method, AUTHORITY, timeout, "127.0.0.1", false)
            : grpcJavaHeaders(method, AUTHORITY, timeout, false);
    if (!settings.await(10, TimeUnit.SECONDS)) {
      throw new IOException("no SETTINGS from the server for 10 s");
    }
    Semaphore slots = new Semaphore(outstanding);
    this.slots = slots;
    long sent = 0;
    while (!closed && !stop.getAsBoolean()) {
      if (!slots.tryAcquire(10, TimeUnit.SECONDS)) {
        throw new IOException("no answer from the server for 10 s");
      }
      if (closed) {
        break;
      }
      send(sent == 0 ? first : later, calls.get((int) (sent % calls.size())));
      sent++;
    }
    slots.tryAcquire(outstanding, 2, TimeUnit.SECONDS);
    if (answered.get() == 0) {
      throw new IOException("the connection ended before any answer");
    }
    return answered.get();
  }

  /** {@code messages} one after the other, each framed as gRPC sends it: not compressed, length. */
  static byte[] framed(List<byte[]> messages) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      b.write(0);
      b.writeBytes(int32(m.length));
      b.writeBytes(m);
    }
    return b.toByteArray();
  }

  /**
   * The lengths of the gRPC messages in {@code grpc} (as {@link #framed} writes them), each with
   * its 5-byte prefix.
   */
  static List<Integer> messageLengths(byte[] grpc) {
    List<Integer> out = new ArrayList<>();
    for (int off = 0; off + 5 <= grpc.length; ) {
      int length =
          5
              + ((grpc[off + 1] & 0xff) << 24
                  | (grpc[off + 2] & 0xff) << 16
                  | (grpc[off + 3] & 0xff) << 8
                  | (grpc[off + 4] & 0xff));
      out.add(length);
      off += length;
    }
    return out;
  }

  /**
   * One call as Envoy sends it: the header block, then one message in DATA frames ending the
   * stream; several (an ext_proc stream) each in DATA frames of its own, then an empty one ending
   * the stream. A single message of {@link #FLOW_CONTROLLED_FROM} bytes or more goes in the frames
   * of {@link #dataFrames}.
   */
  private void send(byte[] headerBlock, byte[] grpc) throws IOException {
    int stream = nextStream;
    nextStream += 2;
    List<Integer> lengths = messageLengths(grpc);
    boolean one = lengths.size() == 1;
    synchronized (out) {
      frame(out, HEADERS, END_HEADERS, stream, headerBlock);
      int start = 0;
      for (int length : lengths) {
        int off = start;
        for (int len : dataFrames(length, one)) {
          boolean last = one && off + len == grpc.length;
          out.write(header(len, DATA, last ? END_STREAM : 0, stream));
          out.write(grpc, off, len);
          off += len;
        }
        start += length;
      }
      if (!one) {
        out.write(header(0, DATA, END_STREAM, stream));
      }
      out.flush();
    }
  }

  /**
   * The sizes of the DATA frames a message of {@code length} bytes (its gRPC prefix included) is
   * sent in: full frames of {@link #MAX_FRAME}, the last one shorter; for a unary call's message
   * ({@code unary}) of {@link #FLOW_CONTROLLED_FROM} bytes or more, {@link #FLOW_CONTROLLED_FRAMES}
   * in turn.
   */
  static List<Integer> dataFrames(int length, boolean unary) {
    boolean held = unary && length >= FLOW_CONTROLLED_FROM;
    List<Integer> out = new ArrayList<>();
    for (int left = length, i = 0; left > 0; i++) {
      int len =
          Math.min(
              left, held ? FLOW_CONTROLLED_FRAMES[i % FLOW_CONTROLLED_FRAMES.length] : MAX_FRAME);
      out.add(len);
      left -= len;
    }
    return out;
  }

  private void readLoop() {
    byte[] head = new byte[9];
    try {
      while (!closed) {
        in.readFully(head);
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | (head[2] & 0xff);
        int type = head[3] & 0xff;
        int flags = head[4] & 0xff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        switch (type) {
          case HEADERS -> {
            if ((flags & END_STREAM) != 0) {
              answered.incrementAndGet();
              slots.release();
            }
          }
          case RST_STREAM -> slots.release(); // refused or cancelled: answered all the same
          case SETTINGS -> {
            if ((flags & ACK) == 0) {
              write(SETTINGS, ACK, new byte[0]);
              settings.countDown();
            }
          }
          case PING -> {
            if ((flags & ACK) == 0) {
              write(PING, ACK, payload);
            } else {
              pinged();
            }
          }
          case GOAWAY -> closed = true;
          case DATA -> {
            received(length);
            bdpPing();
          }
          default -> {
            // WINDOW_UPDATE: nothing to do
          }
        }
      }
    } catch (EOFException e) {
      // the server closed the connection
    } catch (IOException e) {
      // closed by close(), or the connection failed: either way, done
    } finally {
      closed = true;
      slots.release(1 << 20); // wake a waiting run()
      settings.countDown();
    }
  }

  /**
   * Counts an answer's DATA against the connection's window and, as Envoy does, gives the window
   * back once half of it is used (each stream's window of {@link #STREAM_WINDOW} is far more than
   * one answer, and a stream ends with its answer).
   */
  private void received(int length) throws IOException {
    unacknowledged += length;
    if (unacknowledged >= connectionWindow / 2) {
      write(WINDOW_UPDATE, 0, int32((int) unacknowledged));
      unacknowledged = 0;
    }
  }

  /** What a grpc-java client's BDP pings carry (its {@code BDP_MEASUREMENT_PING}). */
  static final long BDP_PING = 1234;

  /** BDP pings after whose answer a grpc-java client grows its connection window. */
  static final int WINDOW_GROWTHS = 3;

  /**
   * As a grpc-java client whose flow control window tunes itself (its default): a PING when data
   * arrives and none is unanswered. Why: the server's frame reader otherwise never sees a PING or a
   * frame on the connection's stream 0 after the handshake (Envoy sends none), and in the fault
   * matrix's number phase (session 17's merged code and main in session 18) the hostile grpc-java
   * client's first calls trapped in Netty's {@code DefaultHttp2FrameReader.verifyFrameState} (the
   * frame type's switch), {@code processPayloadState} and {@code DefaultHttp2Connection.stream}.
   */
  private void bdpPing() throws IOException {
    if (client != Client.GRPC_JAVA || pinging) {
      return;
    }
    pinging = true;
    write(PING, 0, ByteBuffer.allocate(8).putLong(BDP_PING).array());
  }

  /**
   * A BDP ping was answered: for the first {@link #WINDOW_GROWTHS}, the connection window grows by
   * a WINDOW_UPDATE on stream 0, as a grpc-java client's does while its measured bandwidth-delay
   * product grows.
   */
  private void pinged() throws IOException {
    if (client != Client.GRPC_JAVA) {
      return;
    }
    pinging = false;
    if (pings++ < WINDOW_GROWTHS) {
      write(WINDOW_UPDATE, 0, int32(GRPC_JAVA_STREAM_WINDOW));
    }
  }

  private void write(int type, int flags, byte[] payload) throws IOException {
    synchronized (out) {
      frame(out, type, flags, 0, payload);
      out.flush();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
    try {
      reader.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A request's header block in HPACK as Envoy's gRPC client writes it (recorded from Envoy 1.3x;
   * {@code LoopbackCallsTest} compares the bytes): {@code :method POST}; {@code :path} a literal
   * never added to the dynamic table; {@code :authority}, {@code :scheme http}, {@code te}, {@code
   * grpc-timeout} in milliseconds, {@code content-type}, {@code x-envoy-internal}, {@code
   * x-forwarded-for} and {@code x-envoy-expected-rq-timeout-ms}: on the connection's first request
   * literals added to the dynamic table, on every later one indexed from it. Every string
   * Huffman-coded when that is shorter. With a timeout the server arms a deadline timer for each
   * call, as it does for Envoy's Check calls; Envoy's ext_proc streams carry none ({@code
   * timeoutMs} 0: neither timeout field).
   */
  static byte[] requestHeaders(
      String method, String authority, int timeoutMs, String forwardedFor, boolean first) {
    List<String[]> fields = new ArrayList<>(); // {name, value}, after :authority and :scheme
    fields.add(new String[] {"te", "trailers"});
    if (timeoutMs > 0) {
      fields.add(new String[] {"grpc-timeout", timeoutMs + "m"});
    }
    fields.add(new String[] {"content-type", "application/grpc"});
    fields.add(new String[] {"x-envoy-internal", "true"});
    fields.add(new String[] {"x-forwarded-for", forwardedFor});
    if (timeoutMs > 0) {
      fields.add(new String[] {"x-envoy-expected-rq-timeout-ms", Integer.toString(timeoutMs)});
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | 3); // :method POST
    integer(b, 0x00, 4, 4); // :path, a literal not indexed
    string(b, method);
    if (first) {
      indexedLiteral(b, 1, "", authority); // :authority
      b.write(0x80 | 6); // :scheme http
      for (String[] f : fields) {
        indexedLiteral(b, f[0].equals("content-type") ? 31 : 0, f[0], f[1]);
      }
    } else {
      int newest = 62 + fields.size(); // the dynamic table's: :authority is the oldest entry
      integer(b, 0x80, 7, newest);
      b.write(0x80 | 6); // :scheme http
      for (int i = 1; i <= fields.size(); i++) {
        integer(b, 0x80, 7, newest - i);
      }
    }
    return b.toByteArray();
  }

  /** What {@link #grpcJavaHeaders} sends as {@code user-agent}. */
  static final String GRPC_JAVA_AGENT = "grpc-java-netty";

  /**
   * A request's header block shaped as a grpc-java client's (Netty's HPACK encoder) sent straight
   * to the gRPC port, as the fault matrix's hostile client sends them: the connection's first block
   * starts with a dynamic table size update (4,096, what Netty's encoder writes once it has the
   * server's settings); {@code :authority}, {@code :path}, {@code :method}, {@code :scheme}, then
   * {@code content-type}, {@code te}, {@code user-agent}, {@code grpc-accept-encoding} and {@code
   * grpc-timeout} in microseconds (grpc-java's unit for deadlines of seconds), each a literal added
   * to the dynamic table, in every block, so that older entries are evicted as the table fills;
   * every string as it is, never Huffman-coded (Netty's encoder codes only strings of 512 bytes or
   * more). The order and the plain strings are what grpc-java 1.85 writes (a capture of its first
   * call). Not byte-equal to grpc-java's (which indexes a field it sent before): what matters is
   * that the server's decoder takes the paths such a client's blocks take and Envoy's do not. Why:
   * in the fault matrix (session 14 and 15, hash) the hostile client's first calls deoptimised
   * Netty's HPACK decoder ({@code decodeDynamicTableSizeUpdates}, {@code decode}) and gRPC's
   * timeout parser on the replica they went to; with Huffman-coded values, {@code decode} still
   * trapped at the first plain value (bci 555, session 15's merged code).
   */
  static byte[] grpcJavaHeaders(String method, String authority, int timeoutMs, boolean first) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    if (first) {
      integer(b, 0x20, 5, 4_096); // dynamic table size update
    }
    plainLiteral(b, 1, "", authority); // :authority
    plainLiteral(b, 4, "", method); // :path
    b.write(0x80 | 3); // :method POST
    b.write(0x80 | 6); // :scheme http
    plainLiteral(b, 31, "", "application/grpc"); // content-type
    plainLiteral(b, 0, "te", "trailers");
    plainLiteral(b, 58, "", GRPC_JAVA_AGENT); // user-agent
    plainLiteral(b, 0, "grpc-accept-encoding", "gzip");
    if (timeoutMs > 0) {
      plainLiteral(b, 0, "grpc-timeout", timeoutMs * 1_000L + "u");
    }
    return b.toByteArray();
  }

  /**
   * A literal header field with incremental indexing: its name at static table index {@code name},
   * or the literal {@code literalName} when {@code name} is 0.
   */
  private static void indexedLiteral(
      ByteArrayOutputStream b, int name, String literalName, String value) {
    integer(b, 0x40, 6, name);
    if (name == 0) { // a new name
      string(b, literalName);
    }
    string(b, value);
  }

  /**
   * A literal header field with incremental indexing, its strings as they are (never
   * Huffman-coded): its name at static table index {@code name}, or the literal {@code literalName}
   * when {@code name} is 0.
   */
  private static void plainLiteral(
      ByteArrayOutputStream b, int name, String literalName, String value) {
    integer(b, 0x40, 6, name);
    if (name == 0) { // a new name
      string(b, literalName, false);
    }
    string(b, value, false);
  }

  /** A string literal (RFC 7541, 5.2), Huffman-coded when that is shorter, as Envoy's are. */
  private static void string(ByteArrayOutputStream b, String s) {
    string(b, s, true);
  }

  /** A string literal (RFC 7541, 5.2), Huffman-coded if {@code huffman} and that is shorter. */
  private static void string(ByteArrayOutputStream b, String s, boolean huffman) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    long bits = 0;
    for (byte c : bytes) {
      bits += HUFFMAN_LENGTHS[c & 0xff];
    }
    int huffmanLength = (int) ((bits + 7) / 8);
    if (!huffman || huffmanLength >= bytes.length) {
      integer(b, 0x00, 7, bytes.length);
      b.writeBytes(bytes);
      return;
    }
    integer(b, 0x80, 7, huffmanLength);
    long buffer = 0;
    int pending = 0;
    for (byte c : bytes) {
      int length = HUFFMAN_LENGTHS[c & 0xff];
      buffer = (buffer << length) | (HUFFMAN_CODES[c & 0xff] & 0xffffffffL);
      pending += length;
      while (pending >= 8) {
        pending -= 8;
        b.write((int) (buffer >>> pending));
      }
    }
    if (pending > 0) { // padded with the most significant bits of EOS: ones
      b.write((int) ((buffer << (8 - pending)) | (0xff >>> pending)));
    }
  }

  /** HPACK's prefixed integer (RFC 7541, 5.1). */
  private static void integer(ByteArrayOutputStream b, int firstBits, int prefix, int value) {
    int max = (1 << prefix) - 1;
    if (value < max) {
      b.write(firstBits | value);
      return;
    }
    b.write(firstBits | max);
    int rest = value - max;
    while (rest >= 0x80) {
      b.write((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    b.write(rest);
  }

  /** HPACK's Huffman code of each byte value (RFC 7541, Appendix B), right-aligned. */
  private static final int[] HUFFMAN_CODES = {
    0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7,
    0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea, 0x3ffffffd, 0xfffffeb, 0xfffffec,
    0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3,
    0xffffff4, 0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb,
    0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa,
    0x3fa, 0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18,
    0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
    0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb, 0x3fc,
    0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62,
    0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
    0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72,
    0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22,
    0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26,
    0x27, 0x6, 0x74, 0x75, 0x28, 0x29, 0x2a, 0x7,
    0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78,
    0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd, 0xffffffc,
    0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9,
    0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde, 0xffffeb, 0x7fffdf,
    0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3,
    0x7fffe4, 0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef,
    0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde,
    0x7fffea, 0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec,
    0x1fffe0, 0x1fffe1, 0x3fffe0, 0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef,
    0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1,
    0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec,
    0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf, 0x3ffffe5, 0xfffff1, 0x1ffffed,
    0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2,
    0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4, 0x7ffffe5,
    0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3,
    0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4,
    0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea,
    0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
  };

  /** The length in bits of each code in {@link #HUFFMAN_CODES}. */
  private static final byte[] HUFFMAN_LENGTHS = {
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
        28, 28, 28, 28, 28, 28, 28, 28,
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15,
        6, 12, 10,
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13,
        14, 6,
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14,
        13, 28,
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23,
        23, 21, 22, 23, 22, 23, 23, 24,
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23,
        20, 22, 22, 22, 23, 22, 22, 23,
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24,
        21, 21, 26, 26, 28, 27, 27, 27,
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27,
        27, 28, 27, 27, 27, 27, 27, 26,
  };

  private static void setting(ByteArrayOutputStream b, int id, int value) {
    b.write(id >>> 8);
    b.write(id);
    b.writeBytes(int32(value));
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload)
      throws IOException {
    out.write(header(payload.length, type, flags, stream));
    out.write(payload);
  }

  private static byte[] header(int length, int type, int flags, int stream) {
    return new byte[] {
      (byte) (length >>> 16),
      (byte) (length >>> 8),
      (byte) length,
      (byte) type,
      (byte) flags,
      (byte) (stream >>> 24),
      (byte) (stream >>> 16),
      (byte) (stream >>> 8),
      (byte) stream
    };
  }

  private static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
