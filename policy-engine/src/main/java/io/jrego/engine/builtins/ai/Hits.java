package io.jrego.engine.builtins.ai;

import java.util.Arrays;
import java.util.List;

/** Word-class hits of one view: per class, sorted by start token, with language masks. */
final class Hits {
  private final int[][] data; // per class: from, to, langs triples
  private final int[] counts;

  private Hits(int classes) {
    data = new int[classes][];
    counts = new int[classes];
  }

  /**
   * This thread's hits, reused: a view's hits are read before the next view's are made (the scanner
   * goes through its views one after another), and two arrays per class per text were a tenth of
   * what a chat body's scans allocated. They hold word indices, no text.
   */
  private static final ThreadLocal<Hits> REUSED =
      ThreadLocal.withInitial(() -> new Hits(InjectionScanner.LEXICON.classCount()));

  /** The longest per-class array kept from one text to the next (a long text's are dropped). */
  private static final int KEPT = 96;

  /**
   * The word-class hits of {@code t}, in this thread's reused instance: valid until the next call
   * on this thread.
   */
  static Hits of(Tokens t, int[] docLangs) {
    return of(t, docLangs, false);
  }

  /**
   * {@link #of(Tokens, int[])}, and with {@code weigh} the statistical layer's weight of each word
   * ({@link #weights}) in the same walk: one lookup per word answers both ({@link WordIndex}).
   */
  static Hits of(Tokens t, int[] docLangs, boolean weigh) {
    Hits h = REUSED.get();
    for (int c = 0; c < h.counts.length; c++) {
      h.counts[c] = 0;
      if (h.data[c] != null && h.data[c].length > KEPT) {
        h.data[c] = null;
      }
    }
    double[] weights = null;
    if (weigh) {
      // one more than the words: the model writes its prefix sums over them
      weights = h.weights.length > t.size ? h.weights : new double[t.size + 1];
      if (weights.length <= KEPT_WEIGHTS) {
        h.weights = weights;
      }
    }
    h.weighed = weights;
    WordIndex index = InjectionScanner.WORDS;
    int n = t.size;
    for (int i = 0; i < n; i++) {
      int hash = t.hash(i);
      int slot = index.find(hash);
      if (slot >= 0) {
        // One probe of the pair table answers the pair's weight and the phrases it starts.
        int pair = -1;
        double c = index.unigram(slot);
        if (i + 1 < n) {
          int next = t.hash(i + 1);
          long key = InjectionModel.bigram(hash, next);
          if (index.mayPair(slot, key)) {
            pair = index.pairProbe(key);
            c += index.pairWeight(pair);
          } else {
            c += index.noPairWeight(slot, next);
          }
        }
        if (weights != null) {
          weights[i] = c;
        }
        List<Lexicon.Phrase> exact = index.phrases(slot);
        if (exact != null) {
          h.compared = null;
          h.tryFirstWords(t, i, exact);
          List<Lexicon.Phrase> pairs = index.pairPhrases(pair);
          if (pairs != null) {
            h.tryFirstWords(t, i, pairs);
          }
        }
      } else if (weights != null) {
        weights[i] = 0;
      }
      // Indexed: most words have no stem entry, and an iterator per word over the empty list
      // was a measurable part of a short message's scan.
      List<Lexicon.Phrase> stems = InjectionScanner.LEXICON.stems(t, i);
      for (int k = 0; k < stems.size(); k++) {
        h.tryPhrase(t, i, stems.get(k), 0);
      }
    }
    if (docLangs != null) {
      for (int k = 0; k < h.counts[InjectionScanner.STOPWORD]; k++) {
        int langs = h.langs(InjectionScanner.STOPWORD, k);
        for (int b = 0; b < docLangs.length; b++) {
          if ((langs & (1 << b)) != 0) {
            docLangs[b]++;
          }
        }
      }
    }
    return h;
  }

  /**
   * Tries phrases whose first word has the hash of word {@code i}. They come grouped by their first
   * word (a hash collision puts another word's after them), so the word is compared once per group.
   * Within one word, the order in which phrases are tried does not matter: hits starting at the
   * same word merge.
   */
  private void tryFirstWords(Tokens t, int i, List<Lexicon.Phrase> phrases) {
    // the word's phrases and then its pairs start with the same first word: compared once
    String first = compared;
    boolean same = comparedSame;
    for (int k = 0; k < phrases.size(); k++) {
      Lexicon.Phrase p = phrases.get(k);
      if (!p.firstWord().equals(first)) {
        first = p.firstWord();
        same = p.firstEquals(t, i);
      }
      if (same) {
        tryPhrase(t, i, p, 1);
      }
    }
    compared = first;
    comparedSame = same;
  }

  /** The first word the current word was last compared with, and whether they were equal. */
  private String compared;

  private boolean comparedSame;

  private void tryPhrase(Tokens t, int i, Lexicon.Phrase p, int fromWord) {
    int size = p.size();
    if (i + size > t.size) {
      return;
    }
    for (int k = fromWord; k < size; k++) {
      if (!p.matches(k, t, i + k)) {
        return;
      }
    }
    add(p.cls, i, i + size, p.langs);
  }

  private void add(int cls, int from, int to, int langs) {
    int c = counts[cls];
    int[] d = data[cls];
    if (c > 0 && d[3 * (c - 1)] == from) {
      d[3 * (c - 1) + 1] = Math.max(d[3 * (c - 1) + 1], to);
      d[3 * (c - 1) + 2] |= langs;
      return;
    }
    if (d == null) {
      d = data[cls] = new int[24];
    } else if (3 * c + 3 > d.length) {
      d = data[cls] = Arrays.copyOf(d, d.length * 2);
    }
    d[3 * c] = from;
    d[3 * c + 1] = to;
    d[3 * c + 2] = langs;
    counts[cls] = c + 1;
  }

  /** The longest weights array kept from one text to the next. */
  private static final int KEPT_WEIGHTS = 4096;

  private double[] weights = new double[0];
  private double[] weighed;

  /**
   * Per word, the statistical layer's weight, when the hits were made with {@code weigh}, with room
   * for one more: valid, as the hits are, until the next call on this thread.
   */
  double[] weights() {
    if (weighed == null) {
      throw new IllegalStateException("these hits were made without the words' weights");
    }
    return weighed;
  }

  /** A rule's chosen hit per step, reused by the rules applied to these hits one at a time. */
  private final int[] steps = new int[16];

  /** An array of at least {@code n} ints for a rule's steps, reused: valid until the next call. */
  int[] steps(int n) {
    return n <= steps.length ? steps : new int[n];
  }

  int count(int cls) {
    return counts[cls];
  }

  int from(int cls, int k) {
    return data[cls][3 * k];
  }

  int to(int cls, int k) {
    return data[cls][3 * k + 1];
  }

  int langs(int cls, int k) {
    return data[cls][3 * k + 2];
  }

  /** The index of the first hit of {@code cls} starting at or after token {@code from}. */
  int firstFrom(int cls, int from) {
    int lo = 0;
    int hi = counts[cls];
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (data[cls][3 * mid] < from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Whether a hit of {@code cls} starts in token range {@code [from, to)}. */
  boolean anyWithin(int cls, int from, int to) {
    int k = firstFrom(cls, Math.max(0, from));
    return k < counts[cls] && data[cls][3 * k] < to;
  }

  /** Whether a hit of {@code cls} ends at or after token {@code lo} and at or before {@code at}. */
  boolean anyEndingBefore(int cls, int lo, int at) {
    // Phrases are a few tokens long: a hit ending in [lo, at] starts at most 8 tokens before lo.
    for (int k = firstFrom(cls, Math.max(0, lo - 8)); k < counts[cls]; k++) {
      if (data[cls][3 * k] >= at) {
        return false;
      }
      int end = data[cls][3 * k + 1];
      if (end >= lo && end <= at) {
        return true;
      }
    }
    return false;
  }
}
