package io.jrego.engine.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.zip.GZIPOutputStream;

/**
 * Writes bundle files as a gzip-compressed tar archive that OPA reads: entries named {@code
 * /<path>} (as {@code opa build} names them), mode 0644, owner 0, time 0, so the same files always
 * give the same archive.
 */
public final class BundleWriter {

  private static final int BLOCK = 512;

  private BundleWriter() {}

  /**
   * Writes {@code files} (bundle-relative path to content) to {@code out}, which is left open.
   *
   * @throws IOException if {@code out} fails
   */
  public static void write(SortedMap<String, byte[]> files, OutputStream out) throws IOException {
    GZIPOutputStream gz = new GZIPOutputStream(out);
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      writeEntry(gz, "/" + e.getKey(), e.getValue());
    }
    gz.write(new byte[2 * BLOCK]);
    gz.finish();
  }

  /** The archive as bytes. */
  public static byte[] toBytes(SortedMap<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(files, out);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
    return out.toByteArray();
  }

  private static void writeEntry(OutputStream out, String name, byte[] data) throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > 100) {
      // a PAX extended header carries the full name; the ustar name is a truncated stand-in
      String rec = "path=" + name + "\n";
      int len = rec.getBytes(StandardCharsets.UTF_8).length + 2;
      while (len != (Integer.toString(len) + " " + rec).getBytes(StandardCharsets.UTF_8).length) {
        len++;
      }
      byte[] pax = (len + " " + rec).getBytes(StandardCharsets.UTF_8);
      out.write(header("PaxHeaders/entry", pax.length, (byte) 'x'));
      out.write(pax);
      pad(out, pax.length);
      nameBytes = shortName(nameBytes);
    }
    out.write(header(nameBytes, data.length, (byte) '0'));
    out.write(data);
    pad(out, data.length);
  }

  private static byte[] shortName(byte[] full) {
    byte[] s = new byte[100];
    System.arraycopy(full, full.length - 100, s, 0, 100);
    return s;
  }

  private static byte[] header(String name, long size, byte type) {
    return header(name.getBytes(StandardCharsets.UTF_8), size, type);
  }

  private static byte[] header(byte[] name, long size, byte type) {
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, 0);
    h[156] = type;
    System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
    h[263] = '0';
    h[264] = '0';
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    return h;
  }

  /** Writes {@code v} as zero-padded octal in {@code len - 1} digits and a NUL. */
  private static void octal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    if (s.length() > len - 1) {
      throw new IllegalArgumentException("value too large for a tar header: " + v);
    }
    String padded = "0".repeat(len - 1 - s.length()) + s;
    System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
    h[off + len - 1] = 0;
  }

  private static void pad(OutputStream out, long size) throws IOException {
    long rem = size % BLOCK;
    if (rem != 0) {
      out.write(new byte[(int) (BLOCK - rem)]);
    }
  }
}
