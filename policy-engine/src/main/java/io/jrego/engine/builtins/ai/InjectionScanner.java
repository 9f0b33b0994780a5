package io.jrego.engine.builtins.ai;

import com.google.re2j.Matcher;
import io.jrego.engine.builtins.ai.InjectionRules.Boost;
import io.jrego.engine.builtins.ai.InjectionRules.Marker;
import io.jrego.engine.builtins.ai.InjectionRules.Rule;
import io.jrego.engine.builtins.ai.MappedText.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Prompt-injection detection over {@link TextViews}. Each view is split into words; words and
 * phrases are looked up in the {@link Lexicon} (word classes per language); the rules of {@link
 * InjectionRules} combine classes in order within token gaps (an override verb, then an instruction
 * object, with a scope word nearby adding points), and structural markers (ChatML tokens, fake role
 * lines) are matched with RE2 near their literals. Every finding carries its category, rule, score,
 * language and the original span it covers.
 *
 * <p>Cost: one pass per view to tokenize and look words up (hash lookups), then per rule a walk
 * over the hits of its first class with bounded gaps; markers run only in windows around their
 * literals. All of it is linear in the text.
 */
final class InjectionScanner {

  private InjectionScanner() {}

  static final Lexicon LEXICON = Lexicon.load("injection-lexicon.txt");
  static final InjectionRules RULES =
      InjectionRules.load(LEXICON, "injection-rules.txt", "injection-markers.txt");

  static final int STOPWORD = LEXICON.classId("stopword");
  private static final InjectionModel LINEAR = InjectionModel.DEFAULT;

  /** The lexicon's first words and the model's words in one table, looked up once per word. */
  static final WordIndex WORDS = WordIndex.of(LEXICON, LINEAR);

  /** The category of the statistical layer's finding: it flags, but names no attack family. */
  static final String MODEL = "model";

  private static final int CIPHER_HINT = LEXICON.classId("cipher_hint");

  /**
   * Words by which the user names instructions of their own ("the instructions I gave you"): the
   * statistical layer, which has learnt that "previous instructions" is an attack, counts them as
   * evidence against it. Only that layer: a rule's finding keeps its score ("I told you to ignore
   * previous instructions" still flags), and a model finding far above the threshold still flags.
   */
  private static final int OWN_INSTR = LEXICON.classId("own_instr");

  /** Points taken from the statistical layer's finding when the text has an {@code own_instr}. */
  static final int OWN_INSTR_POINTS = 15;

  private static final int MARKER_WINDOW_BEFORE = 120;
  private static final int MARKER_WINDOW_AFTER = 400;

  /** Options a policy passes. */
  record Options(int threshold, String source, int maxFindings) {
    static final Options DEFAULT = new Options(50, "user", 32);

    boolean fromData() {
      return source.equals("tool") || source.equals("document");
    }
  }

  /** One finding, in original code points. */
  record Finding(
      String category, String rule, int score, Span span, String view, String language) {}

  /** The outcome for one text. */
  record Report(
      boolean detected,
      int score,
      int threshold,
      List<String> categories,
      List<String> languages,
      List<Finding> findings,
      TextViews views) {}

  static Report scan(String text, Options options) {
    TextViews v = TextViews.of(text, TextViews.Limits.DEFAULT, LITERALS);
    List<Finding> findings = new ArrayList<>();
    int bonus = options.fromData() ? 10 : 0;
    Tokens main = Tokens.of(v.folded, false);
    int[] docLangs = new int[Lexicon.LANGUAGES.size()];
    Hits mainHits = Hits.of(main, docLangs, true);
    scanView(v.folded, main, mainHits, "text", bonus, docLangs, findings, v);
    modelFinding(v.folded, main, mainHits, findings);
    if (mayBeRot13(main, mainHits)) {
      Tokens rot = Tokens.of(v.folded, true);
      scanView(v.folded, rot, Hits.of(rot, null), "rot13", bonus + 10, docLangs, findings, v);
    }
    if (v.tags.length() > 0) {
      MappedText tagFolded = Folding.deobfuscate(foldView(v.tags));
      Tokens t = Tokens.of(tagFolded, false);
      scanView(tagFolded, t, Hits.of(t, null), "tags", bonus + 10, docLangs, findings, null);
    }
    for (TextViews.Segment s : v.decoded) {
      Tokens t = Tokens.of(s.folded(), false);
      scanView(s.folded(), t, Hits.of(t, null), s.encoding(), bonus + 10, docLangs, findings, null);
    }
    invisibleFindings(v, findings);
    hiddenBoost(v, findings);
    if (options.fromData()) {
      findings.replaceAll(
          f ->
              f.category().equals("indirect_injection")
                  ? new Finding(
                      f.category(),
                      f.rule(),
                      Math.min(100, f.score() + 15),
                      f.span(),
                      f.view(),
                      f.language())
                  : f);
    }
    return report(findings, options, v);
  }

  private static MappedText foldView(MappedText t) {
    MappedText out = new MappedText(t.length());
    for (int i = 0; i < t.length(); i++) {
      String f = Folding.fold(t.cp(i));
      for (int k = 0; k < f.length(); ) {
        int c = f.codePointAt(k);
        out.append(c, t.start(i), t.end(i));
        k += Character.charCount(c);
      }
    }
    return out;
  }

  /** The statistical layer's best window, as a finding when it scores above zero. */
  private static void modelFinding(MappedText view, Tokens tokens, Hits hits, List<Finding> out) {
    if (tokens.size == 0) {
      return;
    }
    InjectionModel.Window w = LINEAR.score(hits.weights(), tokens.size);
    int points = LINEAR.points(w.logit());
    if (hits.anyWithin(OWN_INSTR, w.from(), w.to())) {
      points -= OWN_INSTR_POINTS;
    }
    if (points > 0) {
      Span span = view.span(tokens.from[w.from()], tokens.to[w.to() - 1]);
      out.add(new Finding(MODEL, "model.linear", points, span, "text", ""));
    }
  }

  /** Too few common words for natural language, or the text names rot13: try it deciphered. */
  private static boolean mayBeRot13(Tokens t, Hits h) {
    if (t.size >= 6 && h.count(STOPWORD) * 20 < t.size) {
      return true;
    }
    return h.count(CIPHER_HINT) > 0;
  }

  private static void scanView(
      MappedText view,
      Tokens tokens,
      Hits hits,
      String viewName,
      int bonus,
      int[] docLangs,
      List<Finding> out,
      TextViews of) {
    // Index loops over the rule tables here and below: their immutable lists' iterators were not
    // always scalar-replaced (an iterator per rule with a first-class hit was a twenty-fifth of
    // what a PII-dense 100 KB text allocated).
    List<Rule> rules = RULES.rules;
    for (int k = 0; k < rules.size(); k++) {
      Rule r = rules.get(k);
      if (r.density.isEmpty()) {
        applyRule(r, view, tokens, hits, viewName, bonus, docLangs, out);
      } else {
        applyDensity(r, view, tokens, hits, viewName, bonus, out);
      }
    }
    // of: the views whose folded view this is, with where the front pass found literals may start
    int[][] found =
        of != null
            ? LITERALS.find(view, of.literalStarts, of.literalCount)
            : LITERALS.find(view, null, 0);
    markers(view, found, viewName, bonus, out);
  }

  private static void applyRule(
      Rule r,
      MappedText view,
      Tokens tokens,
      Hits hits,
      String viewName,
      int bonus,
      int[] docLangs,
      List<Finding> out) {
    int first = r.step(0);
    int n = hits.count(first);
    if (n == 0) {
      return;
    }
    int lastEnd = -1;
    int[] chosen = hits.steps(r.stepCount());
    for (int a = 0; a < n; a++) {
      int from = hits.from(first, a);
      if (from < lastEnd) {
        continue;
      }
      chosen[0] = a;
      if (negated(r, hits, from) || !follow(r, hits, 1, hits.to(first, a), chosen)) {
        continue;
      }
      int lastStep = r.stepCount() - 1;
      int to = hits.to(r.step(lastStep), chosen[lastStep]);
      int score = r.score + bonus;
      for (int k = 0; k < r.boosts.size(); k++) {
        Boost b = r.boosts.get(k);
        if (hits.anyWithin(b.cls(), from - b.window(), to + b.window())) {
          score += b.points();
        }
      }
      int and = -1;
      int or = 0;
      for (int k = 0; k < r.stepCount(); k++) {
        int langs = hits.langs(r.step(k), chosen[k]);
        if (langs != 0) {
          and &= langs;
          or |= langs;
        }
      }
      int mask = and != -1 && and != 0 ? and : or;
      Span span = view.span(tokens.from[from], tokens.to[to - 1]);
      out.add(
          new Finding(
              r.category,
              r.id,
              Math.max(0, Math.min(100, score)),
              span,
              viewName,
              language(mask, docLangs)));
      lastEnd = to;
    }
  }

  /** Whether one of the rule's {@code !class@N} conditions holds just before token {@code from}. */
  private static boolean negated(Rule r, Hits hits, int from) {
    for (int k = 0; k < r.unless.size(); k++) {
      Boost u = r.unless.get(k);
      if (hits.anyEndingBefore(u.cls(), from - u.window(), from)) {
        return true;
      }
    }
    return false;
  }

  /** A document rule: points per class present anywhere in the view, each counted up to a cap. */
  private static void applyDensity(
      Rule r,
      MappedText view,
      Tokens tokens,
      Hits hits,
      String viewName,
      int bonus,
      List<Finding> out) {
    int score = r.score;
    int from = Integer.MAX_VALUE;
    int to = -1;
    for (int k = 0; k < r.density.size(); k++) {
      Boost d = r.density.get(k);
      int n = hits.count(d.cls());
      if (n == 0) {
        continue;
      }
      score += d.points() * Math.min(n, r.cap);
      from = Math.min(from, hits.from(d.cls(), 0));
      to = Math.max(to, hits.to(d.cls(), n - 1));
    }
    if (to < 0 || score <= 0) {
      return;
    }
    Span span = view.span(tokens.from[from], tokens.to[to - 1]);
    out.add(new Finding(r.category, r.id, Math.min(100, score + bonus), span, viewName, ""));
  }

  /** Finds hits for steps {@code k..} each starting within its gap after the previous one. */
  private static boolean follow(Rule r, Hits hits, int k, int prevEnd, int[] chosen) {
    if (k == r.stepCount()) {
      return true;
    }
    int cls = r.step(k);
    int limit = prevEnd + r.gap(k);
    for (int b = hits.firstFrom(cls, prevEnd); b < hits.count(cls); b++) {
      if (hits.from(cls, b) > limit) {
        return false;
      }
      chosen[k] = b;
      if (follow(r, hits, k + 1, hits.to(cls, b), chosen)) {
        return true;
      }
    }
    return false;
  }

  private static String language(int mask, int[] docLangs) {
    if (mask == 0) {
      return "";
    }
    int best = -1;
    for (int i = 0; i < docLangs.length; i++) {
      if ((mask & (1 << i)) != 0 && (best < 0 || docLangs[i] > docLangs[best])) {
        best = i;
      }
    }
    return Lexicon.LANGUAGES.get(best);
  }

  /** The marker literals, so one pass over a text finds them all. */
  static final MarkerLiterals LITERALS = new MarkerLiterals(RULES.markers);

  /** The markers' findings in {@code view}, whose literals' offsets {@code found} lists. */
  private static void markers(
      MappedText view, int[][] found, String viewName, int bonus, List<Finding> out) {
    if (found == null) {
      return;
    }
    String s = view.toString();
    if (s.length() != view.length()) {
      charOffsets(s, found); // code points outside the BMP: the regex works in chars
    }
    int[] cpOfChar = null;
    for (int mi = 0; mi < RULES.markers.size(); mi++) {
      if (found[mi] == null) {
        continue;
      }
      Marker m = RULES.markers.get(mi);
      Set<Integer> seen = null;
      // Windows around the literals' occurrences; each starts at most MARKER_WINDOW_BEFORE before
      // the previous one's end, so the regex reads each character at most about twice.
      int scannedTo = 0;
      for (int idx : found[mi]) {
        if (scannedTo > 0 && idx < scannedTo - MARKER_WINDOW_BEFORE) {
          continue;
        }
        int wFrom =
            Math.max(0, Math.max(idx - MARKER_WINDOW_BEFORE, scannedTo - MARKER_WINDOW_BEFORE));
        int wTo = Math.min(s.length(), idx + LITERALS.longest[mi] + MARKER_WINDOW_AFTER);
        Matcher mt = m.pattern().matcher(s.substring(wFrom, wTo));
        while (mt.find()) {
          int start = wFrom + mt.start();
          int end = wFrom + mt.end();
          if (end <= start) {
            continue;
          }
          if (seen == null) {
            seen = new HashSet<>();
          }
          if (seen.add(start)) {
            if (cpOfChar == null && s.length() != view.length()) {
              cpOfChar = TextViews.cpIndexOfChar(s);
            }
            Span span =
                cpOfChar == null
                    ? view.span(start, end)
                    : view.span(cpOfChar[start], cpOfChar[end - 1] + 1);
            out.add(
                new Finding(
                    m.category(), m.id(), Math.min(100, m.score() + bonus), span, viewName, ""));
          }
        }
        scannedTo = wTo;
        if (wTo >= s.length()) {
          break;
        }
      }
    }
  }

  /** Turns code-point offsets into {@code s} into char offsets, in place. */
  private static void charOffsets(String s, int[][] found) {
    int[] charOfCp = new int[s.codePointCount(0, s.length()) + 1];
    int cp = 0;
    for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
      charOfCp[cp++] = i;
    }
    charOfCp[cp] = s.length();
    for (int[] at : found) {
      if (at == null) {
        continue;
      }
      for (int k = 0; k < at.length; k++) {
        at[k] = charOfCp[at[k]];
      }
    }
  }

  /** Tag characters carrying text, bidi overrides and zero-width characters inside words. */
  private static void invisibleFindings(TextViews v, List<Finding> out) {
    if (v.tags.length() > 0) {
      out.add(
          new Finding(
              "obfuscation",
              "invisible.tag_characters",
              60,
              v.tags.span(0, v.tags.length()),
              "text",
              ""));
    }
    if (v.invisible.count() == 0) {
      return; // most texts: and their code points need not be read again
    }
    int[] cps = v.codePoints();
    int inWord = 0;
    int bidi = 0;
    Span zw = null;
    Span bd = null;
    for (Span s : v.invisible.spans()) {
      for (int i = s.start(); i < s.end(); i++) {
        int cp = cps[i];
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
          bidi++;
          bd = bd == null ? new Span(i, i + 1) : bd.union(new Span(i, i + 1));
        }
      }
      if (Invisibles.kind(cps[s.start()]) == Invisibles.ZERO_WIDTH
          && s.start() > 0
          && s.end() < cps.length
          && Character.isLetter(cps[s.start() - 1])
          && Character.isLetter(cps[s.end()])) {
        inWord++;
        zw = zw == null ? s : zw.union(s);
      }
    }
    if (inWord > 0) {
      out.add(
          new Finding(
              "obfuscation",
              "invisible.zero_width_in_words",
              inWord >= 3 ? 35 : 20,
              zw,
              "text",
              ""));
    }
    if (bidi > 0) {
      out.add(new Finding("obfuscation", "invisible.bidi_override", 25, bd, "text", ""));
    }
  }

  /** Findings inside HTML or Markdown comments are worth more: the reader does not see them. */
  private static void hiddenBoost(TextViews v, List<Finding> findings) {
    if (v.hidden.isEmpty()) {
      return;
    }
    findings.replaceAll(
        f -> {
          for (TextViews.Hidden h : v.hidden) {
            if (!h.kind().equals("image_link")
                && h.span().start() <= f.span().start()
                && f.span().end() <= h.span().end()) {
              return new Finding(
                  f.category(),
                  f.rule(),
                  Math.min(100, f.score() + 15),
                  f.span(),
                  f.view(),
                  f.language());
            }
          }
          return f;
        });
  }

  /** Findings by score, highest first; made once, not per text. */
  private static final Comparator<Finding> BY_SCORE =
      Comparator.comparingInt(Finding::score).reversed();

  /** The order of a report's findings. */
  private static final Comparator<Finding> IN_REPORT =
      Comparator.comparing(Finding::span).thenComparing(Finding::rule).thenComparing(Finding::view);

  /**
   * The report of a text's findings. Takes {@code all} over (the scan's own list, sorted in place):
   * most texts have none or one finding, and a copy of the list and two sets per text were a tenth
   * of what a chat body's scans allocated.
   */
  private static Report report(List<Finding> all, Options options, TextViews v) {
    List<Finding> sorted = all;
    sorted.sort(BY_SCORE);
    int score = 0;
    Set<String> categories = null;
    Set<String> languages = null;
    for (Finding f : sorted) {
      boolean counts = f.score() >= options.threshold();
      if (score == 0) {
        score = f.score();
      } else if (counts
          && (categories == null || !categories.contains(f.category()))
          && !f.category().equals(MODEL)) {
        score = Math.min(100, score + 10);
      }
      if (counts) {
        if (categories == null) {
          categories = new TreeSet<>();
        }
        categories.add(f.category());
        if (!f.language().isEmpty()) {
          if (languages == null) {
            languages = new TreeSet<>();
          }
          languages.add(f.language());
        }
      }
    }
    if (categories != null && categories.size() > 1) {
      categories.remove(MODEL); // the statistical layer names no family; the rules did
    }
    List<Finding> kept =
        sorted.size() <= options.maxFindings()
            ? sorted
            : new ArrayList<>(sorted.subList(0, options.maxFindings()));
    kept.sort(IN_REPORT);
    return new Report(
        score >= options.threshold(),
        score,
        options.threshold(),
        categories == null ? List.of() : List.copyOf(categories),
        languages == null ? List.of() : List.copyOf(languages),
        kept,
        v);
  }
}
