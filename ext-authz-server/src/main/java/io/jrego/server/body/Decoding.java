package io.jrego.server.body;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses a body that arrives in pieces, for {@code content-encoding: gzip} (RFC 1952, one
 * member or several in a row) and {@code deflate} (zlib, RFC 1950, or raw deflate, which some
 * servers send under that name). Whatever a piece completes is returned at once, so a compressed
 * stream is inspected as it flows. A piece that inflates to more than the limit is an error (a
 * decompression bomb must not fill the heap). Not thread-safe.
 */
public final class Decoding implements AutoCloseable {

  /** The encodings this class reads. */
  public enum Encoding {
    GZIP,
    DEFLATE
  }

  private enum State {
    HEADER,
    BODY,
    TRAILER,
    DONE
  }

  private final Encoding encoding;
  private final long maxOut;
  private final ByteArrayOutputStream header = new ByteArrayOutputStream();
  private final byte[] buf = new byte[16 * 1024];
  private Inflater inflater;
  private State state = State.HEADER;
  private int trailerLeft;

  /**
   * @param encoding what to undo
   * @param maxOutPerPiece the most bytes one piece may inflate to
   */
  public Decoding(Encoding encoding, long maxOutPerPiece) {
    this.encoding = encoding;
    this.maxOut = maxOutPerPiece;
  }

  /**
   * The encoding a {@code content-encoding} value names: empty for none or {@code identity}; {@code
   * gzip}, {@code x-gzip}, {@code deflate}. Anything else (br, zstd, a list of several) is an
   * error: such a body could not be inspected, and is not passed on uninspected.
   */
  public static Optional<Encoding> of(String contentEncoding) throws BodyException {
    String e = contentEncoding == null ? "" : contentEncoding.strip().toLowerCase(Locale.ROOT);
    return switch (e) {
      case "", "identity" -> Optional.empty();
      case "gzip", "x-gzip" -> Optional.of(Encoding.GZIP);
      case "deflate" -> Optional.of(Encoding.DEFLATE);
      default ->
          throw new BodyException(
              "content-encoding \""
                  + contentEncoding
                  + "\" cannot be inspected (gzip and deflate can)");
    };
  }

  /** Inflates the next piece. */
  public byte[] push(byte[] piece) throws BodyException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, piece.length * 3));
    byte[] in = piece;
    int pos = 0;
    while (pos < in.length) {
      switch (state) {
        case HEADER -> {
          // the header may span pieces: go on from the bytes buffered since it started
          header.write(in, pos, in.length - pos);
          byte[] h = header.toByteArray();
          int length = encoding == Encoding.GZIP ? gzipHeaderLength(h) : deflateHeaderLength(h);
          if (length < 0) {
            return out.toByteArray();
          }
          header.reset();
          in = h;
          pos = length;
          state = State.BODY;
        }
        case BODY -> {
          inflater.setInput(in, pos, in.length - pos);
          drain(out);
          if (inflater.finished()) {
            pos = in.length - inflater.getRemaining();
            inflater.end();
            inflater = null;
            trailerLeft = 8; // gzip: CRC-32 and length
            state = encoding == Encoding.GZIP ? State.TRAILER : State.DONE;
          } else {
            pos = in.length;
          }
        }
        case TRAILER -> {
          int n = Math.min(trailerLeft, in.length - pos);
          trailerLeft -= n;
          pos += n;
          if (trailerLeft == 0) {
            state = State.HEADER; // another member may follow
          }
        }
        case DONE -> throw new BodyException("compressed body has data after its end");
      }
    }
    return out.toByteArray();
  }

  /** Ends the body: an error if it stops in the middle of compressed data. */
  public void finish() throws BodyException {
    boolean clean = state == State.DONE || (state == State.HEADER && header.size() == 0);
    if (!clean) {
      throw new BodyException("compressed body ends in the middle of its data");
    }
  }

  private void drain(ByteArrayOutputStream out) throws BodyException {
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0) {
          if (inflater.needsInput()) {
            return;
          }
          if (inflater.needsDictionary()) {
            throw new BodyException("compressed body needs a preset dictionary");
          }
          continue;
        }
        out.write(buf, 0, n);
        if (out.size() > maxOut) {
          throw new BodyException(
              "compressed body inflates to more than " + maxOut + " bytes from one piece");
        }
      }
    } catch (DataFormatException e) {
      throw new BodyException("compressed body is corrupt: " + e.getMessage());
    }
  }

  /** The length of the gzip header at the start of {@code h}, or -1 if it needs more bytes. */
  private int gzipHeaderLength(byte[] h) throws BodyException {
    if (h.length < 10) {
      return -1;
    }
    if ((h[0] & 0xff) != 0x1f || (h[1] & 0xff) != 0x8b || h[2] != 8) {
      throw new BodyException("content-encoding gzip, but the body is not gzip data");
    }
    int flags = h[3] & 0xff;
    int i = 10;
    if ((flags & 4) != 0) { // FEXTRA: two length bytes, then that many
      if (h.length < i + 2) {
        return -1;
      }
      i += 2 + ((h[i] & 0xff) | ((h[i + 1] & 0xff) << 8));
    }
    for (int bit : new int[] {8, 16}) { // FNAME, FCOMMENT: zero-terminated
      if ((flags & bit) != 0) {
        while (i < h.length && h[i] != 0) {
          i++;
        }
        if (i >= h.length) {
          return -1;
        }
        i++;
      }
    }
    if ((flags & 2) != 0) { // FHCRC
      i += 2;
    }
    if (i > h.length) {
      return -1;
    }
    inflater = new Inflater(true);
    return i;
  }

  /** Zlib or raw deflate: decided by the first two bytes, which then stay part of the data. */
  private int deflateHeaderLength(byte[] h) {
    if (h.length < 2) {
      return -1;
    }
    int cmf = h[0] & 0xff;
    int flg = h[1] & 0xff;
    boolean zlib = (cmf & 0x0f) == 8 && ((cmf << 8) | flg) % 31 == 0;
    inflater = new Inflater(!zlib);
    return 0;
  }

  @Override
  public void close() {
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }
}
