package io.jrego.engine.builtins.ai;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The word classes of {@code injection-lexicon.txt}: per class and language, phrases of one or more
 * words, each word matched exactly or as a prefix ({@code instruction*}). Phrases are folded with
 * {@link Folding} when loaded, so the file may be written with accents.
 */
final class Lexicon {

  /** Languages, in the bit order of a hit's language mask; {@code *} belongs to none. */
  static final List<String> LANGUAGES = List.of("en", "de", "fr", "es", "it");

  static final int MIN_STEM = 4;

  /** One phrase: its class id, language mask, words, and which words are prefixes. */
  static final class Phrase {
    final int cls;
    final int langs;
    private final String[] words;
    private final boolean[] prefix;
    private final int[] hashes;

    /** The words' chars, compared with a view's code points without a String's checks. */
    private final int[][] chars;

    Phrase(int cls, int langs, String[] words, boolean[] prefix) {
      this.cls = cls;
      this.langs = langs;
      this.words = words.clone();
      // Interned: the phrases a word starts are tried one after another, each comparing its first
      // word with the one before it, which is then the same string object.
      for (int i = 0; i < this.words.length; i++) {
        this.words[i] = this.words[i].intern();
      }
      this.prefix = prefix.clone();
      this.hashes = new int[words.length];
      this.chars = new int[words.length][];
      for (int i = 0; i < words.length; i++) {
        hashes[i] = words[i].hashCode();
        chars[i] = words[i].chars().toArray();
      }
      int[] w = chars[0];
      long key = 0;
      for (int k = 0; k < 4; k++) {
        key = key << 16 | (k < w.length ? w[k] : 0);
      }
      this.firstKey = key;
    }

    int size() {
      return words.length;
    }

    String firstWord() {
      return words[0];
    }

    /** The first word's chars. */
    int[] firstChars() {
      return chars[0];
    }

    /** The first word's first four chars as {@link Tokens#key4} packs them. */
    private final long firstKey;

    /**
     * Whether word {@code token} of {@code t} is the first word: by length and {@link Tokens#key4},
     * and for a longer word its other chars.
     */
    boolean firstEquals(Tokens t, int token) {
      int[] w = chars[0];
      return t.length(token) == w.length
          && t.key4(token) == firstKey
          && (w.length <= 4 || t.equalsWord(token, w));
    }

    /** Whether word {@code token} of {@code t} matches word {@code k}. */
    boolean matches(int k, Tokens t, int token) {
      return prefix[k]
          ? t.startsWithWord(token, chars[k])
          : t.hash(token) == hashes[k] && t.equalsWord(token, chars[k]);
    }
  }

  private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile("\\s+");
  private static final java.util.regex.Pattern BAR = java.util.regex.Pattern.compile("\\|");

  private final Map<String, Integer> classIds = new LinkedHashMap<>();
  private final Map<String, List<Phrase>> byFirstWord = new HashMap<>();
  private final Map<String, List<Phrase>> byFirstStem = new HashMap<>();

  int classId(String name) {
    Integer id = classIds.get(name);
    if (id == null) {
      throw new IllegalArgumentException("unknown word class " + name);
    }
    return id;
  }

  int classCount() {
    return classIds.size();
  }

  /**
   * Phrases whose first word may be word {@code token} of {@code t} (same hash; the caller compares
   * the words) and that need no look at the next word to be tried: phrases of one word, and those
   * whose second word is a stem; null when no phrase starts with a word of that hash. Phrases whose
   * second word is a whole word are in {@link #pairs}.
   */
  List<Phrase> exact(Tokens t, int token) {
    return firstWords.get(t.hash(token));
  }

  /** The hashes of every phrase's first whole word (not stem): the keys of {@link #exact}. */
  java.util.Set<Integer> firstWordHashes() {
    java.util.Set<Integer> out = new java.util.HashSet<>();
    for (String word : byFirstWord.keySet()) {
      out.add(word.hashCode());
    }
    return out;
  }

  /** {@link #exact}'s answer for a word with {@code hash}. */
  List<Phrase> firstWords(int hash) {
    return firstWords.get(hash);
  }

  /**
   * Phrases whose first two words may be words {@code token} and {@code token + 1} of {@code t}
   * (same hashes; the caller compares the words). A word such as "you" or "no" starts dozens of
   * phrases, of which the next word leaves one or two.
   */
  List<Phrase> pairs(Tokens t, int token) {
    List<Phrase> l =
        token + 1 < t.size ? pairWords.get(pairKey(t.hash(token), t.hash(token + 1))) : null;
    return l == null ? List.of() : l;
  }

  /**
   * Calls {@code action} with every key of {@link #pairs} (the two words' hashes as {@link
   * InjectionModel#bigram} packs them) and its phrases, the list {@link #pairs} answers.
   */
  void forEachPair(java.util.function.BiConsumer<Long, List<Phrase>> action) {
    pairWords.forEach(action);
  }

  private static long pairKey(int first, int second) {
    return ((long) first << 32) | (second & 0xFFFFFFFFL);
  }

  /** Phrases whose first word is a stem word {@code token} of {@code t} may start with. */
  List<Phrase> stems(Tokens t, int token) {
    if (t.length(token) < MIN_STEM) {
      return List.of();
    }
    List<Phrase> l = stemWords.get(t.prefix4(token));
    return l == null ? List.of() : l;
  }

  private Table firstWords;
  private Table pairWords;
  private Table stemWords;

  private static final int FILTER_BITS = 15;

  private static long mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 29);
  }

  /**
   * An open-addressing table from long keys to phrase lists (slot: list index + 1, 0 when empty),
   * with one bit per {@link #FILTER_BITS}-bit hash of its keys in front: most words of a text start
   * no phrase and no stem, and the 4 KB filter answers them without reading the table.
   */
  private static final class Table {
    private final long[] keys;
    private final int[] slots;
    private final long[] filter = new long[1 << (FILTER_BITS - 6)];
    private final List<List<Phrase>> lists;

    Table(java.util.SortedMap<Long, List<Phrase>> entries) {
      int size = Integer.highestOneBit(Math.max(4, entries.size() * 4) - 1) << 1;
      keys = new long[size];
      slots = new int[size];
      List<List<Phrase>> l = new ArrayList<>();
      for (Map.Entry<Long, List<Phrase>> e : entries.entrySet()) {
        long key = e.getKey();
        l.add(List.copyOf(e.getValue()));
        int h = (int) (mix(key) & (size - 1));
        while (slots[h] != 0) {
          h = (h + 1) & (size - 1);
        }
        keys[h] = key;
        slots[h] = l.size();
        int bit = filterBit(key);
        filter[bit >>> 6] |= 1L << bit;
      }
      lists = List.copyOf(l);
    }

    private static int filterBit(long key) {
      return (int) (mix(key) >>> (64 - FILTER_BITS));
    }

    void forEach(java.util.function.BiConsumer<Long, List<Phrase>> action) {
      for (int h = 0; h < keys.length; h++) {
        if (slots[h] != 0) {
          action.accept(keys[h], lists.get(slots[h] - 1));
        }
      }
    }

    /** The phrases of {@code key}, or null when it is not a key. */
    List<Phrase> get(long key) {
      int bit = filterBit(key);
      if ((filter[bit >>> 6] & (1L << bit)) == 0) {
        return null;
      }
      int mask = keys.length - 1;
      int h = (int) (mix(key) & mask);
      while (slots[h] != 0) {
        if (keys[h] == key) {
          return lists.get(slots[h] - 1);
        }
        h = (h + 1) & mask;
      }
      return null;
    }
  }

  /** The first four chars of {@code s} in one long, so looking a token up allocates nothing. */
  private static long pack(String s) {
    return ((long) s.charAt(0) << 48)
        | ((long) s.charAt(1) << 32)
        | ((long) s.charAt(2) << 16)
        | s.charAt(3);
  }

  /** Builds the lookup tables; called once by {@link #load}, before the lexicon is shared. */
  private void index() {
    java.util.TreeMap<Long, List<Phrase>> first = new java.util.TreeMap<>();
    java.util.TreeMap<Long, List<Phrase>> pairs = new java.util.TreeMap<>();
    new java.util.TreeMap<>(byFirstWord)
        .forEach(
            (word, phrases) -> {
              // every first word is a key, so that a word starting only pairs is found
              first.computeIfAbsent((long) word.hashCode(), k -> new ArrayList<>());
              for (Phrase p : phrases) {
                if (p.size() > 1 && !p.prefix[1]) {
                  long key = pairKey(word.hashCode(), p.hashes[1]);
                  pairs.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
                } else {
                  first.computeIfAbsent((long) word.hashCode(), k -> new ArrayList<>()).add(p);
                }
              }
            });
    java.util.TreeMap<Long, List<Phrase>> stems = new java.util.TreeMap<>();
    byFirstStem.forEach((k, v) -> stems.put(pack(k), v));
    firstWords = new Table(first);
    pairWords = new Table(pairs);
    stemWords = new Table(stems);
  }

  static Lexicon load(String resource) {
    Lexicon lex = new Lexicon();
    try (InputStream in = Lexicon.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      int lineNo = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        lex.parseLine(l, resource + ":" + lineNo);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
    lex.index();
    return lex;
  }

  private void parseLine(String l, String where) {
    int colon = l.indexOf(':');
    String[] head = colon < 0 ? new String[0] : SPACES.split(l.substring(0, colon).strip(), -1);
    if (head.length != 2) {
      throw new IllegalStateException(where + ": expected '<class> <lang>: phrase | ...'");
    }
    int cls = classIds.computeIfAbsent(head[0], k -> classIds.size());
    int langs;
    if (head[1].equals("*")) {
      langs = 0;
    } else {
      int bit = LANGUAGES.indexOf(head[1]);
      if (bit < 0) {
        throw new IllegalStateException(where + ": unknown language " + head[1]);
      }
      langs = 1 << bit;
    }
    for (String raw : BAR.split(l.substring(colon + 1), -1)) {
      String phrase = raw.strip();
      if (phrase.isEmpty()) {
        continue;
      }
      String[] words = tokens(phrase);
      boolean[] prefix = new boolean[words.length];
      for (int i = 0; i < words.length; i++) {
        if (words[i].endsWith("*")) {
          words[i] = words[i].substring(0, words[i].length() - 1);
          prefix[i] = true;
          if (words[i].length() < MIN_STEM) {
            throw new IllegalStateException(
                where + ": stem '" + words[i] + "*' is shorter than " + MIN_STEM + " letters");
          }
        }
      }
      Phrase p = new Phrase(cls, langs, words, prefix);
      if (prefix[0]) {
        byFirstStem.computeIfAbsent(words[0].substring(0, MIN_STEM), k -> new ArrayList<>()).add(p);
      } else {
        byFirstWord.computeIfAbsent(words[0], k -> new ArrayList<>()).add(p);
      }
    }
  }

  /** A phrase folded and split into words as the scanner tokenizes text; "*" is kept. */
  private static String[] tokens(String phrase) {
    StringBuilder b = new StringBuilder();
    phrase.codePoints().forEach(cp -> b.append(cp == '*' ? "*" : Folding.fold(cp)));
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    b.toString()
        .codePoints()
        .forEach(
            cp -> {
              if (Character.isLetterOrDigit(cp) || cp == '*') {
                w.appendCodePoint(cp);
              } else if (w.length() > 0) {
                out.add(w.toString());
                w.setLength(0);
              }
            });
    if (w.length() > 0) {
      out.add(w.toString());
    }
    return out.toArray(String[]::new);
  }
}
