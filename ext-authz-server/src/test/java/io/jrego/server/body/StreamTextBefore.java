package io.jrego.server.body;

import io.jrego.engine.builtins.ai.Finding;
import io.jrego.engine.builtins.ai.PiiType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@link StreamText} as it was before its judgments scanned only the text not yet released (main at
 * session 14): each judgment scanned the kept context and the held text whole. Kept unchanged as
 * the reference {@code StreamTextTest} compares the new release sequence with.
 */
final class StreamTextBefore {

  /** Text that may go out now, and the types of any blocking finding in it. */
  record Out(String text, Set<PiiType> blocked) {
    static final Out EMPTY = new Out("", Set.of());
  }

  private static final int CONTEXT_KEPT = 80;

  private final PiiRules rules;
  private final Redactions redactions;
  private final boolean restore;
  private final int holdBack;
  private final int maxHold;
  private final StringBuilder pending = new StringBuilder();
  private String context = "";
  private String unrestored = "";

  StreamTextBefore(
      PiiRules rules, Redactions redactions, boolean restore, int holdBack, int maxHold) {
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
    if (pending.length() <= holdBack || (!judge && pending.length() <= maxHold)) {
      return Out.EMPTY;
    }
    String text = context + pending;
    int base = context.length();
    List<Finding> findings = rules.scan(text);
    int cut = text.length() - holdBack;
    int wordCut = cut;
    while (wordCut > base && !Character.isWhitespace(text.charAt(wordCut - 1))) {
      wordCut--;
    }
    boolean overLimit = pending.length() > maxHold;
    if (wordCut > base || !overLimit) {
      cut = wordCut;
    }
    for (Finding f : findings) {
      if (f.charStart() < cut && f.charEnd() > cut) {
        cut = overLimit ? f.charEnd() : f.charStart();
      }
    }
    if (cut > base && Character.isHighSurrogate(text.charAt(cut - 1))) {
      cut--;
    }
    if (cut <= base) {
      return Out.EMPTY;
    }
    return emit(text, base, cut, findings, false);
  }

  /** Ends the text: everything still held, with the rules applied. */
  Out finish() {
    String text = context + pending;
    return emit(text, context.length(), text.length(), rules.scan(text), true);
  }

  private Out emit(String text, int base, int cut, List<Finding> findings, boolean last) {
    List<Finding> mine = new ArrayList<>();
    for (Finding f : findings) {
      if (f.charStart() >= base && f.charEnd() <= cut) {
        mine.add(shift(f, base));
      }
    }
    String segment = text.substring(base, cut);
    PiiRules.Applied applied = rules.apply(segment, mine, redactions);
    pending.delete(0, cut - base);
    context = text.substring(Math.max(0, cut - CONTEXT_KEPT), cut);
    if (!context.isEmpty() && Character.isLowSurrogate(context.charAt(0))) {
      context = context.substring(1);
    }
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

  private static Finding shift(Finding f, int by) {
    return new Finding(
        f.type(),
        f.start(),
        f.end(),
        f.charStart() - by,
        f.charEnd() - by,
        f.score(),
        f.subtype(),
        f.text());
  }
}
