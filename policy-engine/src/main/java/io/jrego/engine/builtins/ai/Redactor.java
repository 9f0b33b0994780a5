package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces findings with placeholders and remembers what each placeholder stood for, so the
 * originals can be put back into a model's answer ({@link #restore}).
 *
 * <p>One redactor serves one request: within it the same value always gets the same placeholder
 * ({@code <EMAIL_1>} for every occurrence of one address, {@code <EMAIL_2>} for the next address),
 * across every text it redacts, the messages of a chat and the chunks of a stream alike. Not
 * thread-safe. A placeholder that already occurs in the text being redacted is never handed out, so
 * restoring cannot touch text the user wrote.
 *
 * <pre>{@code
 * Redactor r = new Redactor(Redactor.Options.placeholders());
 * Redactor.Redaction red = r.redact(text, PiiScanner.standard().scan(text, opts).findings());
 * String answer = Redactor.restore(modelAnswer, r.mapping());
 * }</pre>
 */
public final class Redactor {

  /** How a finding is replaced. */
  public enum Mode {
    /** {@code <CARD_1>}: typed and numbered, restorable. */
    PLACEHOLDER,
    /** {@code <CARD>}: typed, not numbered, not restorable. */
    TYPE,
    /** The fixed {@link Options#mask()} string for every finding. */
    MASK
  }

  /**
   * How to redact.
   *
   * @param mode how findings are replaced
   * @param mask the replacement in {@link Mode#MASK}
   */
  public record Options(Mode mode, String mask) {
    public static final String DEFAULT_MASK = "[REDACTED]";

    /** Numbered placeholders. */
    public static Options placeholders() {
      return new Options(Mode.PLACEHOLDER, DEFAULT_MASK);
    }
  }

  /** One replacement made: the finding and the text that took its place. */
  public record Replacement(Finding finding, String replacement) {}

  /**
   * The result of redacting one text.
   *
   * @param text the redacted text
   * @param replacements what was replaced, in text order
   */
  public record Redaction(String text, List<Replacement> replacements) {
    public Redaction {
      replacements = List.copyOf(replacements);
    }
  }

  private final Options options;
  private final Map<String, String> byValue = new HashMap<>();
  private final Map<String, String> mapping = new LinkedHashMap<>();
  private final Map<PiiType, Integer> counters = new EnumMap<>(PiiType.class);

  public Redactor(Options options) {
    this.options = options;
  }

  /**
   * Redacts {@code findings} (from {@link PiiScanner#scan} of this very text: non-overlapping, in
   * text order) out of {@code text}.
   */
  public Redaction redact(String text, List<Finding> findings) {
    StringBuilder out = new StringBuilder(text.length());
    List<Replacement> done = new ArrayList<>(findings.size());
    Set<String> present = findings.isEmpty() ? Set.of() : placeholdersIn(text);
    int pos = 0;
    for (Finding f : findings) {
      if (f.charStart() < pos || f.charEnd() > text.length()) {
        throw new IllegalArgumentException("findings overlap or lie outside the text: " + f);
      }
      out.append(text, pos, f.charStart());
      String r = replacement(f, present);
      out.append(r);
      done.add(new Replacement(f, r));
      pos = f.charEnd();
    }
    out.append(text, pos, text.length());
    return new Redaction(out.toString(), done);
  }

  /** Every {@code <LABEL_n>}-shaped token of {@code text}, found in one pass. */
  private static Set<String> placeholdersIn(String text) {
    Set<String> out = new HashSet<>();
    int i = text.indexOf('<');
    while (i >= 0) {
      int j = i + 1;
      while (j < text.length() && j - i <= 48 && isLabelChar(text.charAt(j))) {
        j++;
      }
      if (j < text.length() && j > i + 1 && text.charAt(j) == '>') {
        out.add(text.substring(i, j + 1));
      }
      i = text.indexOf('<', i + 1);
    }
    return out;
  }

  private String replacement(Finding f, Set<String> present) {
    return switch (options.mode()) {
      case MASK -> options.mask();
      case TYPE -> "<" + f.type().label() + ">";
      case PLACEHOLDER -> {
        String key = f.type().id() + '\u0000' + f.text();
        String p = byValue.get(key);
        if (p == null) {
          int n = counters.getOrDefault(f.type(), 0);
          do {
            n++;
            p = "<" + f.type().label() + "_" + n + ">";
          } while (present.contains(p) || mapping.containsKey(p));
          counters.put(f.type(), n);
          byValue.put(key, p);
          mapping.put(p, f.text());
        }
        yield p;
      }
    };
  }

  /** Every placeholder handed out so far and the original it stands for, in order given. */
  public Map<String, String> mapping() {
    return Collections.unmodifiableMap(mapping);
  }

  /**
   * Puts the originals back: every {@code <LABEL_n>} of {@code mapping} in {@code text} becomes its
   * original; anything else is left as it is. One pass, linear in the text.
   */
  public static String restore(String text, Map<String, String> mapping) {
    if (mapping.isEmpty() || text.indexOf('<') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int pos = 0;
    int i = text.indexOf('<');
    while (i >= 0) {
      int j = i + 1;
      while (j < text.length() && j - i <= 48 && isLabelChar(text.charAt(j))) {
        j++;
      }
      if (j < text.length() && text.charAt(j) == '>') {
        String original = mapping.get(text.substring(i, j + 1));
        if (original != null) {
          out.append(text, pos, i).append(original);
          pos = j + 1;
          i = text.indexOf('<', pos);
          continue;
        }
      }
      i = text.indexOf('<', i + 1);
    }
    out.append(text, pos, text.length());
    return out.toString();
  }

  private static boolean isLabelChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
}
