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

  @Test
  void everyWord_isAnsweredAsByTheLexiconAndTheModel() throws Exception {
    WordIndex index = InjectionScanner.WORDS;
    List<String> texts = new ArrayList<>(corpus());
    texts.addAll(featureTexts());
    long words = 0;
    long weighted = 0;
    long phraseStarts = 0;
    for (String text : texts) {
      Tokens t = Tokens.of(TextViews.of(text, TextViews.Limits.DEFAULT).folded, false);
      for (int i = 0; i < t.size; i++) {
        int slot = index.find(t.hash(i));
        List<Lexicon.Phrase> phrases = InjectionScanner.LEXICON.exact(t, i);
        assertThat(index.phrases(slot)).as("%s: word %d", text, i).isSameAs(phrases);
        double w = reference(t, i);
        assertThat(index.weight(slot, t, i)).as("%s: word %d", text, i).isEqualTo(w);
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
