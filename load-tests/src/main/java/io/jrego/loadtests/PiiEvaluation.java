package io.jrego.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jrego.engine.builtins.ai.Finding;
import io.jrego.engine.builtins.ai.PiiOptions;
import io.jrego.engine.builtins.ai.PiiScanner;
import io.jrego.engine.builtins.ai.PiiType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Measures {@code jrego.pii.scan} ({@link PiiScanner} with default options) on the labelled set in
 * {@code load-tests/corpora/pii/}: precision, recall and false-positive rate per entity type, for
 * the checksum-validated types together, and per language.
 *
 * <p>A gold entity is found when a finding of the same type overlaps it; a finding that overlaps no
 * gold entity of its type is a false positive. The false-positive rate of a type is the share of
 * the samples with no entity at all (the lookalikes: order numbers, versions, timestamps, hashes,
 * invalid checksums, ...) in which that type is reported.
 *
 * <pre>
 * ./mvnw -q -pl load-tests -am package -DskipTests
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.PiiEvaluation          # test split, writes results/pii-DATE.md
 * java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.PiiEvaluation --split dev --show-misses
 * </pre>
 *
 * Misses are shown for the dev split only: rules are tuned on dev, the test split stays held out.
 */
public final class PiiEvaluation {

  /** The types whose validation includes a check digit (the target applies to them). */
  public static final Set<PiiType> CHECKSUM_TYPES =
      Set.of(
          PiiType.CARD,
          PiiType.IBAN,
          PiiType.UK_NHS,
          PiiType.DE_TAX_ID,
          PiiType.FR_NIR,
          PiiType.ES_DNI,
          PiiType.ES_NIE,
          PiiType.IT_FISCAL_CODE,
          PiiType.NL_BSN,
          PiiType.IN_AADHAAR);

  /**
   * Types whose only evidence in a bare run of digits is a check digit (BSN's 11-test, the
   * Steuer-ID's ISO 7064 digit, NHS's mod 11, Aadhaar's Verhoeff digit): no prefix, range, letters
   * or separators of their own. One random number in ten or eleven passes such a check.
   */
  public static final Set<PiiType> CHECK_DIGIT_ONLY =
      Set.of(PiiType.NL_BSN, PiiType.DE_TAX_ID, PiiType.UK_NHS, PiiType.IN_AADHAAR);

  /**
   * Whether a gold entity is one a careful human reader could not label either: a bare run of
   * digits of a {@link #CHECK_DIGIT_ONLY} type in a sentence with no word naming it ("Dossier
   * 123456782 is afgesloten."). The fair figures leave these out of both recall and precision (a
   * finding on one is neither a hit nor a false positive); the plain figures keep them.
   */
  static boolean ambiguous(PiiType type, String context, String value) {
    return CHECK_DIGIT_ONLY.contains(type)
        && "without context words".equals(context)
        && !value.isEmpty()
        && value.chars().allMatch(Character::isDigit);
  }

  /** Counts for one row of the table. */
  public static final class Counts {
    int tp;
    int fn;
    int fp;
    int exact;
    int flaggedNegatives;

    public int tp() {
      return tp;
    }

    public int fn() {
      return fn;
    }

    public int fp() {
      return fp;
    }

    public double precision() {
      return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
    }

    public double recall() {
      return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
    }
  }

  /** The outcome of one run. */
  public record Report(
      int samples,
      int negatives,
      Map<String, Counts> byType,
      Counts checksumTypes,
      Counts checksumRecognisable,
      Counts checksumFair,
      int ambiguous,
      Map<String, Counts> byLanguage,
      Map<String, Counts> byContext,
      int negativesFlagged,
      List<String> misses) {}

  private record Gold(String type, int start, int end, String value) {}

  private PiiEvaluation() {}

  /** Scores the scanner on {@code file} (one JSON sample per line). */
  public static Report run(Path file, PiiOptions options, boolean collectMisses)
      throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, Counts> byType = new TreeMap<>();
    for (PiiType t : PiiType.values()) {
      byType.put(t.id(), new Counts());
    }
    Counts checksum = new Counts();
    Counts recognisable = new Counts();
    Counts fair = new Counts();
    int ambiguousGold = 0;
    Map<String, Counts> byLanguage = new TreeMap<>();
    Map<String, Counts> byContext = new TreeMap<>();
    List<String> misses = new ArrayList<>();
    int samples = 0;
    int negatives = 0;
    int negativesFlagged = 0;
    PiiScanner scanner = PiiScanner.standard();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode s = json.readTree(line);
        samples++;
        String text = s.get("text").asText();
        String lang = s.get("lang").asText();
        JsonNode ctx = s.get("context");
        String context =
            ctx == null || ctx.isNull()
                ? null
                : ctx.asBoolean() ? "with context words" : "without context words";
        List<Gold> gold = new ArrayList<>();
        for (JsonNode e : s.get("entities")) {
          gold.add(
              new Gold(
                  e.get("type").asText(),
                  e.get("start").asInt(),
                  e.get("end").asInt(),
                  e.get("value").asText()));
        }
        List<Finding> found = scanner.scan(text, options).findings();
        Counts langCounts = byLanguage.computeIfAbsent(lang, k -> new Counts());
        if (gold.isEmpty()) {
          negatives++;
          if (!found.isEmpty()) {
            negativesFlagged++;
          }
          Set<String> flagged = new java.util.HashSet<>();
          for (Finding f : found) {
            flagged.add(f.type().id());
          }
          for (String t : flagged) {
            byType.get(t).flaggedNegatives++;
          }
        }
        boolean[] matched = new boolean[found.size()];
        for (Gold g : gold) {
          PiiType type =
              PiiType.byId(g.type).orElseThrow(() -> new IOException("unknown type " + g.type));
          Counts c = byType.get(g.type);
          boolean hit = false;
          for (int i = 0; i < found.size(); i++) {
            Finding f = found.get(i);
            if (f.type() == type && f.start() < g.end && g.start < f.end()) {
              hit = true;
              matched[i] = true;
              if (f.start() == g.start && f.end() == g.end) {
                c.exact++;
              }
            }
          }
          List<Counts> rows = new ArrayList<>(List.of(c, langCounts));
          if (CHECKSUM_TYPES.contains(type)) {
            rows.add(checksum);
            if (!"without context words".equals(context)) {
              rows.add(recognisable);
            }
            if (ambiguous(type, context, g.value)) {
              ambiguousGold++;
            } else {
              rows.add(fair);
            }
          }
          if (context != null) {
            rows.add(byContext.computeIfAbsent(g.type + ", " + context, k -> new Counts()));
          }
          for (Counts r : rows) {
            if (hit) {
              r.tp++;
            } else {
              r.fn++;
            }
          }
          if (!hit && collectMisses) {
            misses.add("missed " + g.type + " [" + g.value + "] in: " + text);
          }
        }
        for (int i = 0; i < found.size(); i++) {
          if (!matched[i]) {
            Finding f = found.get(i);
            byType.get(f.type().id()).fp++;
            langCounts.fp++;
            if (CHECKSUM_TYPES.contains(f.type())) {
              checksum.fp++;
              fair.fp++;
            }
            if (collectMisses) {
              misses.add(
                  "false " + f.type().id() + " [" + f.text() + "] " + f.score() + " in: " + text);
            }
          }
        }
      }
    }
    return new Report(
        samples,
        negatives,
        byType,
        checksum,
        recognisable,
        fair,
        ambiguousGold,
        byLanguage,
        byContext,
        negativesFlagged,
        misses);
  }

  private static String f3(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }

  /** The minimum confidence of the second operating point the report shows. */
  public static final int LOW_THRESHOLD = 30;

  /** A summary table of {@code r}, one row per type with entities. */
  static String summary(Report r) {
    StringBuilder b = new StringBuilder();
    b.append("| type | precision | recall | FP rate |\n|---|---:|---:|---:|\n");
    Counts c = r.checksumTypes();
    b.append("| **checksum-validated together** | ")
        .append(f3(c.precision()))
        .append(" | ")
        .append(f3(c.recall()))
        .append(" | |\n");
    Counts fc = r.checksumFair();
    b.append("| **checksum-validated, fair set** | ")
        .append(f3(fc.precision()))
        .append(" | ")
        .append(f3(fc.recall()))
        .append(" | |\n");
    for (Map.Entry<String, Counts> e : r.byType().entrySet()) {
      Counts t = e.getValue();
      if (t.tp + t.fn == 0) {
        continue;
      }
      b.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(f3(t.precision()))
          .append(" | ")
          .append(f3(t.recall()))
          .append(" | ")
          .append(f3((double) t.flaggedNegatives / Math.max(1, r.negatives())))
          .append(" |\n");
    }
    return b.toString();
  }

  /** The report as Markdown: the default operating point in full, a lower threshold in brief. */
  public static String markdown(Report r, Report low, String split, Path file) {
    StringBuilder b = new StringBuilder();
    b.append("# PII and secrets detection on the `").append(split).append("` split\n\n");
    b.append("- set: `")
        .append(file)
        .append("` (")
        .append(r.samples())
        .append(" samples, ")
        .append(r.negatives())
        .append(" with no entity)\n");
    b.append("- scanner: `jrego.pii.scan` default options (min_confidence 0.5, every type)\n");
    b.append(
            "- command: `java -cp load-tests/target/benchmarks.jar io.jrego.loadtests.PiiEvaluation --split ")
        .append(split)
        .append("`\n");
    b.append(
            "- a gold entity counts as found when a finding of its type overlaps it; FP rate = share of the ")
        .append(r.negatives())
        .append(" no-entity samples in which the type is reported\n\n");
    Counts fc = r.checksumFair();
    b.append("**Checksum-validated types, fair set** (")
        .append(r.ambiguous())
        .append(" gold entities left out: bare digit runs of BSN, Steuer-ID, NHS or Aadhaar in")
        .append(" sentences that do not say what they are, which a check digit alone cannot tell")
        .append(" from a reference number, and no human could label either; see `corpora/pii/")
        .append("SOURCES.md`): precision ")
        .append(f3(fc.precision()))
        .append(", recall ")
        .append(f3(fc.recall()))
        .append(" (")
        .append(fc.tp())
        .append(" of ")
        .append(fc.tp() + fc.fn())
        .append("; target: precision >= 0.95, recall >= 0.98).\n\n");
    Counts c = r.checksumTypes();
    b.append(
            "**Checksum-validated types together, every gold entity** (card, iban, uk_nhs, de_tax_id, fr_nir, es_dni, es_nie, it_fiscal_code, nl_bsn, in_aadhaar): ")
        .append("precision ")
        .append(f3(c.precision()))
        .append(", recall ")
        .append(f3(c.recall()))
        .append(
            " (target: precision >= 0.95, recall >= 0.98). No-entity samples with any finding: ")
        .append(r.negativesFlagged())
        .append(" of ")
        .append(r.negatives())
        .append(" (")
        .append(f3((double) r.negativesFlagged() / Math.max(1, r.negatives())))
        .append(").\n\n");
    Counts rc = r.checksumRecognisable();
    b.append(
            "**The same, leaving out jrego's templates that give the identifier no context word** ")
        .append("(for a bare number, BSN, Steuer-ID, NHS or unspaced Aadhaar, a check digit alone ")
        .append("cannot tell it from a random number: see the last two tables): recall ")
        .append(f3(rc.recall()))
        .append(" (")
        .append(rc.tp)
        .append(" of ")
        .append(rc.tp + rc.fn)
        .append(").\n\n");
    b.append(
        "| type | gold | found | missed | false pos. | precision | recall | exact span | FP rate |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, Counts> e : r.byType().entrySet()) {
      Counts t = e.getValue();
      if (t.tp + t.fn + t.fp == 0) {
        continue;
      }
      b.append("| ")
          .append(e.getKey())
          .append(CHECKSUM_TYPES.contains(PiiType.byId(e.getKey()).orElseThrow()) ? " ✓" : "")
          .append(" | ")
          .append(t.tp + t.fn)
          .append(" | ")
          .append(t.tp)
          .append(" | ")
          .append(t.fn)
          .append(" | ")
          .append(t.fp)
          .append(" | ")
          .append(f3(t.precision()))
          .append(" | ")
          .append(f3(t.recall()))
          .append(" | ")
          .append(t.tp == 0 ? "-" : f3((double) t.exact / t.tp))
          .append(" | ")
          .append(f3((double) t.flaggedNegatives / Math.max(1, r.negatives())))
          .append(" |\n");
    }
    b.append(
        "\n✓ checksum-validated\n\n### By language (all types)\n\n| language | gold | found | false pos. | precision | recall |\n|---|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, Counts> e : r.byLanguage().entrySet()) {
      Counts t = e.getValue();
      b.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(t.tp + t.fn)
          .append(" | ")
          .append(t.tp)
          .append(" | ")
          .append(t.fp)
          .append(" | ")
          .append(f3(t.precision()))
          .append(" | ")
          .append(f3(t.recall()))
          .append(" |\n");
    }
    b.append(
        "\n### Recall with and without a context word (jrego's templates)\n\n| type, sentence | gold | found | recall |\n|---|---:|---:|---:|\n");
    for (Map.Entry<String, Counts> e : r.byContext().entrySet()) {
      Counts t = e.getValue();
      b.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(t.tp + t.fn)
          .append(" | ")
          .append(t.tp)
          .append(" | ")
          .append(f3(t.recall()))
          .append(" |\n");
    }
    b.append("\n### The same set at min_confidence 0.30\n\n")
        .append("Bare numbers whose only evidence is a check digit (BSN, Steuer-ID, NHS, unspaced")
        .append(" Aadhaar) score below 0.50 unless a context word stands nearby; a lower threshold")
        .append(" reports them too, at the cost of the random numbers that happen to pass their")
        .append(" check.\n\n");
    b.append(summary(low));
    return b.toString();
  }

  /** {@code [--split dev|test] [--corpus DIR] [--out FILE] [--show-misses]}. */
  public static void main(String[] args) throws IOException {
    String split = "test";
    Path corpus = Path.of("load-tests/corpora/pii");
    Path out = null;
    boolean showMisses = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--split" -> split = args[++i];
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--show-misses" -> showMisses = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (showMisses && !split.equals("dev")) {
      throw new IllegalArgumentException(
          "--show-misses is for the dev split: the test split is held out");
    }
    Path file = corpus.resolve(split + ".jsonl");
    Report r = run(file, PiiOptions.defaults(), showMisses);
    Report low = run(file, PiiOptions.defaults().withMinScore(LOW_THRESHOLD), false);
    String md = markdown(r, low, split, file);
    PrintStream o = System.out;
    o.println(md);
    if (showMisses) {
      r.misses().forEach(o::println);
    }
    if (split.equals("test")) {
      if (out == null) {
        out = Path.of("load-tests/results/pii-" + LocalDate.now(ZoneOffset.UTC) + ".md");
      }
      Files.writeString(out, md);
      o.println("wrote " + out);
    }
  }
}
