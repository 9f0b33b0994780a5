package io.jrego.engine.builtins.ai;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The statistical layer of prompt-injection detection: a logistic-regression model over the word
 * unigrams and bigrams of the folded view, trained on the dev split of {@code
 * load-tests/corpora/injection} only and shipped as {@code injection-model.tsv} (one weight and
 * feature a line, readable). It catches what the rules' word classes do not name: the long
 * role-play jailbreaks whose signal is spread over many ordinary words, and instructions addressed
 * to a model inside documents.
 *
 * <p>A text of at most {@link #WINDOW} words is scored whole; a longer one in windows of that many
 * words every {@link #STRIDE} words, keeping the best, so an injected paragraph in a long document
 * is not diluted by the rest. A window's logit is the bias plus the sum of its features' weights
 * (each occurrence counts) over the square root of its word count. Cost: the scanner finds a word's
 * own weight in the lookup that also finds its lexicon phrases ({@link WordIndex}), and reads this
 * table for the word and the next only when a weighted pair starts with the word; then one pass of
 * prefix sums, linear in the text.
 *
 * <p>Words are keyed by their {@link Tokens#hash} (String.hashCode of the folded word), so two
 * words whose hashes collide share a weight; with about 10,000 weighted features that is rare and
 * only shifts a score slightly.
 */
final class InjectionModel {

  /** Words per window; texts up to this long are scored whole. */
  static final int WINDOW = 256;

  /** Words between the starts of two windows of a long text. */
  static final int STRIDE = 32;

  /** Windows shorter than this are scaled as if they had this many words. */
  static final int MIN_WORDS = 16;

  private static final long UNIGRAM_LOW = 0x9E3779B9L;

  static final InjectionModel DEFAULT = load("injection-model.tsv");

  private final long[] keys;
  private final float[] weights;
  private final int mask;

  /**
   * One bit per 17-bit hash of the features that have a weight: most words and nearly all bigrams
   * of a text have none, and this 16 KB filter answers them without reading the larger table, which
   * does not stay in the processor's nearest cache.
   */
  private final KeyFilter filter = new KeyFilter(17);

  final double bias;

  /** The logit at which the model's finding scores 50, the default threshold (chosen on dev). */
  final double threshold;

  private InjectionModel(
      List<Long> keyList, List<Float> weightList, double bias, double threshold) {
    int cap = Integer.highestOneBit(Math.max(16, keyList.size() * 2)) * 2;
    keys = new long[cap];
    weights = new float[cap];
    java.util.Arrays.fill(keys, EMPTY);
    mask = cap - 1;
    for (int i = 0; i < keyList.size(); i++) {
      long k = keyList.get(i);
      int slot = KeyFilter.slot(k, mask);
      while (keys[slot] != EMPTY && keys[slot] != k) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = k;
      weights[slot] += weightList.get(i);
      filter.add(k);
    }
    this.bias = bias;
    this.threshold = threshold;
  }

  private static final long EMPTY = Long.MIN_VALUE;

  float weight(long key) {
    if (!filter.mayHold(key)) {
      return 0f;
    }
    int slot = KeyFilter.slot(key, mask);
    while (true) {
      long k = keys[slot];
      if (k == key) {
        return weights[slot];
      }
      if (k == EMPTY) {
        return 0f;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Calls {@code action} with every feature's key. */
  void forEachKey(java.util.function.LongConsumer action) {
    for (long k : keys) {
      if (k != EMPTY) {
        action.accept(k);
      }
    }
  }

  static long unigram(int hash) {
    return ((long) hash << 32) | UNIGRAM_LOW;
  }

  static long bigram(int first, int second) {
    return ((long) first << 32) | (second & 0xFFFFFFFFL);
  }

  /** The best window of a text: its logit and its word range {@code [from, to)}. */
  record Window(double logit, int from, int to) {}

  /** Scores the words of a view; an empty text gets the bias alone. */
  Window score(Tokens t) {
    double[] weights = new double[t.size + 1];
    for (int i = 0; i < t.size; i++) {
      weights[i] = wordWeight(t, i, t.size);
    }
    return score(weights, t.size);
  }

  /**
   * Scores a view of {@code n} words whose weights (each word's own plus that of it and the next
   * word, as {@link #score(Tokens)} adds them) are {@code weights[0, n)}: the scanner finds them in
   * its walk over the words that also finds the lexicon's hits ({@link WordIndex}). Takes {@code
   * weights} over: a text longer than one window has its prefix sums written over them, so the
   * array must have room for {@code n + 1}.
   */
  Window score(double[] weights, int n) {
    if (n == 0) {
      return new Window(bias, 0, 0);
    }
    if (n <= WINDOW) {
      // Scored whole: the running sum alone, added in the same order as the prefix sums below
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += weights[i];
      }
      return new Window(bias + sum / Math.sqrt(Math.max(n, MIN_WORDS)), 0, n);
    }
    // prefix[i] is the sum of the first i weights, written over the weights: weight i is read
    // before prefix[i + 1] takes its place, and the sums are added in the same order as before
    double[] prefix = weights;
    double sum = 0;
    double next = weights[0];
    prefix[0] = 0;
    for (int i = 0; i < n; i++) {
      double w = next;
      next = weights[i + 1];
      sum += w;
      prefix[i + 1] = sum;
    }
    double scale = Math.sqrt(WINDOW);
    Window best = null;
    for (int from = 0; ; from += STRIDE) {
      int start = Math.min(from, n - WINDOW);
      double z = bias + (prefix[start + WINDOW] - prefix[start]) / scale;
      if (best == null || z > best.logit()) {
        best = new Window(z, start, start + WINDOW);
      }
      if (start == n - WINDOW) {
        return best;
      }
    }
  }

  /** The weight of word {@code i} of {@code n}: its own, plus that of it and the next word. */
  private double wordWeight(Tokens t, int i, int n) {
    double c = weight(unigram(t.hash(i)));
    if (i + 1 < n) {
      c += weight(bigram(t.hash(i), t.hash(i + 1)));
    }
    return c;
  }

  /** The finding score (0-100) of a logit: 50 at {@link #threshold}, 10 points per logit unit. */
  int points(double logit) {
    return (int) Math.max(0, Math.min(100, Math.round(50 + 10 * (logit - threshold))));
  }

  /**
   * Reads a model file: {@code # bias <b>}, {@code # threshold <logit>}, then {@code
   * <weight>\t<feature>} lines, a feature being one folded word or two separated by a space.
   */
  static InjectionModel load(String resource) {
    try (InputStream in = InjectionModel.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path");
      }
      return parse(resource, new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
    }
  }

  static InjectionModel parse(String where, BufferedReader r) throws IOException {
    List<Long> keys = new ArrayList<>();
    List<Float> weights = new ArrayList<>();
    double bias = Double.NaN;
    double threshold = Double.NaN;
    int n = 0;
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      n++;
      try {
        if (line.startsWith("# bias ")) {
          bias = Double.parseDouble(line.substring(7).strip());
        } else if (line.startsWith("# threshold ")) {
          threshold = Double.parseDouble(line.substring(12).strip());
        } else if (!line.isBlank() && !line.startsWith("#")) {
          int tab = line.indexOf('\t');
          if (tab < 0) {
            throw new IllegalStateException(where + ":" + n + ": expected <weight>\\t<feature>");
          }
          String feature = line.substring(tab + 1);
          int space = feature.indexOf(' ');
          keys.add(
              space < 0
                  ? unigram(feature.hashCode())
                  : bigram(
                      feature.substring(0, space).hashCode(),
                      feature.substring(space + 1).hashCode()));
          weights.add(Float.parseFloat(line.substring(0, tab)));
        }
      } catch (NumberFormatException e) {
        throw new IllegalStateException(where + ":" + n + ": " + e.getMessage(), e);
      }
    }
    if (Double.isNaN(bias) || Double.isNaN(threshold)) {
      throw new IllegalStateException(where + " lacks its '# bias' or '# threshold' line");
    }
    return new InjectionModel(keys, weights, bias, threshold);
  }
}
