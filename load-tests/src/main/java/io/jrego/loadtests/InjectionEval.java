package io.jrego.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measures {@code jrego.injection.scan} on the labelled set in {@code
 * load-tests/corpora/injection/} ({@code dev.jsonl} for tuning, {@code test.jsonl} held out):
 * precision, recall and false-positive rate overall, per attack category, per language, per
 * obfuscation variant and per source. Every text is scanned as a user message with the default
 * threshold, the way a gateway policy calls it.
 *
 * <p>Run from the repository root: {@code java -cp load-tests/target/benchmarks.jar
 * io.jrego.loadtests.InjectionEval} (build with {@code ./mvnw -q -pl load-tests -am package
 * -DskipTests}). It prints the tables and writes {@code load-tests/results/injection-eval.md}.
 * {@code InjectionEvalTest} asserts the committed floor on the test split.
 */
public final class InjectionEval {

  private InjectionEval() {}

  /** Scan options; {@code -Dinjection.threshold=N} tries another threshold (for tuning on dev). */
  private static final Value OPTIONS =
      System.getProperty("injection.threshold") == null
          ? ObjectValue.EMPTY
          : io.jrego.engine.value.Json.parse(
              "{\"threshold\": "
                  + Integer.parseInt(System.getProperty("injection.threshold"))
                  + "}");

  /**
   * One labelled text and whether the scanner flagged it. {@code injection} is the label as the
   * source gives it; {@link #corrected} applies {@code relabel.tsv} (criteria in {@code
   * relabel.md}).
   */
  record Outcome(
      String id,
      boolean injection,
      boolean flagged,
      String category,
      String language,
      String variant,
      String source,
      boolean relabelled,
      boolean rulesOnly,
      String firing) {

    /** The same outcome under the corrected label. */
    Outcome corrected() {
      return relabelled
          ? new Outcome(
              id,
              !injection,
              flagged,
              "relabelled_" + category,
              language,
              variant,
              source,
              false,
              rulesOnly,
              firing)
          : this;
    }

    /** The same outcome as if the scan had only its rules (no statistical layer). */
    Outcome rules() {
      return new Outcome(
          id,
          injection,
          rulesOnly,
          category,
          language,
          variant,
          source,
          relabelled,
          rulesOnly,
          firing);
    }
  }

  private static final java.util.regex.Pattern TAB = java.util.regex.Pattern.compile("\t");

  /** The ids whose label {@code relabel.tsv} corrects. */
  static java.util.Set<String> relabelled(Path corpus) throws IOException {
    java.util.Set<String> ids = new java.util.HashSet<>();
    Path f = corpus.resolve("relabel.tsv");
    for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      String[] p = TAB.split(l, -1);
      if (!l.startsWith("#") && p.length >= 4 && !p[0].equals("id")) {
        ids.add(p[0]);
      }
    }
    return ids;
  }

  /** Counts for one slice. */
  static final class Counts {
    int tp;
    int fn;
    int fp;
    int tn;

    void add(Outcome o) {
      if (o.injection()) {
        if (o.flagged()) {
          tp++;
        } else {
          fn++;
        }
      } else if (o.flagged()) {
        fp++;
      } else {
        tn++;
      }
    }

    double recall() {
      return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
    }

    double precision() {
      return tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
    }

    double fpr() {
      return fp + tn == 0 ? Double.NaN : (double) fp / (fp + tn);
    }
  }

  /** Scans every line of a split. */
  static List<Outcome> run(Path jsonl) throws IOException, BuiltinException {
    java.util.Set<String> relabelled = relabelled(jsonl.getParent());
    Builtin scan =
        StandardBuiltins.registry()
            .lookup("jrego.injection.scan")
            .orElseThrow(() -> new IllegalStateException("jrego.injection.scan is not registered"));
    ObjectMapper json = new ObjectMapper();
    List<Outcome> out = new ArrayList<>();
    BuiltinContext ctx = BuiltinContext.standard();
    for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = json.readTree(line);
      Value r =
          scan.function()
              .orElseThrow()
              .call(new Value[] {StringValue.of(n.get("text").asText()), OPTIONS}, ctx);
      ObjectValue result = (ObjectValue) r;
      boolean flagged = result.get("detected").orElseThrow() == BooleanValue.TRUE;
      int threshold = (int) ((NumberValue) result.get("threshold").orElseThrow()).longValue();
      int rulesTop = 0;
      StringBuilder firing = new StringBuilder();
      for (Value f : (ArrayValue) result.get("findings").orElseThrow()) {
        ObjectValue fo = (ObjectValue) f;
        String rule = ((StringValue) fo.get("rule").orElseThrow()).value();
        int score = (int) ((NumberValue) fo.get("score").orElseThrow()).longValue();
        if (!rule.equals("model.linear")) {
          rulesTop = Math.max(rulesTop, score);
        }
        if (score >= threshold) {
          firing.append(firing.length() == 0 ? "" : " ").append(rule).append('=').append(score);
        }
      }
      out.add(
          new Outcome(
              n.get("id").asText(),
              n.get("label").asText().equals("injection"),
              flagged,
              n.get("category").asText(),
              n.get("language").asText(),
              n.get("variant").asText(),
              n.get("source").asText(),
              relabelled.contains(n.get("id").asText()),
              rulesTop >= threshold,
              firing.toString()));
    }
    return out;
  }

  static Counts total(List<Outcome> outcomes) {
    Counts c = new Counts();
    outcomes.forEach(c::add);
    return c;
  }

  /** The report for both splits as Markdown. */
  static String report(Map<String, List<Outcome>> splits) {
    StringBuilder b = new StringBuilder();
    b.append("# Prompt-injection detection on the labelled set\n\n")
        .append("`jrego.injection.scan(text, {})` (threshold 50), every text scanned as a user ")
        .append("message. Set: `load-tests/corpora/injection/` (sources and licences in its ")
        .append("`SOURCES.md`); rules were tuned on `dev` only, `test` is held out. Command: ")
        .append("`java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.InjectionEval`. ")
        .append("Written ")
        .append(LocalDate.now(java.time.ZoneOffset.UTC))
        .append(".\n\n");
    for (Map.Entry<String, List<Outcome>> e : splits.entrySet()) {
      List<Outcome> original = e.getValue();
      List<Outcome> o = original.stream().map(Outcome::corrected).toList();
      b.append("## ").append(e.getKey()).append(" split\n\n");
      summary(b, "With the corrected labels (`relabel.tsv`)", o);
      summary(b, "With the labels as the sources give them", original);
      summary(
          b,
          "Rules alone (no statistical layer), corrected labels",
          o.stream().map(Outcome::rules).toList());
      b.append("Tables with the corrected labels:\n\n");
      table(b, "attack category (recall)", o, true, Outcome::category);
      table(b, "benign kind (false-positive rate)", o, false, Outcome::category);
      table(b, "language, injections (recall)", o, true, Outcome::language);
      table(b, "language, benign (false-positive rate)", o, false, Outcome::language);
      table(b, "obfuscation variant (recall)", o, true, Outcome::variant);
      table(b, "source, injections (recall)", o, true, Outcome::source);
      table(b, "source, benign (false-positive rate)", o, false, Outcome::source);
      b.append("The same with the sources' labels, by category and language:\n\n");
      table(b, "attack category (recall)", original, true, Outcome::category);
      table(b, "language, injections (recall)", original, true, Outcome::language);
    }
    return b.toString();
  }

  private static void summary(StringBuilder b, String title, List<Outcome> o) {
    Counts t = total(o);
    b.append(
        String.format(
            Locale.ROOT,
            "%s: %d injections, %d benign texts: **recall %.3f, false-positive rate %.3f,"
                + " precision %.3f** (TP %d, FN %d, FP %d, TN %d)%n%n",
            title,
            t.tp + t.fn,
            t.fp + t.tn,
            t.recall(),
            t.fpr(),
            t.precision(),
            t.tp,
            t.fn,
            t.fp,
            t.tn));
  }

  private static void table(
      StringBuilder b,
      String title,
      List<Outcome> outcomes,
      boolean injections,
      java.util.function.Function<Outcome, String> key) {
    Map<String, Counts> by = new TreeMap<>();
    for (Outcome o : outcomes) {
      if (o.injection() == injections) {
        by.computeIfAbsent(key.apply(o), k -> new Counts()).add(o);
      }
    }
    b.append("| ").append(title).append(" | n | flagged | rate |\n|---|---:|---:|---:|\n");
    for (Map.Entry<String, Counts> e : by.entrySet()) {
      Counts c = e.getValue();
      int n = injections ? c.tp + c.fn : c.fp + c.tn;
      int flagged = injections ? c.tp : c.fp;
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %.3f |\n",
              e.getKey(),
              n,
              flagged,
              (double) flagged / n));
    }
    b.append('\n');
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Path corpus = root.resolve("load-tests/corpora/injection");
    Map<String, List<Outcome>> splits = new TreeMap<>();
    splits.put("dev", run(corpus.resolve("dev.jsonl")));
    splits.put("test", run(corpus.resolve("test.jsonl")));
    String md = report(splits);
    System.out.print(md);
    if (args.length > 1 && args[1].equals("--misses-dev")) {
      for (Outcome o : splits.get("dev")) {
        if (o.corrected().injection() != o.flagged()) {
          System.err.println(
              (o.corrected().injection() ? "FN " : "FP ") + o.id() + " " + o.firing());
        }
      }
    }
    Path out = root.resolve("load-tests/results/injection-eval.md");
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }
}
