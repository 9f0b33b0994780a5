package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WordIndex} answers every word as the lexicon and the model do on their own, and the
 * model's score from the weights the scanner's walk finds is the score it gave from the words.
 */
class WordIndexTest {

  private static final InjectionModel MODEL = InjectionModel.DEFAULT;

  private static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("load-tests/corpora/injection"))) {
      p = p.getParent();
    }
    return p;
  }

  /** Both splits of the injection corpus (6,500 texts, five languages, attacks and benign). */
  private static List<String> corpus() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> out = new ArrayList<>();
    for (String split : List.of("dev.jsonl", "test.jsonl")) {
      Path f = repo().resolve("load-tests/corpora/injection").resolve(split);
      for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (!l.isBlank()) {
          out.add(json.readTree(l).get("text").asText());
        }
      }
    }
    return out;
  }

  /**
   * Texts made of the model's feature words and the lexicon's first words in random order, long
   * enough to be scored in windows: every feature and phrase start is looked up.
   */
  private static List<String> featureTexts() throws Exception {
    List<String> words = new ArrayList<>();
    Path model =
        repo()
            .resolve(
                "policy-engine/src/main/resources/io/jrego/engine/builtins/ai/injection-model.tsv");
    for (String l : Files.readAllLines(model, StandardCharsets.UTF_8)) {
      int tab = l.indexOf('\t');
      if (!l.startsWith("#") && tab > 0) {
        words.add(l.substring(tab + 1));
      }
    }
    Random random = new Random(23);
    List<String> out = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < 2000; k++) {
        b.append(words.get(random.nextInt(words.size())))
            .append(random.nextInt(9) == 0 ? ". " : " ");
      }
      out.add(b.toString());
    }
    return out;
  }

  /** The model's weight of word {@code i}, as it was looked up before the index. */
  private static double reference(Tokens t, int i) {
    double c = MODEL.weight(InjectionModel.unigram(t.hash(i)));
    if (i + 1 < t.size) {
      c += MODEL.weight(InjectionModel.bigram(t.hash(i), t.hash(i + 1)));
    }
    return c;
  }

  /** The model's best window as it was scored before the index (prefix sums in a new array). */
  private static InjectionModel.Window referenceScore(Tokens t) {
    int n = t.size;
    if (n == 0) {
      return new InjectionModel.Window(MODEL.bias, 0, 0);
    }
    if (n <= InjectionModel.WINDOW) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += reference(t, i);
      }
      return new InjectionModel.Window(
          MODEL.bias + sum / Math.sqrt(Math.max(n, InjectionModel.MIN_WORDS)), 0, n);
    }
    double[] prefix = new double[n + 1];
    for (int i = 0; i < n; i++) {
      prefix[i + 1] = prefix[i] + reference(t, i);
    }
    InjectionModel.Window best = null;
    for (int from = 0; ; from += InjectionModel.STRIDE) {
      int start = Math.min(from, n - InjectionModel.WINDOW);
      double z =
          MODEL.bias
              + (prefix[start + InjectionModel.WINDOW] - prefix[start])
                  / Math.sqrt(InjectionModel.WINDOW);
      if (best == null || z > best.logit()) {
        best = new InjectionModel.Window(z, start, start + InjectionModel.WINDOW);
      }
      if (start == n - InjectionModel.WINDOW) {
        return best;
      }
    }
  }

  /**
   * Texts made of the lexicon's phrases (stems written out) in random order: every pair of words
   * that starts a phrase is looked up, and the words around each phrase pair with other phrases'.
   */
  private static List<String> phraseTexts() throws Exception {
    List<String> phrases = new ArrayList<>();
    Path lexicon =
        repo()
            .resolve(
                "policy-engine/src/main/resources/io/jrego/engine/builtins/ai/injection-lexicon.txt");
    for (String l : Files.readAllLines(lexicon, StandardCharsets.UTF_8)) {
      int colon = l.indexOf(':');
      if (l.startsWith("#") || colon < 0) {
        continue;
      }
      for (String p : java.util.regex.Pattern.compile("\\|").split(l.substring(colon + 1), -1)) {
        if (!p.isBlank()) {
          phrases.add(p.strip().replace("*", "s"));
        }
      }
    }
    Random random = new Random(29);
    List<String> out = new ArrayList<>();
    for (int t = 0; t < 10; t++) {
      StringBuilder b = new StringBuilder();
      for (int k = 0; k < 1000; k++) {
        b.append(phrases.get(random.nextInt(phrases.size()))).append(' ');
      }
      out.add(b.toString());
    }
    return out;
  }

  @Test
  void everyWord_isAnsweredAsByTheLexiconAndTheModel() throws Exception {
    WordIndex index = InjectionScanner.WORDS;
    List<String> texts = new ArrayList<>(corpus());
    texts.addAll(featureTexts());
    texts.addAll(phraseTexts());
    long words = 0;
    long weighted = 0;
    long phraseStarts = 0;
    long pairWeighted = 0;
    long pairStarts = 0;
    for (String text : texts) {
      Tokens t = Tokens.of(TextViews.of(text, TextViews.Limits.DEFAULT).folded, false);
      for (int i = 0; i < t.size; i++) {
        int slot = index.find(t.hash(i));
        List<Lexicon.Phrase> phrases = InjectionScanner.LEXICON.exact(t, i);
        assertThat(index.phrases(slot)).as("%s: word %d", text, i).isSameAs(phrases);
        double w = reference(t, i);
        assertThat(index.weight(slot, t, i)).as("%s: word %d", text, i).isEqualTo(w);
        if (i + 1 < t.size) {
          // the pair table answers the lexicon's pairs and the model's pair weight, and is not
          // skipped for a word that starts either
          List<Lexicon.Phrase> pairs = InjectionScanner.LEXICON.pairs(t, i);
          int pair = index.startsPairs(slot) ? index.pair(t.hash(i), t.hash(i + 1)) : -1;
          if (pairs.isEmpty()) {
            assertThat(index.pairPhrases(pair)).as("%s: word %d", text, i).isNull();
          } else {
            assertThat(index.pairPhrases(pair)).as("%s: word %d", text, i).isSameAs(pairs);
          }
          float pw = MODEL.weight(InjectionModel.bigram(t.hash(i), t.hash(i + 1)));
          if (slot >= 0) {
            assertThat(index.pairWeight(slot, t.hash(i), t.hash(i + 1)))
                .as("%s: word %d", text, i)
                .isEqualTo(pw);
          } else {
            assertThat(pw).as("%s: word %d", text, i).isZero();
          }
          pairWeighted += pw != 0 ? 1 : 0;
          pairStarts += pairs.isEmpty() ? 0 : 1;
        }
        words++;
        weighted += w != 0 ? 1 : 0;
        phraseStarts += phrases != null ? 1 : 0;
      }
      Hits hits = Hits.of(t, null, true);
      assertThat(MODEL.score(hits.weights(), t.size)).as(text).isEqualTo(referenceScore(t));
      assertThat(MODEL.score(t)).as(text).isEqualTo(referenceScore(t));
    }
    // the texts did reach both tables' answers, not only the absent words'
    assertThat(words).isGreaterThan(300_000);
    assertThat(weighted).isGreaterThan(words / 4);
    assertThat(phraseStarts).isGreaterThan(words / 10);
    assertThat(pairWeighted).isGreaterThan(words / 20);
    assertThat(pairStarts).isGreaterThan(words / 50);
  }

  /**
   * The model's key of a word alone is that of the word and a second word whose hash is the key's
   * low half: the index adds the word's own weight again there, as the model's table did, also for
   * a word that starts no weighted pair.
   */
  @Test
  void pairWithTheUnigramsLowHalf_weighsAsTheWordAlone() {
    WordIndex index = InjectionScanner.WORDS;
    int low = (int) InjectionModel.unigram(0);
    List<String> found = new ArrayList<>();
    MODEL.forEachKey(
        key -> {
          int first = (int) (key >>> 32);
          if ((int) key == low && MODEL.weight(key) != 0) {
            found.add(Integer.toString(first));
          }
        });
    int withoutPairs = 0;
    for (String f : found) {
      int hash = Integer.parseInt(f);
      int slot = index.find(hash);
      assertThat(slot).isNotNegative();
      float alone = MODEL.weight(InjectionModel.unigram(hash));
      assertThat(index.pairWeight(slot, hash, low)).isEqualTo(alone);
      Tokens.Builder b = new Tokens.Builder(2);
      b.add(0, 1, hash);
      b.add(2, 3, low);
      Tokens t = b.build(MappedText.identity(new int[] {'a', ' ', 'b'}));
      assertThat(index.weight(slot, t, 0)).isEqualTo(reference(t, 0));
      assertThat(Hits.of(t, null, true).weights()[0]).isEqualTo(reference(t, 0));
      withoutPairs += index.startsPairs(slot) ? 0 : 1;
    }
    assertThat(found).hasSizeGreaterThan(1000);
    assertThat(withoutPairs).isGreaterThan(100);
  }

  @Test
  void absentWord_hasNoPhrasesAndNoWeight() {
    Tokens t = Tokens.of(TextViews.of("zqxjv qzxv", TextViews.Limits.DEFAULT).folded, false);
    int slot = InjectionScanner.WORDS.find(t.hash(0));
    assertThat(slot).isEqualTo(-1);
    assertThat(InjectionScanner.WORDS.phrases(slot)).isNull();
    assertThat(InjectionScanner.WORDS.weight(slot, t, 0)).isZero();
  }
}
