package io.jrego.engine.builtins.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Trains {@code injection-model.tsv} on the dev split of {@code load-tests/corpora/injection}
 * (never the test split), deterministically: L2-regularised logistic regression by full-batch
 * gradient descent with AdaGrad steps, classes weighted to balance, features seen in at least two
 * dev texts. Texts longer than {@link InjectionModel#WINDOW} words are cut into half-overlapping
 * windows that share the text's weight and label. Only plain texts (no obfuscated variant) are
 * trained on, and of AgentDojo's attacks one per injection slot (see {@link #devTexts}). Labels are
 * the corrected ones of {@code relabel.tsv}.
 *
 * <p>The decision threshold is set on dev too: the logit above which at most {@link #DEV_FPR} of
 * the dev benign texts score. {@code InjectionModelTest} retrains and fails when the committed file
 * differs. Regenerate from the repository root with {@code ./mvnw -q -pl policy-engine test-compile
 * dependency:build-classpath -Dmdep.outputFile=$PWD/cp.txt} and then {@code java -cp
 * "policy-engine/target/test-classes:policy-engine/target/classes:$(cat cp.txt)"
 * io.jrego.engine.builtins.ai.InjectionModelTrainer load-tests/corpora/injection
 * policy-engine/src/main/resources/io/jrego/engine/builtins/ai/injection-model.tsv} (see {@code
 * load-tests/README.md}).
 */
final class InjectionModelTrainer {

  private InjectionModelTrainer() {}

  static final double DEV_FPR = 0.01;
  static final double L2 = 1e-4;
  static final int ITERATIONS = 150;
  static final double STEP = 0.5;
  static final double KEEP = 0.02;

  private static final java.util.regex.Pattern TAB = java.util.regex.Pattern.compile("\t");

  record Text(String id, String text, boolean injection) {}

  /** Training settings; {@link #DEFAULT} is what the shipped model uses. */
  record Settings(double l2, int iterations, double step, double keep, int minDf) {
    static final Settings DEFAULT = new Settings(L2, ITERATIONS, STEP, KEEP, 2);
  }

  static List<Text> devTexts(Path corpus) throws IOException {
    Map<String, String> corrected = new HashMap<>();
    for (String l : Files.readAllLines(corpus.resolve("relabel.tsv"), StandardCharsets.UTF_8)) {
      String[] f = TAB.split(l, -1);
      if (!l.startsWith("#") && f.length >= 4 && !f[0].equals("id")) {
        corrected.put(f[0], f[3]);
      }
    }
    ObjectMapper json = new ObjectMapper();
    List<Text> out = new ArrayList<>();
    Set<String> carriers = new HashSet<>();
    for (String l : Files.readAllLines(corpus.resolve("dev.jsonl"), StandardCharsets.UTF_8)) {
      if (l.isBlank()) {
        continue;
      }
      JsonNode n = json.readTree(l);
      if (!n.get("variant").asText().equals("plain")) {
        continue;
      }
      if (n.get("source").asText().equals("agentdojo:attacks")) {
        // AgentDojo puts each of its five attack strings into the same carrier record; one
        // copy per slot keeps the record's own words from reading as an attack.
        String origin = n.get("origin").asText();
        if (!carriers.add(origin.substring(origin.lastIndexOf('/') + 1))) {
          continue;
        }
      }
      String label = corrected.getOrDefault(n.get("id").asText(), n.get("label").asText());
      out.add(new Text(n.get("id").asText(), n.get("text").asText(), label.equals("injection")));
    }
    return out;
  }

  /** The folded words of a text as the scanner sees them (astral code points as U+FFFF). */
  static List<String> words(String text) {
    TextViews v = TextViews.of(text, TextViews.Limits.DEFAULT);
    Tokens t = Tokens.of(v.folded, false);
    List<String> w = new ArrayList<>(t.size);
    for (int i = 0; i < t.size; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = t.from[i]; k < t.to[i]; k++) {
        int cp = v.folded.cp(k);
        b.append((char) (cp > 0xFFFF ? 0xFFFF : cp));
      }
      w.add(b.toString());
    }
    return w;
  }

  /**
   * Words a model may weigh alone: three letters or more, not a number, not a function word.
   * Function words and markup fragments ("and", "to", "id", "n" of an escaped newline) tell the dev
   * split's sources apart (English attacks, multilingual or templated benign texts) rather than
   * attacks from the rest, so they get no weight of their own; they still count inside bigrams
   * ("you are", "ignore all").
   */
  static boolean unigramFeature(String w) {
    return w.length() >= 3 && !isNumber(w) && !FUNCTION_WORDS.contains(w);
  }

  static boolean bigramFeature(String a, String b) {
    return a.length() >= 2 && b.length() >= 2 && !isNumber(a) && !isNumber(b);
  }

  private static boolean isNumber(String w) {
    return w.chars().allMatch(Character::isDigit);
  }

  static final Set<String> FUNCTION_WORDS =
      Set.of(
          "the", "and", "for", "with", "this", "that", "from", "are", "was", "were", "but", "not",
          "all", "any", "its", "has", "have", "had", "can", "will", "would", "should", "could",
          "into", "onto", "about", "over", "than", "then", "there", "their", "them", "they",
          "these", "those", "what", "which", "who", "whom", "when", "where", "why", "how", "your",
          "you", "our", "his", "her", "she", "him", "out", "also", "just", "only", "very", "der",
          "die", "das", "und", "ist", "nicht", "mit", "den", "dem", "des", "ein", "eine", "les",
          "une", "est", "pas", "pour", "dans", "que", "qui", "sur", "par", "avec", "los", "las",
          "una", "del", "por", "con", "para", "como", "gli", "che", "per", "non", "della", "delle",
          "dei", "sono", "www", "com", "http", "https");

  /** One training row: sparse feature indices and values. */
  private static final class Instance {
    final int[] idx;
    final double[] val;
    final boolean y;
    final double weight;

    Instance(int[] idx, double[] val, boolean y, double weight) {
      this.idx = idx;
      this.val = val;
      this.y = y;
      this.weight = weight;
    }
  }

  static String train(Path corpus) throws IOException {
    return train(devTexts(corpus), Settings.DEFAULT);
  }

  static String train(List<Text> texts, Settings set) throws IOException {
    return train(texts, set, true);
  }

  private static String train(List<Text> texts, Settings set, boolean threshold)
      throws IOException {
    List<List<String>> words = new ArrayList<>();
    Map<String, Integer> df = new HashMap<>();
    for (Text t : texts) {
      List<String> w = words(t.text());
      words.add(w);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < w.size(); i++) {
        if (unigramFeature(w.get(i))) {
          seen.add(w.get(i));
        }
        if (i + 1 < w.size() && bigramFeature(w.get(i), w.get(i + 1))) {
          seen.add(w.get(i) + " " + w.get(i + 1));
        }
      }
      for (String f : seen) {
        df.merge(f, 1, Integer::sum);
      }
    }
    TreeMap<String, Integer> vocab = new TreeMap<>();
    df.forEach(
        (f, c) -> {
          if (c >= set.minDf()) {
            vocab.put(f, 0);
          }
        });
    List<String> features = new ArrayList<>(vocab.keySet());
    for (int i = 0; i < features.size(); i++) {
      vocab.put(features.get(i), i);
    }
    double pos = texts.stream().filter(Text::injection).count();
    double neg = texts.size() - pos;
    List<Instance> data = new ArrayList<>();
    for (int k = 0; k < texts.size(); k++) {
      List<String> w = words.get(k);
      List<int[]> ranges = new ArrayList<>();
      int win = InjectionModel.WINDOW;
      if (w.size() <= win) {
        ranges.add(new int[] {0, w.size()});
      } else {
        for (int s = 0; ; s += win / 2) {
          int start = Math.min(s, w.size() - win);
          ranges.add(new int[] {start, start + win});
          if (start == w.size() - win) {
            break;
          }
        }
      }
      boolean y = texts.get(k).injection();
      double cw = (y ? 0.5 * texts.size() / pos : 0.5 * texts.size() / neg) / ranges.size();
      for (int[] r : ranges) {
        TreeMap<Integer, Integer> counts = new TreeMap<>();
        for (int i = r[0]; i < r[1]; i++) {
          Integer u = unigramFeature(w.get(i)) ? vocab.get(w.get(i)) : null;
          if (u != null) {
            counts.merge(u, 1, Integer::sum);
          }
          if (i + 1 < w.size() && bigramFeature(w.get(i), w.get(i + 1))) {
            Integer b = vocab.get(w.get(i) + " " + w.get(i + 1));
            if (b != null) {
              counts.merge(b, 1, Integer::sum);
            }
          }
        }
        double scale = 1.0 / Math.sqrt(Math.max(r[1] - r[0], InjectionModel.MIN_WORDS));
        int[] idx = counts.keySet().stream().mapToInt(Integer::intValue).toArray();
        double[] val = counts.values().stream().mapToDouble(c -> c * scale).toArray();
        data.add(new Instance(idx, val, y, cw));
      }
    }
    double[] wts = new double[features.size()];
    double bias = 0;
    double[] g2 = new double[features.size()];
    double b2 = 0;
    double total = data.stream().mapToDouble(d -> d.weight).sum();
    for (int it = 0; it < set.iterations(); it++) {
      double[] grad = new double[features.size()];
      double gb = 0;
      for (Instance d : data) {
        double z = bias;
        for (int j = 0; j < d.idx.length; j++) {
          z += wts[d.idx[j]] * d.val[j];
        }
        double p = 1 / (1 + Math.exp(-z));
        double e = (p - (d.y ? 1 : 0)) * d.weight / total;
        gb += e;
        for (int j = 0; j < d.idx.length; j++) {
          grad[d.idx[j]] += e * d.val[j];
        }
      }
      for (int j = 0; j < wts.length; j++) {
        double g = grad[j] + set.l2() * wts[j];
        g2[j] += g * g;
        if (g2[j] > 0) {
          wts[j] -= set.step() * g / Math.sqrt(g2[j]);
        }
      }
      b2 += gb * gb;
      if (b2 > 0) {
        bias -= set.step() * gb / Math.sqrt(b2);
      }
    }
    List<Integer> kept = new ArrayList<>();
    for (int j = 0; j < wts.length; j++) {
      if (Math.abs(wts[j]) >= set.keep()) {
        kept.add(j);
      }
    }
    kept.sort(
        (a, b) -> {
          int c = Double.compare(round(wts[b]), round(wts[a]));
          return c != 0 ? c : features.get(a).compareTo(features.get(b));
        });
    StringBuilder body = new StringBuilder();
    for (int j : kept) {
      body.append(String.format(Locale.ROOT, "%.4f\t%s%n", round(wts[j]), features.get(j)));
    }
    String biasLine = String.format(Locale.ROOT, "# bias %.4f%n", round(bias));
    double logit = threshold ? outOfFoldThreshold(texts, set) : 0;
    return "# The statistical layer of jrego.injection.scan (InjectionModel): logistic regression\n"
        + "# over folded word unigrams and bigrams, trained on load-tests/corpora/injection/dev.jsonl\n"
        + "# only, by InjectionModelTrainer (policy-engine tests). Generated: do not edit;\n"
        + "# InjectionModelTest fails when this file is not what training gives.\n"
        + String.format(
            Locale.ROOT,
            "# %d dev texts (%d injections), %d features kept of %d (|weight| >= %.2f); threshold:"
                + " the logit that lets through %.1f%% of the dev benign texts when each half of dev"
                + " is scored by a model trained on the other half (mean of the two).%n",
            texts.size(),
            (int) pos,
            kept.size(),
            features.size(),
            set.keep(),
            100 * DEV_FPR)
        + biasLine
        + String.format(Locale.ROOT, "# threshold %.4f%n", round(logit))
        + body;
  }

  private static double round(double x) {
    return Math.round(x * 10000) / 10000.0;
  }

  /** The mean over two folds of the held-out logit that DEV_FPR of the benign texts exceed. */
  private static double outOfFoldThreshold(List<Text> all, Settings set) throws IOException {
    double sum = 0;
    for (int fold = 0; fold < 2; fold++) {
      List<Text> train = new ArrayList<>();
      List<Double> benign = new ArrayList<>();
      for (Text t : all) {
        if (Math.floorMod(t.id().hashCode(), 2) != fold) {
          train.add(t);
        }
      }
      InjectionModel m =
          InjectionModel.parse(
              "fold", new BufferedReader(new StringReader(train(train, set, false))));
      for (Text t : all) {
        if (Math.floorMod(t.id().hashCode(), 2) == fold && !t.injection()) {
          benign.add(
              m.score(Tokens.of(TextViews.of(t.text(), TextViews.Limits.DEFAULT).folded, false))
                  .logit());
        }
      }
      double[] b = benign.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      sum += b[b.length - 1 - (int) Math.floor(DEV_FPR * b.length)];
    }
    return sum / 2 + 0.0001;
  }

  /**
   * Two-fold cross-validation inside the dev split (folds by a hash of the id): the model alone,
   * trained on one half, scored on the other; recall at the threshold that passes 0.5%, 1% and 2%
   * of the other half's benign texts. For choosing settings without the test split.
   */
  static void crossValidate(Path corpus, Settings set) throws IOException {
    List<Text> all = devTexts(corpus);
    double[] recall = new double[3];
    double[] fprs = {0.005, 0.01, 0.02};
    for (int fold = 0; fold < 2; fold++) {
      List<Text> train = new ArrayList<>();
      List<Text> held = new ArrayList<>();
      for (Text t : all) {
        (Math.floorMod(t.id().hashCode(), 2) == fold ? held : train).add(t);
      }
      InjectionModel m =
          InjectionModel.parse(
              "cv", new BufferedReader(new StringReader(train(train, set, false))));
      List<Double> benign = new ArrayList<>();
      List<Double> attacks = new ArrayList<>();
      for (Text t : held) {
        double z =
            m.score(Tokens.of(TextViews.of(t.text(), TextViews.Limits.DEFAULT).folded, false))
                .logit();
        (t.injection() ? attacks : benign).add(z);
      }
      double[] b = benign.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      for (int k = 0; k < fprs.length; k++) {
        double th = b[b.length - 1 - (int) Math.floor(fprs[k] * b.length)];
        recall[k] += attacks.stream().filter(z -> z > th).count() / (2.0 * attacks.size());
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s: recall %.3f / %.3f / %.3f at 0.5%% / 1%% / 2%% FPR%n",
        set,
        recall[0],
        recall[1],
        recall[2]);
  }

  public static void main(String[] args) throws IOException {
    if (args[0].equals("--cv")) {
      Path corpus = Path.of(args[1]);
      for (double l2 : new double[] {1e-5, 3e-5, 1e-4}) {
        for (int iters : new int[] {80, 150}) {
          for (int minDf : new int[] {2, 3}) {
            crossValidate(corpus, new Settings(l2, iters, STEP, KEEP, minDf));
          }
        }
      }
      return;
    }
    String model = train(Path.of(args[0]));
    Files.writeString(Path.of(args[1]), model, StandardCharsets.UTF_8);
    System.out.println(
        "wrote " + args[1] + " (" + Arrays.stream(model.split("\n")).count() + " lines)");
  }
}
