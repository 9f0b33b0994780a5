package io.jrego.engine.builtins.ai;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.text.Normalizer;

/**
 * UTS #39 confusable skeletons from the table in {@code confusables.txt} (a resource beside this
 * class): for each code point that is stable under NFD and that Unicode's confusables data maps to
 * a prototype, the prototype. The table was derived from ICU4J's {@code SpoofChecker} (which
 * carries Unicode's confusables data) by {@code ConfusablesTableGenerator} in the tests, and {@code
 * ConfusablesTableTest} checks it against ICU4J for every code point. jrego ships the table rather
 * than ICU4J: the measurements are in the engine's README.
 */
final class Confusables {

  private Confusables() {}

  private static final int[] KEYS;
  private static final String[] VALUES;

  static {
    byte[] data;
    try (InputStream in = Confusables.class.getResourceAsStream("confusables.txt")) {
      if (in == null) {
        throw new IllegalStateException("confusables.txt is missing from the class path");
      }
      data = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // A plain byte loop: this runs once, cold, at start-up, where a reader and a substring
    // per field would cost several times more (SkeletonStartupBenchmark).
    int lines = 0;
    for (byte b : data) {
      if (b == '\n') {
        lines++;
      }
    }
    int[] keys = new int[lines];
    String[] values = new String[lines];
    int n = 0;
    int i = 0;
    StringBuilder v = new StringBuilder(8);
    while (i < data.length) {
      if (data[i] == '#') {
        while (i < data.length && data[i] != '\n') {
          i++;
        }
        i++;
        continue;
      }
      int key = 0;
      while (data[i] != '\t') {
        key = (key << 4) | Character.digit(data[i++], 16);
      }
      i++;
      v.setLength(0);
      while (i < data.length && data[i] != '\n') {
        int cp = 0;
        while (i < data.length && data[i] != ' ' && data[i] != '\n') {
          cp = (cp << 4) | Character.digit(data[i++], 16);
        }
        v.appendCodePoint(cp);
        if (i < data.length && data[i] == ' ') {
          i++;
        }
      }
      i++;
      if (n > 0 && key <= keys[n - 1]) {
        throw new IllegalStateException("confusables.txt is not sorted at entry " + (n + 1));
      }
      keys[n] = key;
      values[n] = v.toString();
      n++;
    }
    KEYS = java.util.Arrays.copyOf(keys, n);
    VALUES = java.util.Arrays.copyOf(values, n);
  }

  /** The prototype of {@code cp}, or null when the table has none (the code point is its own). */
  static String prototype(int cp) {
    int lo = 0;
    int hi = KEYS.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int k = KEYS[mid];
      if (k < cp) {
        lo = mid + 1;
      } else if (k > cp) {
        hi = mid - 1;
      } else {
        return VALUES[mid];
      }
    }
    return null;
  }

  /** The number of table entries. */
  static int size() {
    return KEYS.length;
  }

  /** UTS #39 {@code skeleton(s)}: NFD, each code point replaced by its prototype, NFD again. */
  static String skeleton(String s) {
    String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
    StringBuilder b = new StringBuilder(nfd.length());
    nfd.codePoints()
        .forEach(
            cp -> {
              String p = prototype(cp);
              if (p == null) {
                b.appendCodePoint(cp);
              } else {
                b.append(p);
              }
            });
    return Normalizer.normalize(b, Normalizer.Form.NFD);
  }
}
