package io.jrego.engine.builtins.ai;

import java.util.Arrays;

/**
 * Text derived from an original string in which every code point remembers the span of original
 * code points that produced it. Views (folded, decoded, joined) are built as {@code MappedText}s so
 * that a finding in any view maps back to exact {@code [start, end)} code-point offsets of the
 * original, which is what a policy's {@code substring} and the redacting server use.
 */
final class MappedText {

  private int[] cps;
  private int[] starts;
  private int[] ends;
  private int length;

  MappedText(int capacity) {
    int c = Math.max(16, capacity);
    cps = new int[c];
    starts = new int[c];
    ends = new int[c];
  }

  /** The identity view of {@code codePoints}: code point i comes from {@code [i, i+1)}. */
  static MappedText identity(int[] codePoints) {
    MappedText t = new MappedText(codePoints.length);
    for (int i = 0; i < codePoints.length; i++) {
      t.append(codePoints[i], i, i + 1);
    }
    return t;
  }

  void append(int cp, int start, int end) {
    if (length == cps.length) {
      int c = cps.length * 2;
      cps = Arrays.copyOf(cps, c);
      starts = Arrays.copyOf(starts, c);
      ends = Arrays.copyOf(ends, c);
    }
    cps[length] = cp;
    starts[length] = start;
    ends[length] = end;
    length++;
  }

  int length() {
    return length;
  }

  int cp(int i) {
    return cps[i];
  }

  int start(int i) {
    return starts[i];
  }

  int end(int i) {
    return ends[i];
  }

  /** The original span covered by view code points {@code [from, to)}; to must exceed from. */
  Span span(int from, int to) {
    int s = Integer.MAX_VALUE;
    int e = 0;
    for (int i = from; i < to; i++) {
      s = Math.min(s, starts[i]);
      e = Math.max(e, ends[i]);
    }
    return new Span(s, e);
  }

  /**
   * Re-expresses this view, whose offsets point into {@code outer}, in the offsets {@code outer}
   * points to: the way a decoded view of a decoded view maps back to the original.
   */
  MappedText through(MappedText outer) {
    MappedText t = new MappedText(length);
    for (int i = 0; i < length; i++) {
      Span s = outer.span(starts[i], ends[i]);
      t.append(cps[i], s.start(), s.end());
    }
    return t;
  }

  /** Every code point of this view mapped to one fixed original span (a decoded run). */
  static MappedText fixed(String text, Span span) {
    MappedText t = new MappedText(text.length());
    text.codePoints().forEach(cp -> t.append(cp, span.start(), span.end()));
    return t;
  }

  @Override
  public String toString() {
    return new String(cps, 0, length);
  }

  /** A {@code [start, end)} range of code points. */
  record Span(int start, int end) implements Comparable<Span> {
    @Override
    public int compareTo(Span o) {
      return start != o.start ? Integer.compare(start, o.start) : Integer.compare(end, o.end);
    }

    Span union(Span o) {
      return new Span(Math.min(start, o.start), Math.max(end, o.end));
    }
  }
}
