package io.jrego.server.body;

import io.jrego.engine.builtins.ai.Finding;
import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.builtins.ai.Redactor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The redaction state of one HTTP request, from its request phase to the end of its response: one
 * placeholder numbering ({@code <EMAIL_1>} is the same address in the prompt and in every chunk of
 * the answer), the placeholders the request phase handed out (which {@link #restore} may put back
 * into the answer, and nothing else), and counts of what was found, by type and action.
 *
 * <p>Lives only as long as the ext_proc stream of that request; never stored, never shared. Not
 * thread-safe (a stream's messages are handled one at a time).
 */
public final class Redactions {

  /** One type found, what was done about it, and how often. */
  public record Hit(PiiType type, PiiRule.Action action, int count) {}

  private final Redactor placeholders = new Redactor(Redactor.Options.placeholders());
  private final Map<String, Integer> counts = new TreeMap<>();
  private Map<String, String> restorable = Map.of();

  /**
   * Replaces {@code findings} (non-overlapping, in text order, of {@code text}), each as its rule
   * says: numbered placeholders from this request's numbering, type labels or the mask.
   */
  String replace(String text, List<Finding> findings, List<PiiRule> ruleOf) {
    if (findings.isEmpty()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    List<Finding> numbered = new ArrayList<>();
    int pos = 0;
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      PiiRule rule = ruleOf.get(i);
      out.append(text, pos, f.charStart());
      pos = f.charEnd();
      switch (rule.mode()) {
        case MASK -> out.append(rule.mask());
        case TYPE -> out.append('<').append(f.type().label()).append('>');
        case PLACEHOLDER -> {
          // placed later by the Redactor, which also avoids numbers the text already shows
          int at = out.length();
          out.append(f.text());
          numbered.add(
              new Finding(
                  f.type(),
                  at, // code point offsets: unused by the Redactor
                  out.length(),
                  at,
                  out.length(),
                  f.score(),
                  f.subtype(),
                  f.text()));
        }
      }
    }
    out.append(text, pos, text.length());
    return numbered.isEmpty()
        ? out.toString()
        : placeholders.redact(out.toString(), numbered).text();
  }

  /** The placeholder {@code <LABEL_n>} for a type and original value, numbered as the rest. */
  String placeholder(PiiType type, String original) {
    Finding f =
        new Finding(
            type,
            0,
            original.codePointCount(0, original.length()),
            0,
            original.length(),
            100,
            "",
            original);
    return placeholders.redact(original, List.of(f)).text();
  }

  /** Ends the request phase: the placeholders handed out so far become restorable. */
  public void requestPhaseDone() {
    restorable = Map.copyOf(placeholders.mapping());
  }

  /** The placeholders the request phase handed out, and their originals. */
  public Map<String, String> restorable() {
    return Collections.unmodifiableMap(restorable);
  }

  /**
   * {@code text} with the request phase's placeholders turned back into their originals.
   * Placeholders handed out later (for data the model produced) are left as they are.
   */
  public String restore(String text) {
    return Redactor.restore(text, restorable);
  }

  void count(PiiType type, PiiRule.Action action) {
    counts.merge(type.id() + "\u0000" + action.name(), 1, Integer::sum);
  }

  /** What was found since the last call, by type and action; the counts start again. */
  public List<Hit> drainHits() {
    List<Hit> out = hits();
    counts.clear();
    return out;
  }

  /** What was found so far (since the last {@link #drainHits}), by type and action. */
  public List<Hit> hits() {
    List<Hit> out = new ArrayList<>();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      String[] parts = e.getKey().split("\u0000", 2);
      out.add(
          new Hit(
              PiiType.byId(parts[0]).orElseThrow(),
              PiiRule.Action.valueOf(parts[1]),
              e.getValue()));
    }
    return out;
  }

  /** Counts by type id, for logs: {@code {email=2, card=1}} (never the values). */
  public Map<String, Integer> typeCounts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Hit h : hits()) {
      out.merge(h.type().id(), h.count(), Integer::sum);
    }
    return out;
  }
}
