package io.jrego.engine.builtins.ai;

import java.util.Arrays;

/**
 * The words of a view: maximal runs of letters and digits, as view index ranges with a hash of each
 * word. No string is made per word: the lexicon is looked up by hash and the word compared in
 * place, which keeps a 100 KB text from allocating a string per word.
 */
final class Tokens {

  private final MappedText view;
  private final boolean rot13;
  final int[] from;
  final int[] to;
  private final int[] hash;
  final int size;

  private Tokens(MappedText view, boolean rot13, int[] from, int[] to, int[] hash, int size) {
    this.view = view;
    this.rot13 = rot13;
    this.from = from;
    this.to = to;
    this.hash = hash;
    this.size = size;
  }

  /**
   * The words of {@code v}; without rot13, those its maker found ({@link MappedText#words}) when it
   * found them.
   */
  static Tokens of(MappedText v, boolean rot13) {
    if (!rot13 && v.words != null) {
      return v.words;
    }
    return split(v, rot13);
  }

  /** Splits {@code v} into words. */
  static Tokens split(MappedText v, boolean rot13) {
    int n = v.length();
    Builder words = new Builder(Math.max(8, n / 5));
    int[] c = v.codePoints();
    int i = 0;
    while (i < n) {
      if (!isWordChar(c[i])) {
        i++;
        continue;
      }
      int j = i;
      int h = 0;
      if (rot13) {
        while (j < n && isWordChar(c[j])) {
          h = 31 * h + charOf(c[j], true);
          j++;
        }
      } else {
        // charOf without rot13: code points outside the BMP count as 0xFFFF
        while (j < n && isWordChar(c[j])) {
          h = 31 * h + Math.min(c[j], 0xFFFF);
          j++;
        }
      }
      words.add(i, j, h);
      i = j;
    }
    return new Tokens(v, rot13, words.from, words.to, words.hash, words.count);
  }

  /** Words as a walk finds them: their bounds {@code [from[k], to[k])} and hashes, in order. */
  static class Builder {
    int[] from;
    int[] to;
    int[] hash;
    int count;

    Builder(int capacity) {
      from = new int[capacity];
      to = new int[capacity];
      hash = new int[capacity];
    }

    void add(int f, int t, int h) {
      if (count == from.length) {
        from = Arrays.copyOf(from, count * 2);
        to = Arrays.copyOf(to, count * 2);
        hash = Arrays.copyOf(hash, count * 2);
      }
      from[count] = f;
      to[count] = t;
      hash[count++] = h;
    }

    /** The words found, of {@code v} without rot13. */
    Tokens build(MappedText v) {
      return new Tokens(v, false, from, to, hash, count);
    }
  }

  private static final boolean[] ASCII_ALNUM = new boolean[128];

  static {
    for (int c = 0; c < 128; c++) {
      ASCII_ALNUM[c] = Character.isLetterOrDigit(c);
    }
  }

  private static boolean isWordChar(int cp) {
    return cp < 128 ? ASCII_ALNUM[cp] : Character.isLetterOrDigit(cp);
  }

  /** The word's code point as compared with the lexicon (astral code points never match). */
  private static int charOf(int cp, boolean rot13) {
    int c = rot13 ? rot13(cp) : cp;
    return c > 0xFFFF ? 0xFFFF : c;
  }

  private int charAt(int token, int k) {
    return charOf(view.cp(from[token] + k), rot13);
  }

  int length(int token) {
    return to[token] - from[token];
  }

  /** String.hashCode of the word (as it would be for the word's string). */
  int hash(int token) {
    return hash[token];
  }

  /** The first four chars packed as {@link Lexicon} packs stems; the word has at least four. */
  long prefix4(int token) {
    int[] c = view.codePoints();
    int f = from[token];
    return ((long) charOf(c[f], rot13) << 48)
        | ((long) charOf(c[f + 1], rot13) << 32)
        | ((long) charOf(c[f + 2], rot13) << 16)
        | charOf(c[f + 3], rot13);
  }

  boolean equalsWord(int token, String w) {
    if (length(token) != w.length()) {
      return false;
    }
    for (int k = 0; k < w.length(); k++) {
      if (charAt(token, k) != w.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The word's first four chars (as compared with the lexicon) packed as {@link Lexicon} packs
   * stems, 0 for each char a shorter word lacks: with the length, a word of up to four chars is
   * compared by one compare, without a loop whose end depends on the word.
   */
  long key4(int token) {
    int[] c = view.codePoints();
    int f = from[token];
    int len = to[token] - f;
    int last = f + len - 1;
    // all ones when the word has char k, else 0 (no branch per char)
    long m1 = -(long) ((1 - len) >>> 31);
    long m2 = -(long) ((2 - len) >>> 31);
    long m3 = -(long) ((3 - len) >>> 31);
    return ((long) charOf(c[f], rot13) << 48)
        | (((long) charOf(c[Math.min(f + 1, last)], rot13) << 32) & m1)
        | (((long) charOf(c[Math.min(f + 2, last)], rot13) << 16) & m2)
        | (charOf(c[Math.min(f + 3, last)], rot13) & m3);
  }

  /** {@link #equalsWord(int, String)} of a word given by its chars. */
  boolean equalsWord(int token, int[] w) {
    return to[token] - from[token] == w.length && startsWithWord(token, w);
  }

  /** {@link #startsWithWord(int, String)} of a word given by its chars. */
  boolean startsWithWord(int token, int[] w) {
    int f = from[token];
    if (to[token] - f < w.length) {
      return false;
    }
    int[] c = view.codePoints();
    for (int k = 0; k < w.length; k++) {
      if (charOf(c[f + k], rot13) != w[k]) {
        return false;
      }
    }
    return true;
  }

  boolean startsWithWord(int token, String w) {
    if (length(token) < w.length()) {
      return false;
    }
    for (int k = 0; k < w.length(); k++) {
      if (charAt(token, k) != w.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  static int rot13(int c) {
    if (c >= 'a' && c <= 'z') {
      return 'a' + (c - 'a' + 13) % 26;
    }
    if (c >= 'A' && c <= 'Z') {
      return 'A' + (c - 'A' + 13) % 26;
    }
    return c;
  }
}
