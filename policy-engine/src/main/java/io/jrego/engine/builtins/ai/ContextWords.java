package io.jrego.engine.builtins.ai;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
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

  /** One bit per type, for sets of types in a {@code long}. */
  private static final Map<PiiType, Long> BITS = bits();

  private static final Map<PiiType, Words> WORDS = load();

  /** Every context word with the types it names, for the lookup in place of ASCII words. */
  private static final Table ALL = new Table(WORDS.values());

  /** Every context word with the types it names, for the lower-cased copy of other words. */
  private static final Map<String, Long> TYPES_BY_WORD = typesByWord();

  private ContextWords() {}

  private static Map<PiiType, Long> bits() {
    Map<PiiType, Long> m = new EnumMap<>(PiiType.class);
    int i = 0;
    for (PiiType t : PiiType.values()) {
      m.put(t, 1L << i++);
    }
    if (i > Long.SIZE) {
      throw new IllegalStateException("more PII types than bits in a long: " + i);
    }
    return m;
  }

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
      m.put(t, new Words(Set.copyOf(words), bit(t)));
    }
    return m;
  }

  /** Whether {@code type} has context words at all. */
  static boolean hasWords(PiiType type) {
    return WORDS.containsKey(type);
  }

  /**
   * {@code score} boosted when {@code context}, the types named near a span (see {@link #near}),
   * includes {@code type}.
   */
  static int boost(PiiType type, int score, long context) {
    if (score >= 100 || (context & bit(type)) == 0) {
      return score;
    }
    return Math.min(100, Math.max(score + BOOST, FLOOR_WITH_CONTEXT));
  }

  /** The bit of {@code type} in a set of types ({@link #near}). */
  static long bit(PiiType type) {
    return BITS.get(type);
  }

  /**
   * Which of the types {@code wanted} (bits, see {@link #bit}) one of whose context words is among
   * the words just before or after {@code [start,end)}. The answer is exact for {@code wanted}
   * only: the walk stops at the first word naming one of them, and words that cannot name one of
   * them (by their first two letters, {@link #pairTypes}) are not looked up, so other bits may be
   * set or missing. {@code cache} (may be null) remembers the answers of words already looked up.
   */
  static long near(char[] text, int n, int start, int end, long wanted, WordCache cache) {
    long types = 0;
    int limit = Math.max(0, start - CHARS_BEFORE);
    int seen = 0;
    int i = start;
    while (i > limit && seen < WORDS_BEFORE) {
      while (i > limit && !isWordChar(text[i - 1])) {
        i--;
      }
      int wEnd = i;
      while (i > limit && isWordChar(text[i - 1])) {
        i--;
      }
      if (wEnd > i) {
        seen++;
        types |= typesOf(text, i, wEnd, wanted, cache);
        if ((types & wanted) != 0) {
          return types;
        }
      }
    }
    int stop = Math.min(n, end + CHARS_AFTER);
    seen = 0;
    i = end;
    while (i < stop && seen < WORDS_AFTER) {
      while (i < stop && !isWordChar(text[i])) {
        i++;
      }
      int wStart = i;
      while (i < stop && isWordChar(text[i])) {
        i++;
      }
      if (i > wStart) {
        seen++;
        types |= typesOf(text, wStart, i, wanted, cache);
        if ((types & wanted) != 0) {
          return types;
        }
      }
    }
    return types;
  }

  private static long typesOf(char[] text, int from, int to, long wanted, WordCache cache) {
    if (to - from > 40 || !Character.isLetter(text[from])) {
      return 0; // no context word is that long or starts with a digit, '-' or '#'
    }
    if (to - from >= 2 && (pairTypes(text[from], text[from + 1]) & wanted) == 0) {
      return 0; // no context word of a wanted type begins with the word's first two letters
    }
    if (cache == null) {
      return typesOfWord(text, from, to);
    }
    return cache.typesOf(text, from, to);
  }

  /**
   * The types one of whose context words word {@code [from, to)} matches, as {@link
   * #matchesLowerCased} decides.
   */
  static long typesOfWord(String text, int from, int to) {
    return typesOfWord(text.toCharArray(), from, to);
  }

  /** {@link #typesOfWord(String, int, int)} of a text held in an array. */
  static long typesOfWord(char[] text, int from, int to) {
    return isAscii(text, from, to)
        ? ALL.asciiTypes(text, from, to)
        : typesLowerCased(text, from, to);
  }

  /**
   * What {@link #typesOf} answered for the words of one text most recently looked up, by span: the
   * windows of neighbouring candidates share most of their words.
   */
  static final class WordCache {
    private static final int SIZE = 64;
    private final long[] spans = new long[SIZE];
    private final long[] types = new long[SIZE];

    WordCache() {
      Arrays.fill(spans, -1);
    }

    long typesOf(char[] text, int from, int to) {
      long span = ((long) from << 32) | to;
      int k = (from * 31 + to) & (SIZE - 1);
      if (spans[k] == span) {
        return types[k];
      }
      long t = typesOfWord(text, from, to);
      spans[k] = span;
      types[k] = t;
      return t;
    }
  }

  /** {@link #isWordChar} of each ASCII character. */
  private static final boolean[] ASCII_WORD_CHAR = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      ASCII_WORD_CHAR[c] = Character.isLetterOrDigit(c) || c == '-' || c == '#';
    }
  }

  private static boolean isWordChar(char c) {
    return c < 128 ? ASCII_WORD_CHAR[c] : Character.isLetterOrDigit(c);
  }

  /**
   * By the first two characters of a context word (the first an ASCII letter, the second ASCII;
   * lower case), the types with a context word beginning with them: {@code PAIR_TYPES[(c0 - 'a') *
   * 128 + c1]}.
   */
  private static final long[] PAIR_TYPES = pairTypes();

  private static long[] pairTypes() {
    long[] p = new long[26 * 128];
    for (Words ws : WORDS.values()) {
      for (String w : ws.set) {
        if (w.length() >= 2 && w.charAt(0) >= 'a' && w.charAt(0) <= 'z' && w.charAt(1) < 128) {
          p[(w.charAt(0) - 'a') * 128 + w.charAt(1)] |= ws.types;
        }
      }
    }
    return p;
  }

  /**
   * The types (bits) whose context words can match a word beginning with letter {@code c0} and
   * {@code c1} ({@link #matchesLowerCased}): when both are ASCII and {@code c1} is not {@code -} or
   * {@code #}, every form of the word looked up (itself, without trailing {@code -}/{@code #}, a
   * prefix of four or more) begins with them lower-cased, so only types with a context word
   * beginning so can match; otherwise every type ({@code -1}). A walk for one type passes over most
   * words with this test alone, before their hash and table probes.
   */
  static long pairTypes(char c0, char c1) {
    if (c0 >= 128 || c1 >= 128 || c1 == '-' || c1 == '#') {
      return -1L;
    }
    char l0 = c0 >= 'A' && c0 <= 'Z' ? (char) (c0 + 32) : c0;
    char l1 = c1 >= 'A' && c1 <= 'Z' ? (char) (c1 + 32) : c1;
    return l0 >= 'a' && l0 <= 'z' ? PAIR_TYPES[(l0 - 'a') * 128 + l1] : -1L;
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

  private static boolean isAscii(char[] text, int from, int to) {
    for (int k = from; k < to; k++) {
      if (text[k] >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** The context words of {@code type}, or null when it has none. */
  static Words words(PiiType type) {
    return WORDS.get(type);
  }

  private static Map<String, Long> typesByWord() {
    Map<String, Long> m = new HashMap<>();
    for (Words ws : WORDS.values()) {
      for (String w : ws.set) {
        m.merge(w, ws.types, (a, b) -> a | b);
      }
    }
    return Map.copyOf(m);
  }

  /**
   * Whether word {@code [from, to)} matches one of {@code words}: lower-cased, the word itself, the
   * word without trailing {@code -}/{@code #}, or a prefix of it as long as some context word (four
   * characters or more). The reference the type masks are held to ({@code ContextWordsTest}).
   */
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

  /** {@link #matchesLowerCased} for every type at once, on a lower-cased copy of the word. */
  private static long typesLowerCased(char[] text, int from, int to) {
    String w = new String(text, from, to - from).toLowerCase(Locale.ROOT);
    long types = 0;
    while (!w.isEmpty() && (w.charAt(w.length() - 1) == '-' || w.charAt(w.length() - 1) == '#')) {
      types |= TYPES_BY_WORD.getOrDefault(w, 0L);
      w = w.substring(0, w.length() - 1);
    }
    types |= TYPES_BY_WORD.getOrDefault(w, 0L);
    for (int k = PREFIX_MIN; k < w.length(); k++) {
      if (PREFIX_LENGTHS[k]) {
        types |= TYPES_BY_WORD.getOrDefault(w.substring(0, k), 0L);
      }
    }
    return types;
  }

  /**
   * One type's context words.
   *
   * @param set the words, lower case
   * @param types the type's bit ({@link #bit})
   */
  record Words(Set<String> set, long types) {}

  /**
   * Every type's context words in an open-addressing table of their hashes with the types each
   * names, so that a word of the text written in ASCII is looked up in place, for every type at
   * once: lower-casing a copy of every word near every candidate (and of its prefixes) was a tenth
   * of a PII-dense scan.
   */
  private static final class Table {
    private final String[] words;
    private final long[] types;
    private final int mask;

    Table(Iterable<Words> all) {
      Map<String, Long> byWord = new HashMap<>();
      for (Words ws : all) {
        for (String w : ws.set) {
          byWord.merge(w, ws.types, (a, b) -> a | b);
        }
      }
      int size = Integer.highestOneBit(Math.max(4, byWord.size() * 4) - 1) << 1;
      words = new String[size];
      types = new long[size];
      mask = size - 1;
      for (Map.Entry<String, Long> e : byWord.entrySet()) {
        int k = e.getKey().hashCode() & mask;
        while (words[k] != null) {
          k = (k + 1) & mask;
        }
        words[k] = e.getKey();
        types[k] = e.getValue();
      }
    }

    /**
     * The types word {@code [from, to)} of {@code text} matches as {@link
     * ContextWords#matchesLowerCased} decides, for a word written in ASCII, lower-cased by char as
     * {@code toLowerCase(Locale.ROOT)} does.
     */
    long asciiTypes(char[] text, int from, int to) {
      int len = to - from;
      int stripped = len;
      while (stripped > 0 && isTrailer(text[from + stripped - 1])) {
        stripped--;
      }
      long found = 0;
      int h = 0;
      for (int k = 1; k <= len; k++) {
        h = 31 * h + lower(text[from + k - 1]);
        boolean asked = k >= stripped || (k >= PREFIX_MIN && k <= 40 && PREFIX_LENGTHS[k]);
        if (asked) {
          found |= typesOf(h, text, from, k);
        }
      }
      return found;
    }

    private long typesOf(int hash, char[] text, int from, int len) {
      for (int k = hash & mask; words[k] != null; k = (k + 1) & mask) {
        String w = words[k];
        if (w.length() == len && w.hashCode() == hash && sameLower(w, text, from)) {
          return types[k];
        }
      }
      return 0;
    }

    private static boolean sameLower(String w, char[] text, int from) {
      for (int i = 0; i < w.length(); i++) {
        if (w.charAt(i) != lower(text[from + i])) {
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
