package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the injection scanner looks up for every word of a view, keyed by the word's hash ({@link
 * Tokens#hash}) in one table: the lexicon's phrases that start with the word ({@link
 * Lexicon#exact}), the statistical layer's weight of the word alone ({@link InjectionModel}'s
 * unigram), and whether a weighted pair of words starts with it. The lexicon and the model each had
 * a table of their own, and every word was looked up in both, the model's being the larger (22,000
 * features); now one probe answers both and the model's table is read only for a pair whose first
 * word starts one. The answers are the lexicon's and the model's own, read from them when the index
 * is built: no word's answer changes.
 */
final class WordIndex {

  /** Per slot: the hash in the high half, the low half {@link #USED}, {@link #PAIR}, list + 1. */
  private final long[] slots;

  private final float[] unigram;
  private final List<List<Lexicon.Phrase>> lists;
  private final int mask;

  /** One bit per 16-bit mix of the hashes present: most absent words stop here. */
  private final KeyFilter filter = new KeyFilter(16);

  private static final long USED = 1;
  private static final long PAIR = 2;

  private final InjectionModel model;

  private WordIndex(Lexicon lexicon, InjectionModel model) {
    this.model = model;
    Set<Integer> words = new HashSet<>(lexicon.firstWordHashes());
    Set<Integer> pairStarts = new HashSet<>();
    model.forEachKey(
        key -> {
          pairStarts.add((int) (key >>> 32));
          if ((key & 0xFFFFFFFFL) == (InjectionModel.unigram(0) & 0xFFFFFFFFL)) {
            words.add((int) (key >>> 32));
          }
        });
    words.addAll(pairStarts);
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

  /**
   * The model's weight of word {@code i} of {@code t}, found in {@code slot}: its own, plus that of
   * it and the next word; what {@link InjectionModel#score(Tokens)} adds for it.
   */
  double weight(int slot, Tokens t, int i) {
    if (slot < 0) {
      return 0; // no feature of the model starts with this word
    }
    double c = unigram[slot];
    if (i + 1 < t.size && (slots[slot] & PAIR) != 0) {
      c += model.weight(InjectionModel.bigram(t.hash(i), t.hash(i + 1)));
    }
    return c;
  }
}
