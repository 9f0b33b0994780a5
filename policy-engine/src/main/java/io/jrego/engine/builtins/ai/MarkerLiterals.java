package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.ai.InjectionRules.Marker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The marker literals by their first two characters, so one pass over a text finds them all. Keyed
 * by two characters, not one: a first letter alone ('s' of "system:", 'e' of "end of input") would
 * send a compare to most words of ordinary text.
 *
 * <p>The positions where a literal may start ({@link #mayStart}: its first two characters and the
 * third's filter) can be found by the walk that makes a view ({@link TextViews}' front pass does,
 * for the folded view of most texts, {@link TextViews#literalStarts}): then {@link #find} compares
 * literals at those positions alone instead of reading the view again.
 */
final class MarkerLiterals {
  private static final int KEYS = 128 * 128;
  private final String[][] literals = new String[KEYS][];
  private final int[][] markers = new int[KEYS][];

  /** Per marker, its longest literal's length. */
  final int[] longest;

  /**
   * One bit per key that has literals: 2 KB, read at every position of a text, where the 64 KB of
   * {@link #literals} would be read from further away.
   */
  private final long[] keyBits = new long[KEYS / 64];

  /**
   * Per key, the third characters its literals have, one bit per ASCII character ({@code [2k]}
   * below 64, {@code [2k + 1]} the rest); all bits when a literal has only two characters or a
   * third outside ASCII. Common pairs ("en", "st", "de") are keys: the third character turns most
   * of their occurrences away before any literal is compared.
   */
  private final long[] third = new long[2 * KEYS];

  MarkerLiterals(List<Marker> all) {
    longest = new int[all.size()];
    java.util.Map<Integer, List<String>> lits = new java.util.TreeMap<>();
    java.util.Map<Integer, List<Integer>> ms = new java.util.TreeMap<>();
    for (int m = 0; m < all.size(); m++) {
      for (String l : all.get(m).literals()) {
        if (l.length() < 2 || l.charAt(0) >= 128 || l.charAt(1) >= 128) {
          throw new IllegalStateException(
              "marker "
                  + all.get(m).id()
                  + ": a literal must start with two ASCII characters, got \""
                  + l
                  + "\"");
        }
        int key = l.charAt(0) * 128 + l.charAt(1);
        if (l.length() == 2 || l.charAt(2) >= 128) {
          third[2 * key] = -1L;
          third[2 * key + 1] = -1L;
        } else {
          third[2 * key + (l.charAt(2) >>> 6)] |= 1L << l.charAt(2);
        }
        lits.computeIfAbsent(key, k -> new ArrayList<>()).add(l);
        ms.computeIfAbsent(key, k -> new ArrayList<>()).add(m);
        longest[m] = Math.max(longest[m], l.length());
      }
    }
    for (var e : lits.entrySet()) {
      int key = e.getKey();
      keyBits[key >>> 6] |= 1L << key;
      literals[e.getKey()] = e.getValue().toArray(String[]::new);
      markers[e.getKey()] = ms.get(e.getKey()).stream().mapToInt(Integer::intValue).toArray();
    }
    // mayStart for a second and third character that are ASCII letters or digits, by rows of
    // the first character: the rows a literal with such a second character starts, row 0 none
    byte[] rows = new byte[128];
    int rowCount = 1;
    for (int key : lits.keySet()) {
      int c0 = key / 128;
      if (alnumIndex(key % 128) >= 0 && rows[c0] == 0) {
        rows[c0] = (byte) rowCount++;
      }
    }
    long[] afterAlnum = new long[rowCount << 6];
    byte[] alnumRows = new byte[128];
    for (int c1 = 0; c1 < 128; c1++) {
      if (alnumIndex(c1) >= 0) {
        alnumRows[alnumIndex(c1)] = rows[c1];
      }
    }
    for (int c0 = 0; c0 < 128; c0++) {
      for (int c1 = 0; c1 < 128; c1++) {
        int a1 = alnumIndex(c1);
        if (rows[c0] == 0 || a1 < 0) {
          continue;
        }
        for (int c2 = 0; c2 < 128; c2++) {
          int a2 = alnumIndex(c2);
          if (a2 >= 0 && mayStart(c0, c1, c2)) {
            afterAlnum[(rows[c0] << 6) | a1] |= 1L << a2;
          }
        }
        if (mayStart(c0, c1, ' ')) {
          afterAlnum[(rows[c0] << 6) | a1] |= 1L << SPACE_BIT;
        }
      }
    }
    long[] afterSpace = new long[64];
    for (int c0 = 0; c0 < 128; c0++) {
      for (int c2 = 0; c2 < 128; c2++) {
        if (alnumIndex(c0) >= 0 && alnumIndex(c2) >= 0 && mayStart(c0, ' ', c2)) {
          afterSpace[alnumIndex(c0)] |= 1L << alnumIndex(c2);
        }
      }
    }
    this.rows = rows;
    this.alnumRows = alnumRows;
    this.afterAlnum = afterAlnum;
    this.afterSpace = afterSpace;
  }

  /**
   * Per ASCII character, its row in {@link #afterAlnum}: non-zero for the first character of a
   * literal whose second character is an ASCII letter or digit.
   */
  final byte[] rows;

  /** {@link #rows} by {@link #alnumIndex} (128 entries, the rest 0). */
  final byte[] alnumRows;

  /** The bit of an {@link #afterAlnum} entry that answers a space as the third character. */
  static final int SPACE_BIT = 36;

  /**
   * {@link #mayStart} of {@code c0, ' ', c2} when {@code c0} and {@code c2} are lower-case ASCII
   * letters or digits: bit {@link #alnumIndex}{@code (c2)} of {@code afterSpace[alnumIndex(c0)]}.
   * With {@link #SPACE_BIT} the front pass reads the literal tests of a space between two words
   * from tables.
   */
  final long[] afterSpace;

  /**
   * {@link #mayStart} of {@code c0, c1, c2} when {@code c1} and {@code c2} are lower-case ASCII
   * letters or digits, in one read: bit {@link #alnumIndex}{@code (c2)} of {@code
   * afterAlnum[rows[c0] << 6 | alnumIndex(c1)]} (row 0, every character that starts no such
   * literal, is all clear there). The front pass reads it inside runs of letters and digits, most
   * of a text's characters.
   */
  final long[] afterAlnum;

  /** 0-25 for 'a'-'z', 26-35 for '0'-'9', else -1 (upper case is folded before it is asked). */
  static int alnumIndex(int c) {
    if (c >= 'a' && c <= 'z') {
      return c - 'a';
    }
    return c >= '0' && c <= '9' ? 26 + c - '0' : -1;
  }

  /**
   * Whether a literal may start at a position whose code point is {@code c0}, followed by {@code
   * c1} and {@code c2} ({@link #PAST_END} when the view ends after {@code c1}): the first two are a
   * literal's, and the third is one a literal of theirs has there, or is past ASCII (the compare
   * decides). False for every position a literal starts at is impossible: true is only "may".
   */
  boolean mayStart(int c0, int c1, int c2) {
    if ((c0 | c1) >= 128) {
      return false;
    }
    int c = c0 * 128 + c1;
    if ((keyBits[c >>> 6] & (1L << c)) == 0) {
      return false;
    }
    // a third character outside ASCII or past the end passes: the compare decides
    return c2 >= 128 || (third[2 * c + (c2 >>> 6)] & (1L << c2)) != 0;
  }

  /** The third code point {@link #mayStart} is given when the view ends before it. */
  static final int PAST_END = 128;

  /** Whether {@code lit} occurs in {@code v} at {@code i}; its first two characters match. */
  private static boolean startsAt(MappedText v, int i, String lit) {
    int n = lit.length();
    if (i + n > v.length()) {
      return false;
    }
    for (int k = 2; k < n; k++) {
      if (v.cp(i + k) != lit.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Per marker, the ascending code-point offsets in {@code v} at which one of its literals starts;
   * null when no literal occurs (most texts), so that nothing is allocated for them. With {@code
   * starts} (may be null), reads only the positions {@code starts[0, count)}: those of {@code v}
   * where {@link #mayStart} holds, ascending.
   */
  int[][] find(MappedText v, int[] starts, int count) {
    int n = v.length();
    int[] a = v.codePoints();
    int[][] at = null;
    int[] counts = null;
    int k = 0;
    int c1 = n > 0 ? a[0] : 0;
    for (int i = 0; starts != null ? k < count : i + 1 < n; i++) {
      int key;
      if (starts != null) {
        i = starts[k++];
        key = a[i] * 128 + a[i + 1];
      } else {
        int c0 = c1;
        c1 = a[i + 1];
        if (!mayStart(c0, c1, i + 2 < n ? a[i + 2] : PAST_END)) {
          continue;
        }
        key = c0 * 128 + c1;
      }
      String[] ls = literals[key];
      for (int l = 0; l < ls.length; l++) {
        if (startsAt(v, i, ls[l])) {
          if (at == null) {
            at = new int[longest.length][];
            counts = new int[longest.length];
          }
          int m = markers[key][l];
          if (at[m] == null) {
            at[m] = new int[8];
          } else if (counts[m] == at[m].length) {
            at[m] = Arrays.copyOf(at[m], counts[m] * 2);
          }
          if (counts[m] == 0 || at[m][counts[m] - 1] != i) {
            at[m][counts[m]++] = i;
          }
        }
      }
    }
    if (at == null) {
      return null;
    }
    for (int m = 0; m < at.length; m++) {
      if (at[m] != null) {
        at[m] = Arrays.copyOf(at[m], counts[m]);
      }
    }
    return at;
  }

  /**
   * The positions of {@code c[0, n)} where {@link #mayStart} holds, from those of the same view
   * before the code points in the ranges {@code changed[2k], changed[2k + 1]} (ascending, disjoint)
   * were replaced: {@code before[0, count)}, ascending. A position's answer reads its own code
   * point and the two after it, so only positions from two before a range to its end are asked
   * again; the rest are kept.
   */
  int[] afterChanges(int[] c, int n, int[] before, int count, int[] changed, int changedCount) {
    int[] out = new int[Math.max(16, count + 8)];
    int size = 0;
    int q = 0; // next of before
    int done = 0; // positions below this are decided
    for (int k = 0; k < changedCount; k += 2) {
      int from = Math.max(done, changed[k] - 2);
      int to = changed[k + 1];
      // the positions before the range kept, as one block
      int e = Folding.firstFrom(before, q, count, from);
      if (size + (e - q) > out.length) {
        out = Arrays.copyOf(out, Math.max(size * 2, size + (e - q)));
      }
      System.arraycopy(before, q, out, size, e - q);
      size += e - q;
      q = Folding.firstFrom(before, e, count, to);
      for (int p = Math.max(0, from); p < to && p + 1 < n; p++) {
        if (mayStart(c[p], c[p + 1], p + 2 < n ? c[p + 2] : PAST_END)) {
          if (size == out.length) {
            out = Arrays.copyOf(out, size * 2);
          }
          out[size++] = p;
        }
      }
      done = Math.max(done, to);
    }
    if (size + (count - q) > out.length) {
      out = Arrays.copyOf(out, size + (count - q));
    }
    System.arraycopy(before, q, out, size, count - q);
    size += count - q;
    return size == out.length ? out : Arrays.copyOf(out, size);
  }
}
