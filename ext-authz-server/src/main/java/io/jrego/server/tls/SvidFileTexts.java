package io.jrego.server.tls;

import io.jrego.engine.pem.Pem;
import io.jrego.engine.pem.PemException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The three SVID files as read at one moment: each file's text, or why it could not be read. The
 * poller fingerprints and checks the same read. Reading the files twice (once to see whether they
 * changed, once to check them) let a helper's rewrite in place fall between the two: the check saw
 * {@code bundle.pem} truncated and refused it, under the fingerprint of the complete file, so the
 * complete set, the same bytes, was never read again.
 *
 * @param files where the texts were read from
 * @param texts the certificate's, key's and bundle's text, in that order; {@code null} for a file
 *     that could not be read
 * @param problems why each file could not be read, in the same order; {@code null} where it was
 */
record SvidFileTexts(SvidFiles files, List<String> texts, List<String> problems) {

  /** Reads each file once (the files are a few KiB). */
  static SvidFileTexts read(SvidFiles files) {
    String[] texts = new String[3];
    String[] problems = new String[3];
    List<Path> paths = List.of(files.certificate(), files.key(), files.bundle());
    for (int i = 0; i < 3; i++) {
      try {
        texts[i] = Pem.readFile(paths.get(i).toString(), paths.get(i));
      } catch (PemException e) {
        problems[i] = e.getMessage();
      }
    }
    return new SvidFileTexts(files, nullable(texts), nullable(problems));
  }

  String certificate() throws SvidException {
    return text(0);
  }

  String key() throws SvidException {
    return text(1);
  }

  String bundle() throws SvidException {
    return text(2);
  }

  /**
   * What changes when any file's content does: each text's SHA-256, or the reason it could not be
   * read. A rewrite in place within one file-system timestamp tick, with the same size, is seen.
   */
  List<String> fingerprint() {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    String[] out = new String[3];
    for (int i = 0; i < 3; i++) {
      String t = texts.get(i);
      out[i] =
          t == null
              ? "unreadable: " + problems.get(i)
              : HexFormat.of().formatHex(sha256.digest(t.getBytes(StandardCharsets.UTF_8)));
    }
    return List.of(out);
  }

  private String text(int i) throws SvidException {
    String t = texts.get(i);
    if (t == null) {
      throw new SvidException(Objects.requireNonNull(problems.get(i)));
    }
    return t;
  }

  private static List<String> nullable(String[] a) {
    return Arrays.asList(a); // List.of refuses nulls
  }
}
