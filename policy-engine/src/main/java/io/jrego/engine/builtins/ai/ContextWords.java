package io.jrego.engine.builtins.ai;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Context words ({@code pii-context.tsv}): a word naming the kind of data next to a number makes it
 * much more likely to be that data, as Presidio's context enhancer assumes. Looks at up to six
 * words before a finding and two after, within a bounded number of characters.
 */
final class ContextWords {

  static final int BOOST = 35;
  static final int FLOOR_WITH_CONTEXT = 40;
  private static final int WORDS_BEFORE = 6;
  private static final int WORDS_AFTER = 2;
  private static final int CHARS_BEFORE = 80;
  private static final int CHARS_AFTER = 40;
  private static final int PREFIX_MIN = 4;

  private static final Map<PiiType, Words> WORDS = load();

  private ContextWords() {}

  private static Map<PiiType, Words> load() {
    Map<PiiType, Words> m = new EnumMap<>(PiiType.class);
    for (String[] r : Tables.rows("pii-context.tsv", 2)) {
      PiiType t =
          PiiType.byId(r[0])
              .orElseThrow(
                  () -> new IllegalStateException("pii-context.tsv: unknown type " + r[0]));
      Set<String> words = new HashSet<>();
      for (String w : r[1].split(",", -1)) {
        if (!w.isBlank()) {
          words.add(w.strip().toLowerCase(Locale.ROOT));
        }
      }
      m.put(t, new Words(Set.copyOf(words)));
    }
    return m;
  }

  /** The score after context: boosted when a context word of {@code type} is near the span. */
  static int apply(PiiType type, int score, String text, int start, int end) {
    if (score >= 100) {
      return score;
    }
    Words words = WORDS.get(type);
    if (words == null || !near(words, text, start, end)) {
      return score;
    }
    return Math.min(100, Math.max(score + BOOST, FLOOR_WITH_CONTEXT));
  }

  /** Whether one of {@code words} is among the words just before or after {@code [start,end)}. */
  static boolean near(Words words, String text, int start, int end) {
    int limit = Math.max(0, start - CHARS_BEFORE);
    int seen = 0;
    int i = start;
    while (i > limit && seen < WORDS_BEFORE) {
      while (i > limit && !isWordChar(text.charAt(i - 1))) {
        i--;
      }
      int wEnd = i;
      while (i > limit && isWordChar(text.charAt(i - 1))) {
        i--;
      }
      if (wEnd > i) {
        seen++;
        if (matches(words, text, i, wEnd)) {
          return true;
        }
      }
    }
    int stop = Math.min(text.length(), end + CHARS_AFTER);
    seen = 0;
    i = end;
    while (i < stop && seen < WORDS_AFTER) {
      while (i < stop && !isWordChar(text.charAt(i))) {
        i++;
      }
      int wStart = i;
      while (i < stop && isWordChar(text.charAt(i))) {
        i++;
      }
      if (i > wStart) {
        seen++;
        if (matches(words, text, wStart, i)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-' || c == '#';
  }

  /** Lengths (of four or more) that some context word has: the only prefixes worth a lookup. */
  private static final boolean[] PREFIX_LENGTHS = prefixLengths();

  private static boolean[] prefixLengths() {
    boolean[] l = new boolean[41];
    for (Words ws : WORDS.values()) {
      for (String w : ws.set) {
        if (w.length() >= PREFIX_MIN && w.length() <= 40) {
          l[w.length()] = true;
        }
      }
    }
    return l;
  }

  private static boolean matches(Words words, String text, int from, int to) {
    if (to - from > 40 || !Character.isLetter(text.charAt(from))) {
      return false; // no context word is that long or starts with a digit, '-' or '#'
    }
    return isAscii(text, from, to)
        ? words.asciiMatches(text, from, to)
        : matchesLowerCased(words.set, text, from, to);
  }

  private static boolean isAscii(String text, int from, int to) {
    for (int k = from; k < to; k++) {
      if (text.charAt(k) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** The context words of {@code type}, or null when it has none. */
  static Words words(PiiType type) {
    return WORDS.get(type);
  }

  /** {@link #matches} on a lower-cased copy of the word: the general path, for non-ASCII words. */
  static boolean matchesLowerCased(Set<String> words, String text, int from, int to) {
    String w = text.substring(from, to).toLowerCase(Locale.ROOT);
    while (!w.isEmpty() && (w.charAt(w.length() - 1) == '-' || w.charAt(w.length() - 1) == '#')) {
      if (words.contains(w)) {
        return true;
      }
      w = w.substring(0, w.length() - 1);
    }
    if (words.contains(w)) {
      return true;
    }
    for (int k = PREFIX_MIN; k < w.length(); k++) {
      if (PREFIX_LENGTHS[k] && words.contains(w.substring(0, k))) {
        return true;
      }
    }
    return false;
  }

  /**
   * One type's context words, with an open-addressing table of their hashes so that a word of the
   * text written in ASCII is looked up in place: lower-casing a copy of every word near every
   * candidate (and of its prefixes) was a tenth of a PII-dense scan.
   */
  static final class Words {
    final Set<String> set;
    private final String[] table;
    private final int mask;

    Words(Set<String> set) {
      this.set = set;
      int size = Integer.highestOneBit(Math.max(4, set.size() * 4) - 1) << 1;
      table = new String[size];
      mask = size - 1;
      for (String w : set) {
        int k = w.hashCode() & mask;
        while (table[k] != null) {
          k = (k + 1) & mask;
        }
        table[k] = w;
      }
    }

    /**
     * Whether word {@code [from, to)} of {@code text} matches as {@link
     * ContextWords#matchesLowerCased} decides (itself, itself without trailing {@code -}/{@code #},
     * or a prefix of a context word's length), for a word written in ASCII, lower-cased by char as
     * {@code toLowerCase(Locale.ROOT)} does.
     */
    boolean asciiMatches(String text, int from, int to) {
      int len = to - from;
      int stripped = len;
      while (stripped > 0 && isTrailer(text.charAt(from + stripped - 1))) {
        stripped--;
      }
      int h = 0;
      for (int k = 1; k <= len; k++) {
        h = 31 * h + lower(text.charAt(from + k - 1));
        boolean asked = k >= stripped || (k >= PREFIX_MIN && k <= 40 && PREFIX_LENGTHS[k]);
        if (asked && contains(h, text, from, k)) {
          return true;
        }
      }
      return false;
    }

    private boolean contains(int hash, String text, int from, int len) {
      for (int k = hash & mask; table[k] != null; k = (k + 1) & mask) {
        String w = table[k];
        if (w.length() == len && w.hashCode() == hash && sameLower(w, text, from)) {
          return true;
        }
      }
      return false;
    }

    private static boolean sameLower(String w, String text, int from) {
      for (int i = 0; i < w.length(); i++) {
        if (w.charAt(i) != lower(text.charAt(from + i))) {
          return false;
        }
      }
      return true;
    }

    private static boolean isTrailer(char c) {
      return c == '-' || c == '#';
    }

    private static char lower(char c) {
      return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
  }
}
