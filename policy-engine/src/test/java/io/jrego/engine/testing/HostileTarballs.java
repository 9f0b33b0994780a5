package io.jrego.engine.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Builds the issue 14 bundles that passed the old limits, small on the wire and huge unpacked,
 * without ever holding them unpacked: a gzip stream may be several members back to back, so a
 * megabyte of spaces compressed once is repeated as often as needed.
 */
public final class HostileTarballs {

  private static final int MIB = 1 << 20;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** A gzip member holding {@code data}, compressed as hard as gzip can. */
  private static byte[] member(byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream gz =
        new GZIPOutputStream(b) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      gz.write(data);
    }
    return b.toByteArray();
  }

  /** An entry of {@code head}, then {@code mib} MiB of {@code fill}, then {@code tail}. */
  public HostileTarballs entry(String name, String head, int mib, byte fill, String tail)
      throws IOException {
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] t = tail.getBytes(StandardCharsets.UTF_8);
    long size = h.length + (long) mib * MIB + t.length;
    out.writeBytes(member(header(name, size)));
    out.writeBytes(member(h));
    byte[] chunk = new byte[MIB];
    Arrays.fill(chunk, fill);
    byte[] compressed = member(chunk);
    for (int i = 0; i < mib; i++) {
      out.writeBytes(compressed);
    }
    int pad = (int) ((512 - size % 512) % 512);
    out.writeBytes(member(concat(t, new byte[pad])));
    return this;
  }

  /** A small entry. */
  public HostileTarballs file(String name, String content) throws IOException {
    return entry(name, content, 0, (byte) 0, "");
  }

  /** The whole gzip stream, with the end-of-archive blocks. */
  public byte[] build() throws IOException {
    out.writeBytes(member(new byte[1024]));
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static byte[] header(String name, long size) {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", size));
    put(h, 136, "00000000000");
    h[156] = '0';
    put(h, 257, "ustar");
    h[263] = '0';
    h[264] = '0';
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    return h;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, b.length);
  }
}
