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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Just enough of an HTTP/2 client to send gRPC calls to a server of ours on loopback, for {@link
 * WarmUp}: the requests are framed once, up front, and the answers are only counted, never decoded.
 * A grpc-java client would do, but it runs the client half of Netty and gRPC in the server's JVM,
 * which the JIT then compiles for nothing, mixes into the profiles of the classes both halves
 * share, and which costs the CPU the warm-up is for.
 *
 * <p>The client announces the largest flow-control windows, so it never sends WINDOW_UPDATE; it
 * acknowledges the server's SETTINGS and PINGs, counts a call done at its trailers (HEADERS with
 * END_STREAM) or RST_STREAM, and stops at GOAWAY or end of stream.
 */
final class LoopbackCalls implements AutoCloseable {

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
  private static final int MAX_WINDOW = Integer.MAX_VALUE;
  private static final int DEFAULT_WINDOW = 65_535;
  private static final int MAX_FRAME = 16_384;

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final Thread reader;
  private final AtomicLong answered = new AtomicLong();
  private volatile Semaphore slots = new Semaphore(0);
  private volatile boolean closed;
  private int nextStream = 1;

  /** Connects and sends the preface; answers are read on a thread of its own. */
  LoopbackCalls(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    in = new DataInputStream(socket.getInputStream());
    ByteArrayOutputStream settings = new ByteArrayOutputStream();
    setting(settings, 0x2, 0); // ENABLE_PUSH off
    setting(settings, 0x4, MAX_WINDOW); // INITIAL_WINDOW_SIZE: streams never wait
    synchronized (out) {
      out.write(PREFACE);
      frame(out, SETTINGS, 0, 0, settings.toByteArray());
      frame(out, WINDOW_UPDATE, 0, 0, int32(MAX_WINDOW - DEFAULT_WINDOW)); // the connection's
      out.flush();
    }
    reader = new Thread(this::readLoop, "jrego-warm-up-client");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Sends {@code calls} in turn, at most {@code outstanding} unanswered at once, until {@code stop}
   * says so or the connection ends; then waits up to 2 s for the answers still due.
   *
   * @param method the gRPC method, such as {@code /envoy.service.auth.v3.Authorization/Check}
   * @param calls what each call sends, in gRPC's length-prefixed framing ({@link #framed}): one
   *     message for a unary call, several for a client stream, all sent at once and half-closed
   * @return the calls answered
   * @throws IOException if the server stops answering, or the connection ends before any answer
   */
  long run(String method, List<byte[]> calls, int outstanding, BooleanSupplier stop)
      throws IOException, InterruptedException {
    byte[] first = firstRequestHeaders(method);
    byte[] later = laterRequestHeaders();
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

  private void send(byte[] headerBlock, byte[] grpc) throws IOException {
    int stream = nextStream;
    nextStream += 2;
    synchronized (out) {
      frame(out, HEADERS, END_HEADERS, stream, headerBlock);
      for (int off = 0; off < grpc.length; off += MAX_FRAME) {
        int len = Math.min(MAX_FRAME, grpc.length - off);
        boolean last = off + len == grpc.length;
        out.write(header(len, DATA, last ? END_STREAM : 0, stream));
        out.write(grpc, off, len);
      }
      out.flush();
    }
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
            }
          }
          case PING -> {
            if ((flags & ACK) == 0) {
              write(PING, ACK, payload);
            }
          }
          case GOAWAY -> closed = true;
          default -> {
            // DATA (the answer itself), WINDOW_UPDATE: nothing to do
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
   * The first request's header block in HPACK, as Envoy and grpc-java send it (apart from Huffman
   * coding, which they use only the first time too): {@code :method POST} and {@code :scheme http}
   * from the static table; {@code :path}, {@code :authority}, {@code content-type}, {@code te} and
   * {@code grpc-timeout} as literals added to the dynamic table. The server then arms a deadline
   * timer for each call, as it does for Envoy's.
   */
  private static byte[] firstRequestHeaders(String method) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | 3); // :method POST
    b.write(0x80 | 6); // :scheme http
    indexedLiteral(b, 4, "", method); // :path
    indexedLiteral(b, 1, "", "localhost"); // :authority
    indexedLiteral(b, 31, "", "application/grpc"); // content-type
    indexedLiteral(b, 0, "te", "trailers");
    indexedLiteral(b, 0, "grpc-timeout", "10S");
    return b.toByteArray();
  }

  /** Every later request's header block: the same fields, all from the tables. */
  private static byte[] laterRequestHeaders() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0x80 | 3); // :method POST
    b.write(0x80 | 6); // :scheme http
    // the dynamic table's newest entry is 62: grpc-timeout, te, content-type, :authority, :path
    for (int index = 66; index >= 62; index--) {
      integer(b, 0x80, 7, index);
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
    if (name == 0) {
      string(b, literalName);
    }
    string(b, value);
  }

  private static void string(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    integer(b, 0x00, 7, bytes.length);
    b.writeBytes(bytes);
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
