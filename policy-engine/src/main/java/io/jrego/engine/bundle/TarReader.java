package io.jrego.engine.bundle;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a gzip-compressed tar archive into memory, refusing what a bundle must not hold.
 *
 * <p>Implementation notes: entries are ustar/GNU/PAX tar headers of 512 bytes. Only regular files
 * and folders are accepted; links, devices and FIFOs are refused. PAX {@code path} records and GNU
 * long names ({@code L}) override the header's name. Names are bundle-relative: one leading {@code
 * /} (OPA's own writer emits {@code /data.json}) and {@code ./} are dropped, since nothing is ever
 * extracted to disk; any other absolute form ({@code //x}, {@code C:}), a {@code ..} or {@code .}
 * segment, an empty segment, a backslash or a NUL is refused. Sizes are checked against the limits
 * before the content is read.
 */
final class TarReader {

  private static final int BLOCK = 512;

  private final String source;
  private final BundleLimits limits;
  private final InputStream in;
  private long total;

  private TarReader(String source, BundleLimits limits, InputStream in) {
    this.source = source;
    this.limits = limits;
    this.in = in;
  }

  /**
   * Reads every file of the archive.
   *
   * @param source the archive's name, for messages
   * @return bundle-relative path (no leading slash) to content, in path order
   */
  static SortedMap<String, byte[]> read(String source, InputStream compressed, BundleLimits limits)
      throws BundleException {
    try (InputStream gz = new GZIPInputStream(new Bounded(compressed, limits.maxTotalBytes()))) {
      return new TarReader(source, limits, gz).entries();
    } catch (TooLarge e) {
      throw BundleException.limit(
          source
              + ": the compressed archive exceeds the limit of "
              + limits.maxTotalBytes()
              + " bytes");
    } catch (ZipException e) {
      throw new BundleException(source + ": not a gzip archive: " + e.getMessage());
    } catch (EOFException e) {
      throw new BundleException(source + ": unexpected end of archive");
    } catch (IOException e) {
      throw new BundleException(source + ": cannot read the archive: " + e.getMessage());
    }
  }

  private SortedMap<String, byte[]> entries() throws IOException, BundleException {
    SortedMap<String, byte[]> files = new TreeMap<>();
    String longName = null;
    String paxPath = null;
    byte[] header = new byte[BLOCK];
    while (true) {
      if (!readBlock(header)) {
        return files; // end of stream without the two zero blocks: GNU tar accepts this too
      }
      if (allZero(header)) {
        return files;
      }
      checkChecksum(header);
      char type = (char) header[156];
      String name = longName != null ? longName : paxPath != null ? paxPath : headerName(header);
      longName = null;
      paxPath = null;
      long size = size(header, name);
      switch (type) {
        case 'L' -> {
          longName = trimNul(new String(content(name, size), StandardCharsets.UTF_8));
          continue;
        }
        case 'x' -> {
          paxPath = paxPath(name, content(name, size));
          continue;
        }
        case 'g' -> {
          content(name, size);
          continue;
        }
        case '5' -> {
          cleanName(name, true);
          skip(size);
          continue;
        }
        case '0', '\0', '7' -> {
          // regular file
        }
        case '1' ->
            throw new BundleException(
                source + ": entry " + name + ": hard links are not allowed in a bundle");
        case '2' ->
            throw new BundleException(
                source + ": entry " + name + ": symbolic links are not allowed in a bundle");
        default ->
            throw new BundleException(
                source + ": entry " + name + ": unsupported tar entry type '" + type + "'");
      }
      String clean = cleanName(name, false);
      if (files.size() >= limits.maxFiles()) {
        throw BundleException.limit(
            source + ": entry " + name + ": more than " + limits.maxFiles() + " files");
      }
      byte[] data = content(name, size);
      if (files.put(clean, data) != null) {
        throw new BundleException(source + ": entry " + name + ": duplicate file " + clean);
      }
    }
  }

  private String cleanName(String name, boolean folder) throws BundleException {
    String n = name;
    if (folder && n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    if (n.startsWith("./")) {
      n = n.substring(2);
    } else if (n.startsWith("/") && !n.startsWith("//")) {
      n = n.substring(1);
    }
    if (folder && (n.isEmpty() || n.equals("."))) {
      return "";
    }
    if (n.isEmpty()
        || n.startsWith("/")
        || n.indexOf('\\') >= 0
        || n.indexOf('\0') >= 0
        || (n.length() >= 2 && n.charAt(1) == ':')) {
      throw new BundleException(
          source + ": entry " + name + ": absolute or malformed path not allowed in a bundle");
    }
    for (String seg : n.split("/", -1)) {
      if (seg.equals("..")) {
        throw new BundleException(
            source + ": entry " + name + ": path traversal (..) not allowed in a bundle");
      }
      if (seg.isEmpty() || seg.equals(".")) {
        throw new BundleException(
            source + ": entry " + name + ": empty or . path segment not allowed in a bundle");
      }
    }
    return n;
  }

  private byte[] content(String name, long size) throws IOException, BundleException {
    if (size > limits.maxFileBytes()) {
      throw BundleException.limit(
          source
              + ": entry "
              + name
              + ": "
              + size
              + " bytes exceeds the limit of "
              + limits.maxFileBytes()
              + " bytes per file");
    }
    total += size;
    if (total > limits.maxTotalBytes()) {
      throw BundleException.limit(
          source
              + ": entry "
              + name
              + ": the bundle exceeds the limit of "
              + limits.maxTotalBytes()
              + " bytes in all");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length != size) {
      throw new EOFException();
    }
    skip(padding(size));
    return data;
  }

  private void skip(long size) throws IOException {
    long left = size;
    while (left > 0) {
      long n = in.skip(left);
      if (n <= 0) {
        if (in.read() < 0) {
          throw new EOFException();
        }
        n = 1;
      }
      left -= n;
    }
  }

  private static long padding(long size) {
    long rem = size % BLOCK;
    return rem == 0 ? 0 : BLOCK - rem;
  }

  private boolean readBlock(byte[] block) throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException();
    }
    return true;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private void checkChecksum(byte[] h) throws BundleException {
    long want = octal(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (want != sum) {
      throw new BundleException(source + ": not a tar archive (bad header checksum)");
    }
  }

  private static String headerName(byte[] h) {
    String name = field(h, 0, 100);
    boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    String prefix = ustar ? field(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private long size(byte[] h, String name) throws BundleException {
    if ((h[124] & 0x80) != 0) { // GNU base-256: far beyond any limit
      throw BundleException.limit(
          source
              + ": entry "
              + name
              + ": exceeds the limit of "
              + limits.maxFileBytes()
              + " bytes");
    }
    long s = octal(h, 124, 12);
    if (s < 0) {
      throw new BundleException(source + ": entry " + name + ": malformed size");
    }
    return s;
  }

  private static long octal(byte[] h, int off, int len) {
    long v = 0;
    boolean any = false;
    for (int i = off; i < off + len; i++) {
      int c = h[i];
      if (c == 0 || c == ' ') {
        if (any) {
          break;
        }
        continue;
      }
      if (c < '0' || c > '7') {
        return -1;
      }
      any = true;
      v = v * 8 + (c - '0');
      if (v > (1L << 40)) {
        return -1;
      }
    }
    return v;
  }

  private static String field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return new String(h, off, end - off, StandardCharsets.UTF_8);
  }

  private static String trimNul(String s) {
    int i = s.indexOf('\0');
    return i < 0 ? s : s.substring(0, i);
  }

  /** The {@code path} record of a PAX extended header, or null. Records: "len key=value\n". */
  private String paxPath(String name, byte[] data) throws BundleException {
    String path = null;
    int i = 0;
    while (i < data.length) {
      int sp = i;
      while (sp < data.length && data[sp] != ' ') {
        sp++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new BundleException(source + ": entry " + name + ": malformed PAX header");
      }
      // the length counts itself, the space, the record and its newline
      if (sp == data.length
          || len < sp - i + 2
          || len > data.length - i
          || data[i + len - 1] != '\n') {
        throw new BundleException(source + ": entry " + name + ": malformed PAX header");
      }
      String rec = new String(data, sp + 1, i + len - sp - 2, StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      if (eq > 0) {
        String key = rec.substring(0, eq);
        if (key.equals("path")) {
          path = rec.substring(eq + 1);
        } else if (key.equals("linkpath")) {
          throw new BundleException(
              source + ": entry " + name + ": links are not allowed in a bundle");
        }
      }
      i += len;
    }
    return path;
  }

  /** The compressed archive is larger than the bundle may be uncompressed. */
  private static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;
  }

  /** Stops reading after {@code max} bytes, so a huge compressed archive is refused early. */
  private static final class Bounded extends java.io.FilterInputStream {
    private long left;

    Bounded(InputStream in, long max) {
      super(in);
      this.left = max;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        left -= n;
        if (left < 0) {
          throw new TooLarge();
        }
      }
      return n;
    }
  }
}
