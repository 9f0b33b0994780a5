package io.jrego.server.bundle;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;

/**
 * What a bundle source read, as one value to compare with what it read last: a SHA-256 over each
 * file's name, length and bytes, in name order. The HTTP and local sources decide on it whether a
 * read is new.
 */
final class BundleDigest {

  private BundleDigest() {}

  /** The digest of {@code files} (path inside the bundle → bytes), in hex. */
  static String of(SortedMap<String, byte[]> files) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    ByteBuffer sizes = ByteBuffer.allocate(2 * Long.BYTES);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      byte[] name = f.getKey().getBytes(StandardCharsets.UTF_8);
      sha.update(sizes.clear().putLong(name.length).putLong(f.getValue().length).flip());
      sha.update(name);
      sha.update(f.getValue());
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
