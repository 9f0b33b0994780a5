package io.jrego.engine.builtins.ai;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
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
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jrego.pii.scan}, {@code jrego.pii.redact} and {@code jrego.pii.restore}: the policy face
 * of {@link PiiScanner} and {@link Redactor}. Spans are code points of the text given, the unit of
 * OPA's {@code substring}. Documented with examples in {@code docs/builtins.md}.
 */
public final class PiiBuiltins {

  private static final Set<String> SCAN_OPTIONS =
      Set.of("types", "min_confidence", "include_text", "max_findings", "phone_regions");
  private static final Set<String> REDACT_OPTIONS =
      Set.of("types", "min_confidence", "max_findings", "phone_regions", "mode", "mask");
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  private static final int MAX_FINDINGS_LIMIT = 100_000;

  private PiiBuiltins() {}

  /** Adds the {@code jrego.pii.*} builtins to {@code r}. */
  public static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
                "jrego.pii.scan(text: string, "
                    + "options: object[string: any]) => output: object<findings: array[object[string: any]], "
                    + "truncated: boolean, types: array[string]>")
            .categories("jrego.pii")
            .describe(
                "Finds personal data and credentials in a string, "
                    + "validated (checksums, issuer ranges, "
                    + "numbering plans). Spans are code points. See docs/builtins.md.",
                "text to scan",
                "types, min_confidence, include_text, max_findings, "
                    + "phone_regions; {} for defaults",
                "{findings: [{type, start, end, confidence, subtype, text?}], types, "
                    + "truncated}"),
        PiiBuiltins::scan);
    r.add(
        Declaration.of(
                "jrego.pii.redact(text: string, "
                    + "options: object[string: any]) => output: object<findings: array[object[string: any]], "
                    + "mapping: object[string: string], text: string, truncated: boolean, "
                    + "types: array[string]>")
            .categories("jrego.pii")
            .describe(
                "Replaces what jrego.pii.scan finds with typed placeholders (<EMAIL_1>) or a mask, "
                    + "and returns the placeholder-to-original mapping.",
                "text to redact",
                "the scan options plus mode (placeholder, type, "
                    + "mask) and mask; {} for defaults",
                "{text, mapping, findings, types, truncated}"),
        PiiBuiltins::redact);
    r.add(
        Declaration.of(
                "jrego.pii.restore(text: string, "
                    + "mapping: object[string: string]) => output: string")
            .categories("jrego.pii")
            .describe(
                "Puts the originals of a jrego.pii.redact mapping back in place of its placeholders.",
                "text with placeholders",
                "placeholder to original, from jrego.pii.redact",
                "the text with placeholders replaced"),
        PiiBuiltins::restore);
  }

  private static Value scan(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String text = AiOperands.string(args, 0);
    ObjectValue o = AiOperands.object(args, 1);
    AiOperands.onlyKeys(o, 2, SCAN_OPTIONS);
    PiiOptions options = options(o);
    // {} (most calls): no option to look up, each look-up making its key
    boolean includeText = !o.isEmpty() && AiOperands.bool(o, 2, "include_text", false);
    if (!includeText) {
      // the findings' values straight from the scan: no Finding, no copy of each one's text
      Report report = PiiScanner.standard().scan(text, options, Report::new);
      if (report == null) {
        return NOTHING_FOUND;
      }
      return result(report.findings.build(), ids(report.types), report.truncated, null, null);
    }
    PiiScanner.Result r = PiiScanner.standard().scan(text, options);
    if (r.findings().isEmpty() && !r.truncated()) {
      return NOTHING_FOUND;
    }
    ArrayValue.Builder findings = new ArrayValue.Builder(r.findings().size());
    EnumSet<PiiType> types = EnumSet.noneOf(PiiType.class);
    for (Finding f : r.findings()) {
      findings.add(finding(f, includeText, null));
      types.add(f.type());
    }
    return result(findings.build(), ids(types), r.truncated(), null, null);
  }

  /** The findings of a scan as values, as {@link #finding} makes them without their text. */
  private static final class Report implements PiiScanner.Sink {
    final ArrayValue.Builder findings = new ArrayValue.Builder(8);
    final EnumSet<PiiType> types = EnumSet.noneOf(PiiType.class);
    boolean truncated;

    @Override
    public void found(
        PiiType type, int start, int end, int charStart, int charEnd, int score, String subtype) {
      findings.add(findingValue(type, start, end, score, subtype));
      types.add(type);
    }

    @Override
    public void truncated() {
      truncated = true;
    }
  }

  /** The scan result of a text with nothing found (most messages), built once. */
  private static final Value NOTHING_FOUND =
      result(ArrayValue.EMPTY, ArrayValue.EMPTY, false, null, null);

  private static Value redact(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String text = AiOperands.string(args, 0);
    ObjectValue o = AiOperands.object(args, 1);
    AiOperands.onlyKeys(o, 2, REDACT_OPTIONS);
    PiiOptions options = options(o);
    String modeName = AiOperands.str(o, 2, "mode", "placeholder");
    Redactor.Mode mode =
        switch (modeName) {
          case "placeholder" -> Redactor.Mode.PLACEHOLDER;
          case "type" -> Redactor.Mode.TYPE;
          case "mask" -> Redactor.Mode.MASK;
          default ->
              throw AiOperands.option(
                  2, "mode", "must be one of placeholder, type, mask, got \"" + modeName + "\"");
        };
    String mask = AiOperands.str(o, 2, "mask", Redactor.Options.DEFAULT_MASK);
    PiiScanner.Result r = PiiScanner.standard().scan(text, options);
    Redactor redactor = new Redactor(new Redactor.Options(mode, mask));
    Redactor.Redaction red = redactor.redact(text, r.findings());
    ArrayValue.Builder findings = new ArrayValue.Builder(red.replacements().size());
    EnumSet<PiiType> types = EnumSet.noneOf(PiiType.class);
    for (Redactor.Replacement rep : red.replacements()) {
      findings.add(finding(rep.finding(), false, rep.replacement()));
      types.add(rep.finding().type());
    }
    ObjectValue.Builder mapping = new ObjectValue.Builder();
    for (Map.Entry<String, String> e : redactor.mapping().entrySet()) {
      mapping.put(e.getKey(), StringValue.of(e.getValue()));
    }
    return result(findings.build(), ids(types), r.truncated(), red.text(), mapping.build());
  }

  private static Value restore(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String text = AiOperands.string(args, 0);
    ObjectValue m = AiOperands.object(args, 1);
    java.util.HashMap<String, String> mapping = new java.util.HashMap<>();
    for (Value k : m.keys()) {
      Value v = m.getOrNull(k);
      if (!(k instanceof StringValue ks) || !(v instanceof StringValue vs)) {
        throw new BuiltinException(
            BuiltinException.Kind.TYPE,
            "operand 2 must be object of strings to strings but has " + k + ": " + v.typeName());
      }
      mapping.put(ks.value(), vs.value());
    }
    return StringValue.of(Redactor.restore(text, mapping));
  }

  private static ObjectValue result(
      ArrayValue findings, ArrayValue types, boolean truncated, String text, ObjectValue mapping) {
    ObjectValue.Builder out = new ObjectValue.Builder();
    out.put("findings", findings);
    out.put("types", types);
    out.put("truncated", BooleanValue.of(truncated));
    if (text != null) {
      out.put("text", StringValue.of(text));
      out.put("mapping", mapping);
    }
    return out.build();
  }

  /** The types in order of their ids, for sets of them in that order without sorting names. */
  private static final PiiType[] BY_ID =
      Arrays.stream(PiiType.values())
          .sorted(Comparator.comparing(PiiType::id))
          .toArray(PiiType[]::new);

  /**
   * The ids of {@code types} as an array in the order of the ids (what a sorted set of the ids
   * gave), from the enum's bit set: a body's hundreds of findings no longer each add a name to a
   * tree.
   */
  private static ArrayValue ids(EnumSet<PiiType> types) {
    ArrayValue.Builder t = new ArrayValue.Builder(types.size());
    for (PiiType type : BY_ID) {
      if (types.contains(type)) {
        t.add(TYPE_IDS.get(type));
      }
    }
    return t.build();
  }

  /** Each type's id as a value. */
  private static final Map<PiiType, StringValue> TYPE_IDS = typeIds();

  private static Map<PiiType, StringValue> typeIds() {
    Map<PiiType, StringValue> m = new EnumMap<>(PiiType.class);
    for (PiiType t : PiiType.values()) {
      m.put(t, StringValue.of(t.id()));
    }
    return m;
  }

  /** The confidence of each score 0-100 as a value (0.35, 1): a body has thousands of findings. */
  private static final NumberValue[] CONFIDENCES = confidences();

  private static NumberValue[] confidences() {
    NumberValue[] c = new NumberValue[101];
    for (int score = 0; score <= 100; score++) {
      c[score] = NumberValue.of(BigDecimal.valueOf(score, 2).stripTrailingZeros());
    }
    return c;
  }

  private static final StringValue TYPE = StringValue.ofKey("type");
  private static final StringValue START = StringValue.ofKey("start");
  private static final StringValue END = StringValue.ofKey("end");
  private static final StringValue CONFIDENCE = StringValue.ofKey("confidence");
  private static final StringValue SUBTYPE = StringValue.ofKey("subtype");
  private static final StringValue TEXT = StringValue.ofKey("text");
  private static final StringValue REPLACEMENT = StringValue.ofKey("replacement");

  /**
   * A finding as a value: a compact object of its five to seven fields rather than a hash map of
   * its own (a PII-dense body has a finding in nearly every sentence).
   */
  private static ObjectValue finding(Finding f, boolean includeText, String replacement) {
    if (!includeText && replacement == null) {
      return findingValue(f.type(), f.start(), f.end(), f.score(), f.subtype());
    }
    Value type = TYPE_IDS.get(f.type());
    Value start = NumberValue.of(f.start());
    Value end = NumberValue.of(f.end());
    Value confidence = CONFIDENCES[f.score()];
    Value subtype = StringValue.of(f.subtype());
    ObjectValue.Builder b = new ObjectValue.Builder();
    b.put(TYPE, type);
    b.put(START, start);
    b.put(END, end);
    b.put(CONFIDENCE, confidence);
    b.put(SUBTYPE, subtype);
    if (includeText) {
      b.put(TEXT, StringValue.of(f.text()));
    }
    if (replacement != null) {
      b.put(REPLACEMENT, StringValue.of(replacement));
    }
    return b.build();
  }

  /** A finding without its text or replacement as a value: its five fields. */
  private static ObjectValue findingValue(
      PiiType type, int start, int end, int score, String subtype) {
    return ObjectValue.ofDistinct(
        TYPE,
        TYPE_IDS.get(type),
        START,
        NumberValue.of(start),
        END,
        NumberValue.of(end),
        CONFIDENCE,
        CONFIDENCES[score],
        SUBTYPE,
        StringValue.of(subtype));
  }

  /** The scan options of a builtin's options object (operand 2). */
  static PiiOptions options(ObjectValue o) throws BuiltinException {
    PiiOptions opts = PiiOptions.defaults();
    if (o.isEmpty()) {
      return opts;
    }
    List<String> names = AiOperands.strings(o, 2, "types");
    if (names != null) {
      EnumSet<PiiType> types = EnumSet.noneOf(PiiType.class);
      for (String name : names) {
        Set<PiiType> s =
            PiiType.resolve(name)
                .orElseThrow(
                    () ->
                        AiOperands.option(
                            2,
                            "types",
                            "names unknown type \""
                                + name
                                + "\" (a type such as card or email, a group: contact,"
                                + " financial, national_id, secret, or pii, all)"));
        types.addAll(s);
      }
      opts = opts.withTypes(types);
    }
    BigDecimal min = AiOperands.decimal(o, 2, "min_confidence", BigDecimal.ZERO, BigDecimal.ONE);
    if (min != null) {
      // A threshold between two hundredths rounds up: 0.505 keeps scores of 0.51 and above.
      opts =
          opts.withMinScore(
              min.multiply(HUNDRED).setScale(0, java.math.RoundingMode.CEILING).intValue());
    }
    BigDecimal max =
        AiOperands.decimal(
            o, 2, "max_findings", BigDecimal.ZERO, BigDecimal.valueOf(MAX_FINDINGS_LIMIT));
    if (max != null) {
      if (max.stripTrailingZeros().scale() > 0) {
        throw AiOperands.option(2, "max_findings", "must be an integer, got " + max);
      }
      opts = opts.withMaxFindings(max.intValue());
    }
    List<String> regions = AiOperands.strings(o, 2, "phone_regions");
    if (regions != null) {
      Set<String> supported = PhoneNumberUtil.getInstance().getSupportedRegions();
      for (String region : regions) {
        if (!supported.contains(region)) {
          throw AiOperands.option(
              2,
              "phone_regions",
              "names \""
                  + region
                  + "\", not a region code libphonenumber knows (use upper-case ISO 3166 codes such as US, DE)");
        }
      }
      opts = opts.withPhoneRegions(regions);
    }
    return opts;
  }
}
