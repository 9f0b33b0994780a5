package io.jrego.engine.builtins.ai;

import io.jrego.engine.builtins.ai.MappedText.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Every view of one text that detection reads, built once: the folded view, the text hidden in tag
 * characters, the decoded runs (nested encodings too, to a bounded depth), the hidden channels and
 * a summary of the invisible characters. Work and output are linear in the input: decoding stops
 * after {@link Limits#maxSegments} runs or when decoded text reaches {@link
 * Limits#decodeBudgetFactor} times the input.
 */
final class TextViews {

  /** Bounds on the work one text may cause. */
  record Limits(int maxChars, int maxSegments, int maxDepth, int decodeBudgetFactor) {
    static final Limits DEFAULT = new Limits(1 << 20, 64, 3, 4);
  }

  /** A decoded run: how it was encoded (outermost first), its original span, and its views. */
  record Segment(String encoding, int depth, Span span, String text, MappedText folded) {}

  /** Counts of invisible characters by kind, and their spans (merged runs, at most 64). */
  record Invisible(int count, List<Integer> byKind, List<Span> spans) {
    /** A text without invisible characters, which most texts are. */
    static final Invisible NONE =
        new Invisible(0, java.util.Collections.nCopies(Invisibles.KIND_NAMES.length, 0), List.of());
  }

  /** A hidden channel in original offsets. */
  record Hidden(String kind, Span span, String text) {}

  final int[] cps;
  final boolean truncated;
  final MappedText plain;
  final MappedText folded;
  final Invisible invisible;
  final MappedText tags;
  final List<Segment> decoded = new ArrayList<>();
  final List<Hidden> hidden = new ArrayList<>();
  private int budget;

  private TextViews(String text, int[] cps, boolean truncated, Limits limits) {
    this.cps = cps;
    this.truncated = truncated;
    int n = cps.length;
    int[] byKind = new int[Invisibles.KIND_NAMES.length];
    List<Span> spans = new ArrayList<>();
    int count = 0;
    int first = 0;
    while (first < n && Invisibles.kind(cps[first]) == Invisibles.NOT_INVISIBLE) {
      first++;
    }
    // Most texts have no invisible characters: then the plain view is the code points themselves.
    plain = first == n ? MappedText.identity(cps) : new MappedText(n);
    MappedText tagView = new MappedText(0);
    for (int i = first == n ? n : 0; i < n; i++) {
      int cp = cps[i];
      int kind = Invisibles.kind(cp);
      if (kind == Invisibles.NOT_INVISIBLE) {
        plain.append(cp, i, i + 1);
        continue;
      }
      count++;
      byKind[kind]++;
      if (!spans.isEmpty() && spans.get(spans.size() - 1).end() == i) {
        spans.set(spans.size() - 1, new Span(spans.get(spans.size() - 1).start(), i + 1));
      } else if (spans.size() < 64) {
        spans.add(new Span(i, i + 1));
      }
      if (kind == Invisibles.TAG && !Invisibles.inEmojiFlag(cps, i)) {
        int ascii = Invisibles.tagToAscii(cp);
        if (ascii >= 0x20 && ascii < 0x7F) {
          tagView.append(ascii, i, i + 1);
        }
      }
    }
    invisible = count == 0 ? Invisible.NONE : invisible(count, byKind, spans);
    tags = tagView;
    folded = Folding.deobfuscate(Folding.foldChars(cps));
    budget = Math.max(4096, limits.decodeBudgetFactor() * n);
    decode(plain, "", 1, limits);
    if (tags.length() > 0) {
      decode(tags, "tags/", 1, limits);
    }
    // Nothing invisible and nothing cut off: the plain view is the text itself
    String s = first == n && !truncated ? text : plain.toString();
    int[] cpOfChar = s.length() == plain.length() ? null : cpIndexOfChar(s);
    for (HiddenChannels.Hidden h : HiddenChannels.find(s, 64)) {
      Span span =
          cpOfChar == null
              ? plain.span(h.from(), h.to())
              : plain.span(cpOfChar[h.from()], cpOfChar[h.to() - 1] + 1);
      hidden.add(new Hidden(h.kind(), span, h.text()));
    }
  }

  private static Invisible invisible(int count, int[] byKind, List<Span> spans) {
    Integer[] kinds = new Integer[byKind.length];
    for (int k = 0; k < kinds.length; k++) {
      kinds[k] = byKind[k];
    }
    return new Invisible(count, List.of(kinds), List.copyOf(spans));
  }

  /** The views of {@code text}, of its first {@code limits.maxChars()} code points. */
  static TextViews of(String text, Limits limits) {
    int[] cps = new int[Math.min(text.length(), limits.maxChars())];
    int n = 0;
    int i = 0;
    while (i < text.length() && n < cps.length) {
      int cp = text.codePointAt(i);
      cps[n++] = cp;
      i += Character.charCount(cp);
    }
    boolean truncated = i < text.length();
    return new TextViews(
        text, n == cps.length ? cps : java.util.Arrays.copyOf(cps, n), truncated, limits);
  }

  private void decode(MappedText view, String prefix, int depth, Limits limits) {
    if (depth > limits.maxDepth()) {
      return;
    }
    for (Decoders.Decoded d : Decoders.find(view, limits.maxSegments())) {
      if (decoded.size() >= limits.maxSegments() || budget < d.text().length()) {
        return;
      }
      budget -= d.text().length();
      Span span = view.span(d.from(), d.to());
      int[] dcps = d.text().codePoints().toArray();
      Folding.Offsets fixed =
          new Folding.Offsets() {
            @Override
            public int start(int i) {
              return span.start();
            }

            @Override
            public int end(int i) {
              return span.end();
            }
          };
      MappedText f = Folding.deobfuscate(Folding.foldChars(dcps, 0, dcps.length, fixed));
      String encoding = prefix + d.encoding();
      decoded.add(new Segment(encoding, depth, span, d.text(), f));
      MappedText inner = MappedText.fixed(d.text(), span);
      decode(inner, encoding + "/", depth + 1, limits);
    }
  }

  /** For each char index of {@code s}, the index of the code point it belongs to; plus one. */
  static int[] cpIndexOfChar(String s) {
    int[] out = new int[s.length() + 1];
    int cp = 0;
    for (int i = 0; i < s.length(); i++) {
      out[i] = cp;
      if (!Character.isHighSurrogate(s.charAt(i))) {
        cp++;
      }
    }
    out[s.length()] = cp;
    return out;
  }

  /** The original text without its invisible characters. */
  String stripped() {
    return plain.toString();
  }

  /** The decoded tag characters. */
  String tagText() {
    return tags.toString();
  }
}
