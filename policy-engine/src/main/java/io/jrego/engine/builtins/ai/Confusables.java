package io.jrego.engine.builtins.ai;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

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
    List<Integer> keys = new ArrayList<>();
    List<String> values = new ArrayList<>();
    try (InputStream in = Confusables.class.getResourceAsStream("confusables.txt")) {
      if (in == null) {
        throw new IllegalStateException("confusables.txt is missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int tab = line.indexOf('\t');
        int key = Integer.parseInt(line.substring(0, tab), 16);
        StringBuilder v = new StringBuilder();
        int from = tab + 1;
        while (from < line.length()) {
          int space = line.indexOf(' ', from);
          int to = space < 0 ? line.length() : space;
          v.appendCodePoint(Integer.parseInt(line.substring(from, to), 16));
          from = to + 1;
        }
        keys.add(key);
        values.add(v.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    KEYS = new int[keys.size()];
    for (int i = 0; i < KEYS.length; i++) {
      KEYS[i] = keys.get(i);
      if (i > 0 && KEYS[i] <= KEYS[i - 1]) {
        throw new IllegalStateException("confusables.txt is not sorted at line " + (i + 1));
      }
    }
    VALUES = values.toArray(String[]::new);
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
