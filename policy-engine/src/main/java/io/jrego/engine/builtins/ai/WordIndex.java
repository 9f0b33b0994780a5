package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the injection scanner looks up for every word of a view, keyed by the word's hash ({@link
 * Tokens#hash}) in one table: the lexicon's phrases that start with the word ({@link
 * Lexicon#exact}), the statistical layer's weight of the word alone ({@link InjectionModel}'s
 * unigram), and whether a pair of words starting with it has a weight or phrases. The pairs are a
 * second table keyed by both words' hashes, which answers the model's weight of the pair and the
 * lexicon's phrases of the pair ({@link Lexicon#pairs}) in one probe: the lexicon and the model
 * each had a table of their own for words and for pairs, and a word starting phrases was looked up
 * in three. The answers are the lexicon's and the model's own, read from them when the index is
 * built: no word's answer changes.
 *
 * <p>Most words of a PII-dense text are in the word table (the model knows 22,000 features), so it
 * has no filter in front: a filter that lets most words through is one more unpredictable branch
 * per word. The pair table, which most pairs are not in, has one.
 */
final class WordIndex {

  /**
   * Per slot: the hash in the high half, the low half {@link #USED}, {@link #PAIR}, and the phrase
   * list's index + 1 from bit 2.
   */
  private final long[] slots;

  private final float[] unigram;
  private final List<List<Lexicon.Phrase>> lists;
  private final int mask;

  private static final long USED = 1;

  /**
   * A key of the pair table starts with the word other than the model's key of the word alone: a
   * weighted pair or the first two words of a phrase.
   */
  private static final long PAIR = 2;

  /**
   * The low half of the model's key of a word alone ({@link InjectionModel#unigram}): a pair whose
   * second word has this hash has the model's key of the first word alone, and its weight.
   */
  private static final int UNIGRAM_LOW = (int) InjectionModel.unigram(0);

  /** The pair table: keys as {@link InjectionModel#bigram} packs two hashes. */
  private final long[] pairKeys;

  private final float[] pairWeights;

  /** Per pair slot: the lexicon's phrase list's index + 1, 0 when none. */
  private final int[] pairLists;

  private final List<List<Lexicon.Phrase>> pairPhrases;
  private final int pairMask;
  private final KeyFilter pairFilter = new KeyFilter(17);

  /** One bit per 16-bit mix of the word hashes present. */
  private final KeyFilter filter = new KeyFilter(16);

  private static final long EMPTY_PAIR = Long.MIN_VALUE;

  private WordIndex(Lexicon lexicon, InjectionModel model) {
    Set<Integer> words = new HashSet<>(lexicon.firstWordHashes());
    Set<Integer> pairStarts = new HashSet<>();
    Set<Long> pairs = new HashSet<>();
    Map<Long, List<Lexicon.Phrase>> lexiconPairs = new HashMap<>();
    model.forEachKey(
        key -> {
          int first = (int) (key >>> 32);
          words.add(first);
          pairs.add(key);
          if ((int) key != UNIGRAM_LOW) {
            pairStarts.add(first);
          }
        });
    lexicon.forEachPair(
        (key, phrases) -> {
          int first = (int) (key >>> 32);
          words.add(first);
          pairs.add(key);
          pairStarts.add(first);
          lexiconPairs.put(key, phrases);
        });
    int cap = Integer.highestOneBit(Math.max(16, words.size() * 2)) * 2;
    slots = new long[cap];
    unigram = new float[cap];
    mask = cap - 1;
    List<List<Lexicon.Phrase>> l = new ArrayList<>();
    for (int hash : words.stream().sorted().toList()) {
      List<Lexicon.Phrase> phrases = lexicon.firstWords(hash);
      long info = USED | (pairStarts.contains(hash) ? PAIR : 0);
      if (phrases != null) {
        l.add(phrases);
        info |= (long) l.size() << 2;
      }
      int s = KeyFilter.slot(hash, mask);
      while (slots[s] != 0) {
        s = (s + 1) & mask;
      }
      slots[s] = ((long) hash << 32) | info;
      unigram[s] = model.weight(InjectionModel.unigram(hash));
      filter.add(hash);
    }
    lists = List.copyOf(l);
    int pairCap = Integer.highestOneBit(Math.max(16, pairs.size() * 2)) * 2;
    pairKeys = new long[pairCap];
    java.util.Arrays.fill(pairKeys, EMPTY_PAIR);
    pairWeights = new float[pairCap];
    pairLists = new int[pairCap];
    pairMask = pairCap - 1;
    List<List<Lexicon.Phrase>> pl = new ArrayList<>();
    for (long key : pairs.stream().sorted().toList()) {
      int s = KeyFilter.slot(key, pairMask);
      while (pairKeys[s] != EMPTY_PAIR) {
        s = (s + 1) & pairMask;
      }
      pairKeys[s] = key;
      pairWeights[s] = model.weight(key);
      List<Lexicon.Phrase> phrases = lexiconPairs.get(key);
      if (phrases != null) {
        pl.add(phrases);
        pairLists[s] = pl.size();
      }
      pairFilter.add(key);
    }
    pairPhrases = List.copyOf(pl);
  }

  static WordIndex of(Lexicon lexicon, InjectionModel model) {
    return new WordIndex(lexicon, model);
  }

  /**
   * The slot of the word with {@code hash}, or -1 when neither the lexicon nor the model has it.
   */
  int find(int hash) {
    if (!filter.mayHold(hash)) {
      return -1;
    }
    int s = KeyFilter.slot(hash, mask);
    while (true) {
      long v = slots[s];
      if (v == 0) {
        return -1;
      }
      if ((int) (v >>> 32) == hash) {
        return s;
      }
      s = (s + 1) & mask;
    }
  }

  /** {@link Lexicon#exact}'s answer for a word in {@code slot} (-1: absent). */
  List<Lexicon.Phrase> phrases(int slot) {
    int list = slot < 0 ? 0 : (int) (slots[slot] & 0xFFFFFFFFL) >>> 2;
    return list == 0 ? null : lists.get(list - 1);
  }

  /** The model's weight of the word in {@code slot} alone (-1: absent, 0). */
  float unigram(int slot) {
    return slot < 0 ? 0 : unigram[slot];
  }

  /**
   * Whether a pair starting with the word in {@code slot} may have a weight or phrases other than
   * the word's own key: when not, {@link #pair} need not be asked ({@link #pairWeight} says what a
   * pair of it has).
   */
  boolean startsPairs(int slot) {
    return slot >= 0 && (slots[slot] & PAIR) != 0;
  }

  /** The pair slot of words with hashes {@code first} and {@code second}, or -1. */
  int pair(int first, int second) {
    long key = InjectionModel.bigram(first, second);
    if (!pairFilter.mayHold(key)) {
      return -1;
    }
    return pairProbe(key);
  }

  /**
   * Whether a pair of the word in {@code slot} and the next word, whose key ({@link
   * InjectionModel#bigram}) is {@code key}, may be in the pair table: the word starts pairs and the
   * table's filter does not rule the key out. Both are asked, and answered as one: a word starts
   * pairs about every other time, so a branch on that alone is mispredicted about as often.
   */
  boolean mayPair(int slot, long key) {
    return ((int) (slots[slot] & PAIR) & pairFilter.bit(key) << 1) != 0;
  }

  /**
   * What the pair of the word in {@code slot} (hash {@code first}) and the next (hash {@code
   * second}) weighs when {@link #mayPair} is false: nothing, but the model's key of the word alone
   * when {@code second} is that key's low half and the word starts no pairs.
   */
  float noPairWeight(int slot, int second) {
    return second == UNIGRAM_LOW && (slots[slot] & PAIR) == 0 ? unigram[slot] : 0;
  }

  /** The pair slot of {@code key}, or -1, without the filter. */
  int pairProbe(long key) {
    int s = KeyFilter.slot(key, pairMask);
    while (true) {
      long k = pairKeys[s];
      if (k == key) {
        return s;
      }
      if (k == EMPTY_PAIR) {
        return -1;
      }
      s = (s + 1) & pairMask;
    }
  }

  /** The model's weight of the pair in pair slot {@code p} (-1: absent, 0). */
  float pairWeight(int p) {
    return p < 0 ? 0 : pairWeights[p];
  }

  /** {@link Lexicon#pairs}' answer for the pair in pair slot {@code p} (-1 or none: null). */
  List<Lexicon.Phrase> pairPhrases(int p) {
    int list = p < 0 ? 0 : pairLists[p];
    return list == 0 ? null : pairPhrases.get(list - 1);
  }

  /**
   * The model's weight of word {@code i} of {@code t}, found in {@code slot}: its own, plus that of
   * it and the next word; what {@link InjectionModel#score(Tokens)} adds for it.
   */
  double weight(int slot, Tokens t, int i) {
    if (slot < 0) {
      return 0; // no feature of the model starts with this word
    }
    double c = unigram[slot];
    if (i + 1 < t.size) {
      c += pairWeight(slot, t.hash(i), t.hash(i + 1));
    }
    return c;
  }

  /**
   * The model's weight of the pair of the word in {@code slot}, whose hash is {@code first}, and
   * the word with hash {@code second}: the model's key of the pair is that of the first word alone
   * when {@code second} is {@link #UNIGRAM_LOW}.
   */
  float pairWeight(int slot, int first, int second) {
    if ((slots[slot] & PAIR) != 0) {
      return pairWeight(pair(first, second));
    }
    return second == UNIGRAM_LOW ? unigram[slot] : 0;
  }
}
