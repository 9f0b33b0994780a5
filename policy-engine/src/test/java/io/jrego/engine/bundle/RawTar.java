package io.jrego.engine.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Builds tar.gz archives entry by entry, hostile ones included, for tests. */
final class RawTar {
  private final ByteArrayOutputStream tar = new ByteArrayOutputStream();

  RawTar file(String name, String content) {
    return entry(name, '0', "", content.getBytes(StandardCharsets.UTF_8));
  }

  RawTar entry(String name, char type, String link, byte[] data) {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", data.length));
    put(h, 136, "00000000000");
    h[156] = (byte) type;
    put(h, 157, link);
    put(h, 257, "ustar");
    h[263] = '0';
    h[264] = '0';
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    tar.writeBytes(h);
    tar.writeBytes(data);
    int rem = data.length % 512;
    if (rem != 0) {
      tar.writeBytes(new byte[512 - rem]);
    }
    return this;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, b.length);
  }

  byte[] gzip() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(tar.toByteArray());
      gz.write(new byte[1024]);
    }
    return out.toByteArray();
  }
}
