package io.jrego.server.body;

import io.jrego.engine.builtins.ai.Finding;
import io.jrego.engine.builtins.ai.PiiScanner;
import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.builtins.ai.ValueStarts;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Applies {@link PiiRules} to text that arrives in pieces (the {@code delta.content} of an answer's
 * events), emitting after each piece as much as is safe: the prefix that no later text can change
 * ({@link SafePrefix}: everything before the value or word still open, prose at once), and never
 * part of a finding, so a card number or an e-mail address split across pieces is whole before it
 * is judged. The characters emitted last stay as context for the next scan (context words count
 * across pieces).
 *
 * <p>{@code holdBack} caps the wait in characters: text more than {@code holdBack} characters back
 * is released from a word's start, a finding across that point held whole (and an open private-key
 * block from its first line), or at {@link #finish}. Past {@code maxHold} characters without a
 * break it emits anyway, cutting between findings. With restoring on, a placeholder of the request
 * ({@code <EMAIL_1>}) is never split either, and is put back. Not thread-safe: one per choice of
 * one stream.
 *
 * <p>What a judgment scans: the scanner walks the text a token at a time, and a judgment's walk
 * starts where the previous judgment's walk was at the point it released up to, so released text is
 * read for context words but not walked again. Where the walk had taken a token across that point
 * (a spaced number that was no finding, released in part), the next walk starts at that token, so
 * it is examined whole with what has arrived since, as a scan of the context and the held text did.
 * The held text itself is walked at each judgment: whether a token starts a value can depend on the
 * text after it, so held text is judged again as it grows, until it is released. Over the whole
 * answer the released text is what the rules make of the whole answer at once ({@code
 * StreamTextTest}).
 */
final class StreamText {

  /** Text that may go out now, and the types of any blocking finding in it. */
  record Out(String text, Set<PiiType> blocked) {
    static final Out EMPTY = new Out("", Set.of());
  }

  private static final int CONTEXT_KEPT = 80;

  /** The longest released stretch walked again (a token the walk took across a release). */
  private static final int MAX_REWALK = 512;

  private final PiiRules rules;
  private final Redactions redactions;
  private final boolean restore;
  private final int holdBack;
  private final int maxHold;
  private final StringBuilder pending = new StringBuilder();
  private final PiiScanner.Walk walk = new PiiScanner.Walk();
  private String context = "";
  private int walkFrom; // where in context + pending the next scan's walk starts
  private String unrestored = "";

  StreamText(PiiRules rules, Redactions redactions, boolean restore, int holdBack, int maxHold) {
    if (holdBack < 0 || maxHold < holdBack) {
      throw new IllegalArgumentException("need 0 <= holdBack <= maxHold");
    }
    this.rules = rules;
    this.redactions = redactions;
    this.restore = restore;
    this.holdBack = holdBack;
    this.maxHold = maxHold;
  }

  /** Characters held back now. */
  int held() {
    return pending.length() + unrestored.length();
  }

  /**
   * Whether the text held may hold, or become as more comes, part of a value of the types {@code
   * starts} describes ({@link SafePrefix#mayHold}). Placeholders held for restoring are not: they
   * were judged.
   */
  boolean mayHold(ValueStarts starts) {
    if (pending.isEmpty()) {
      return false;
    }
    return SafePrefix.mayHold(context + pending, context.length(), starts);
  }

  /** Takes the next piece, and judges what is held. */
  Out push(String piece) {
    return push(piece, true);
  }

  /**
   * Takes the next piece. With {@code judge} false the piece is only held (unless more than {@code
   * maxHold} characters are): the caller has more pieces at hand and judges once, with the last of
   * them, rather than scanning the held text again for each.
   */
  Out push(String piece, boolean judge) {
    pending.append(piece);
    if (pending.isEmpty() || (!judge && pending.length() <= maxHold)) {
      return Out.EMPTY;
    }
    String text = context + pending;
    int base = context.length();
    List<Finding> findings = rules.scan(text, walkFrom, walk);
    boolean overLimit = pending.length() > maxHold;
    // the cap: text more than holdBack characters back goes, from a word's start
    int cap = text.length() - holdBack;
    int wordCut = cap;
    while (wordCut > base && !Character.isWhitespace(text.charAt(wordCut - 1))) {
      wordCut--;
    }
    if (wordCut > base || !overLimit) {
      cap = wordCut;
    }
    cap = outside(findings, cap, overLimit);
    // what no later text can change goes at once
    int cut = Math.max(cap, rules.isEmpty() ? text.length() : SafePrefix.end(text, base));
    if (!overLimit && !rules.isEmpty()) {
      int pem = SafePrefix.openPemChunk(text, base);
      if (pem >= 0) {
        cut = Math.min(cut, pem); // a private key block is held to its END line, up to maxHold
      }
    }
    cut = outside(findings, cut, overLimit);
    if (cut > base && Character.isHighSurrogate(text.charAt(cut - 1))) {
      cut--;
    }
    if (cut <= base) {
      return Out.EMPTY;
    }
    return emit(text, base, cut, findings, false);
  }

  /**
   * {@code cut}, moved off any finding it would split: to its start, or past it when over the
   * limit.
   */
  private static int outside(List<Finding> findings, int cut, boolean overLimit) {
    for (Finding f : findings) {
      if (f.charStart() < cut && f.charEnd() > cut) {
        cut = overLimit ? f.charEnd() : f.charStart();
      }
    }
    return cut;
  }

  /** Ends the text: everything still held, with the rules applied. */
  Out finish() {
    String text = context + pending;
    return emit(text, context.length(), text.length(), rules.scan(text, walkFrom), true);
  }

  private Out emit(String text, int base, int cut, List<Finding> findings, boolean last) {
    List<Finding> mine = new ArrayList<>();
    for (Finding f : findings) {
      if (f.charStart() >= base && f.charEnd() <= cut) {
        mine.add(f.charsShiftedLeft(base));
      }
    }
    String segment = text.substring(base, cut);
    PiiRules.Applied applied = rules.apply(segment, mine, redactions);
    pending.delete(0, cut - base);
    // the next walk starts where this one was at the cut, or at the token it took across the cut
    int resume = last ? cut : walk.resumeAt(cut);
    if (resume < cut - MAX_REWALK) {
      resume = cut;
    }
    int from = Math.max(0, Math.min(resume, cut - CONTEXT_KEPT));
    if (from < cut && Character.isLowSurrogate(text.charAt(from))) {
      from++;
    }
    context = text.substring(from, cut);
    walkFrom = Math.max(0, resume - from);
    String out = applied.text();
    if (restore) {
      out = restore(out, last);
    }
    return new Out(out, applied.isBlocked() ? applied.blocked() : EnumSet.noneOf(PiiType.class));
  }

  /** Restores placeholders, keeping back a trailing {@code <LABEL_} that may not be whole yet. */
  private String restore(String text, boolean last) {
    String all = unrestored + text;
    unrestored = "";
    if (!last) {
      int lt = all.lastIndexOf('<');
      if (lt >= 0 && all.indexOf('>', lt) < 0 && all.length() - lt <= 48 && labelTail(all, lt)) {
        unrestored = all.substring(lt);
        all = all.substring(0, lt);
      }
    }
    return redactions.restore(all);
  }

  private static boolean labelTail(String s, int lt) {
    for (int i = lt + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }
}
