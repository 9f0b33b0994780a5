package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.List;

/**
 * Redacts text that arrives in pieces (the deltas of an SSE answer), emitting as much as is safe
 * after each piece. It holds back the last {@link #holdBack} characters, never emits part of a word
 * (so a token or address is whole before it is judged), and never cuts through a finding, so a card
 * number or IBAN split across chunks is still found. Context words already emitted still count: the
 * last characters emitted are kept for the next scan.
 *
 * <p>The same {@link Redactor} numbers placeholders across the whole stream, so its {@link
 * Redactor#mapping()} restores the answer. Text held back beyond {@link #maxHold} characters
 * without a break (a very long word or an unterminated key block) is emitted after scanning what is
 * there. Not thread-safe: one instance per stream.
 */
public final class StreamRedactor {

  /** The default hold-back: longer than any spaced number the scanner finds. */
  public static final int DEFAULT_HOLD_BACK = 64;

  /** The default cap on text held back. */
  public static final int DEFAULT_MAX_HOLD = 65_536;

  private static final int CONTEXT_KEPT = 80;

  private final PiiScanner scanner;
  private final PiiOptions options;
  private final Redactor redactor;
  private final int holdBack;
  private final int maxHold;
  private final StringBuilder pending = new StringBuilder();
  private String context = "";

  /**
   * A stream redactor.
   *
   * @param scanner the scanner
   * @param options what to look for
   * @param redactor the request's redactor (placeholders shared with the rest of the request)
   * @param holdBack characters kept back after each chunk (at least 64 is advised)
   * @param maxHold the most characters ever held back
   */
  public StreamRedactor(
      PiiScanner scanner, PiiOptions options, Redactor redactor, int holdBack, int maxHold) {
    if (holdBack < 0 || maxHold < holdBack) {
      throw new IllegalArgumentException("need 0 <= holdBack <= maxHold");
    }
    this.scanner = scanner;
    this.options = options;
    this.redactor = redactor;
    this.holdBack = holdBack;
    this.maxHold = maxHold;
  }

  /** A stream redactor with the default hold-back and cap. */
  public StreamRedactor(PiiScanner scanner, PiiOptions options, Redactor redactor) {
    this(scanner, options, redactor, DEFAULT_HOLD_BACK, DEFAULT_MAX_HOLD);
  }

  /** Takes the next chunk; returns the redacted text that may be emitted now (maybe empty). */
  public String push(CharSequence chunk) {
    pending.append(chunk);
    if (pending.length() <= holdBack) {
      return "";
    }
    String text = context + pending;
    int base = context.length();
    List<Finding> findings = scanner.scan(text, options).findings();
    int cut = text.length() - holdBack;
    int wordCut = cut;
    while (wordCut > base && !Character.isWhitespace(text.charAt(wordCut - 1))) {
      wordCut--;
    }
    if (wordCut > base || pending.length() <= maxHold) {
      cut = wordCut;
    }
    for (Finding f : findings) {
      if (f.charStart() < cut && f.charEnd() > cut) {
        cut = f.charStart();
        if (pending.length() > maxHold) {
          cut = f.charEnd();
        }
      }
    }
    if (cut > base && Character.isHighSurrogate(text.charAt(cut - 1))) {
      cut--;
    }
    if (cut <= base) {
      return "";
    }
    return emit(text, base, cut, findings);
  }

  /** Ends the stream: the rest, redacted. */
  public String finish() {
    String text = context + pending;
    List<Finding> findings = scanner.scan(text, options).findings();
    return emit(text, context.length(), text.length(), findings);
  }

  private String emit(String text, int base, int cut, List<Finding> findings) {
    List<Finding> mine = new ArrayList<>();
    for (Finding f : findings) {
      if (f.charStart() >= base && f.charEnd() <= cut) {
        mine.add(f.charsShiftedLeft(base));
      }
    }
    String out = text.substring(base, cut);
    String redacted = redactor.redact(out, mine).text();
    pending.delete(0, cut - base);
    context = text.substring(Math.max(0, cut - CONTEXT_KEPT), cut);
    if (!context.isEmpty() && Character.isLowSurrogate(context.charAt(0))) {
      context = context.substring(1);
    }
    return redacted;
  }
}
