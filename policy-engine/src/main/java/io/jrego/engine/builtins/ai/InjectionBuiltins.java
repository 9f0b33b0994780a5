package io.jrego.engine.builtins.ai;

import static io.jrego.engine.builtins.ai.AiValues.span;
import static io.jrego.engine.builtins.ai.AiValues.string;

import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Set;

/**
 * {@code jrego.injection.*}: prompt-injection detection (see {@link InjectionScanner} for how, and
 * {@code docs/builtins.md} for the result's keys).
 *
 * <ul>
 *   <li>{@code jrego.injection.scan(text, options)}: {@code detected}, {@code score} (0-100),
 *       {@code categories}, {@code languages}, {@code findings} with original spans, {@code
 *       invisible}, {@code hidden}, {@code truncated}. Options (all optional): {@code threshold}
 *       (0-100, default 50), {@code source} ({@code user}, {@code system}, {@code assistant},
 *       {@code tool} or {@code document}: text from tools and documents is data, so instructions in
 *       it weigh more), {@code max_findings} (1-1000, default 32).
 *   <li>{@code jrego.injection.detected(text)}: {@code scan(text, {}).detected}.
 * </ul>
 */
public final class InjectionBuiltins {

  private InjectionBuiltins() {}

  private static final Set<String> SOURCES =
      Set.of("user", "system", "assistant", "tool", "document");

  // A report's keys, made once: every message of every body builds a report
  private static final StringValue CATEGORY = StringValue.ofKey("category");
  private static final StringValue RULE = StringValue.ofKey("rule");
  private static final StringValue SCORE = StringValue.ofKey("score");
  private static final StringValue SPAN = StringValue.ofKey("span");
  private static final StringValue VIEW = StringValue.ofKey("view");
  private static final StringValue LANGUAGE = StringValue.ofKey("language");
  private static final StringValue DETECTED = StringValue.ofKey("detected");
  private static final StringValue THRESHOLD = StringValue.ofKey("threshold");
  private static final StringValue CATEGORIES = StringValue.ofKey("categories");
  private static final StringValue LANGUAGES = StringValue.ofKey("languages");
  private static final StringValue FINDINGS = StringValue.ofKey("findings");
  private static final StringValue INVISIBLE = StringValue.ofKey("invisible");
  private static final StringValue HIDDEN = StringValue.ofKey("hidden");
  private static final StringValue TRUNCATED = StringValue.ofKey("truncated");

  /** Adds the {@code jrego.injection.*} builtins to {@code r}. */
  public static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "jrego.injection.scan(text: string, "
                    + "options: object[string: any]) => report: object[string: any]")
            .categories("jrego.injection")
            .describe(
                "Prompt-injection findings for a text: detected, score, categories, "
                    + "languages, findings with spans in code points."),
        InjectionBuiltins::scan);
    r.add(
        Declaration.of("jrego.injection.detected(text: string) => detected: boolean")
            .categories("jrego.injection")
            .describe("Whether jrego.injection.scan with default options flags the text."),
        (a, c) -> {
          InjectionTables.load(c);
          return BooleanValue.of(
              InjectionScanner.scan(string(a[0], 1), InjectionScanner.Options.DEFAULT).detected());
        });
  }

  private static Value scan(Value[] a, BuiltinContext c) throws BuiltinException {
    InjectionTables.load(c);
    String text = string(a[0], 1);
    InjectionScanner.Options o = options(AiValues.object(a[1], 2));
    return report(InjectionScanner.scan(text, o));
  }

  static InjectionScanner.Options options(ObjectValue o) throws BuiltinException {
    if (o.isEmpty()) {
      return InjectionScanner.Options.DEFAULT;
    }
    int threshold = InjectionScanner.Options.DEFAULT.threshold();
    String source = InjectionScanner.Options.DEFAULT.source();
    int maxFindings = InjectionScanner.Options.DEFAULT.maxFindings();
    for (Value k : o.keys()) {
      Value v = o.getOrNull(k);
      String key = k instanceof StringValue s ? s.value() : k.toString();
      switch (key) {
        case "threshold" -> threshold = intIn(v, key, 0, 100);
        case "max_findings" -> maxFindings = intIn(v, key, 1, 1000);
        case "source" -> {
          if (!(v instanceof StringValue s) || !SOURCES.contains(s.value())) {
            throw optionError(
                "source must be one of \"assistant\", \"document\", \"system\", \"tool\","
                    + " \"user\"");
          }
          source = s.value();
        }
        default ->
            throw optionError(
                "unknown option " + k + " (known: \"max_findings\", \"source\", \"threshold\")");
      }
    }
    return new InjectionScanner.Options(threshold, source, maxFindings);
  }

  private static int intIn(Value v, String key, int min, int max) throws BuiltinException {
    if (v instanceof NumberValue n && n.isSmall() && n.longValue() >= min && n.longValue() <= max) {
      return (int) n.longValue();
    }
    throw optionError(key + " must be an integer from " + min + " to " + max + ", got " + v);
  }

  private static BuiltinException optionError(String message) {
    return new BuiltinException(BuiltinException.Kind.TYPE, "operand 2 " + message);
  }

  /**
   * The report of a text in which nothing was found, by threshold (0-100): most messages of most
   * bodies, whose reports were a tenth of a chat body's scan when built each time.
   */
  private static final Value[] NOTHING_FOUND = new Value[101];

  static {
    for (int t = 0; t < NOTHING_FOUND.length; t++) {
      NOTHING_FOUND[t] =
          object(
              0 >= t,
              0,
              t,
              List.of(),
              List.of(),
              ArrayValue.EMPTY,
              TextViews.Invisible.NONE,
              ArrayValue.EMPTY,
              false);
    }
  }

  static Value report(InjectionScanner.Report r) {
    TextViews v = r.views();
    if (r.findings().isEmpty()
        && v.hidden.isEmpty()
        && v.invisible.count() == 0
        && !v.truncated
        && r.score() == 0
        && r.threshold() >= 0
        && r.threshold() < NOTHING_FOUND.length) {
      return NOTHING_FOUND[r.threshold()];
    }
    ArrayValue.Builder findings = new ArrayValue.Builder(r.findings().size());
    for (InjectionScanner.Finding f : r.findings()) {
      // Category, rule, view and language come from the rule tables (a few hundred strings): their
      // values are the shared instances of the key cache, made once each. Each finding is a
      // compact object of its five or six fields, not a hash map of its own.
      StringValue category = StringValue.ofKey(f.category());
      StringValue rule = StringValue.ofKey(f.rule());
      Value score = NumberValue.of(f.score());
      Value span = span(f.span());
      StringValue view = StringValue.ofKey(f.view());
      findings.add(
          f.language().isEmpty()
              ? ObjectValue.ofDistinct(
                  CATEGORY, category, RULE, rule, SCORE, score, SPAN, span, VIEW, view)
              : ObjectValue.ofDistinct(
                  CATEGORY,
                  category,
                  RULE,
                  rule,
                  SCORE,
                  score,
                  SPAN,
                  span,
                  VIEW,
                  view,
                  LANGUAGE,
                  StringValue.ofKey(f.language())));
    }
    ArrayValue.Builder hidden = new ArrayValue.Builder(r.views().hidden.size());
    for (TextViews.Hidden h : r.views().hidden) {
      hidden.add(
          new ObjectValue.Builder()
              .put("kind", StringValue.of(h.kind()))
              .put("span", span(h.span()))
              .build());
    }
    return object(
        r.detected(),
        r.score(),
        r.threshold(),
        r.categories(),
        r.languages(),
        findings.build(),
        v.invisible,
        hidden.build(),
        v.truncated);
  }

  private static Value object(
      boolean detected,
      int score,
      int threshold,
      List<String> categories,
      List<String> languages,
      ArrayValue findings,
      TextViews.Invisible invisible,
      ArrayValue hidden,
      boolean truncated) {
    return ObjectValue.ofDistinct(
        DETECTED,
        BooleanValue.of(detected),
        SCORE,
        NumberValue.of(score),
        THRESHOLD,
        NumberValue.of(threshold),
        CATEGORIES,
        AiValues.strings(categories),
        LANGUAGES,
        AiValues.strings(languages),
        FINDINGS,
        findings,
        INVISIBLE,
        AiValues.invisible(invisible, false),
        HIDDEN,
        hidden,
        TRUNCATED,
        BooleanValue.of(truncated));
  }
}
