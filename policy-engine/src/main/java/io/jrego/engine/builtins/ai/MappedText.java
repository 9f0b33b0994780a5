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
  // Both null while every code point i maps to [i, i+1); ends alone null while every span has
  // length one. Most views of most texts are like that, so they cost one array, not three.
  private int[] starts;
  private int[] ends;
  private int length;

  /**
   * The view's words, when the walk that made the view found them on the way ({@link
   * Folding#deobfuscate}); null otherwise. {@link #set} drops them.
   */
  Tokens words;

  /**
   * An empty view for about {@code capacity} code points; with 0, no array until the first append
   * (a text's tag view, most texts' only view that stays empty, and the views {@link #identity} and
   * {@link #identityPrefix} make around an array they are given).
   */
  MappedText(int capacity) {
    cps = capacity == 0 ? NONE : new int[Math.max(16, capacity)];
  }

  private static final int[] NONE = new int[0];

  void append(int cp, int start, int end) {
    words = null;
    if (length == cps.length) {
      int c = Math.max(16, cps.length * 2);
      cps = Arrays.copyOf(cps, c);
      if (starts != null) {
        starts = Arrays.copyOf(starts, c);
      }
      if (ends != null) {
        ends = Arrays.copyOf(ends, c);
      }
    }
    if (starts == null && start != length) {
      starts = new int[cps.length];
      for (int i = 0; i < length; i++) {
        starts[i] = i;
      }
    }
    if (ends == null && end != start + 1) {
      ends = new int[cps.length];
      for (int i = 0; i < length; i++) {
        ends[i] = start(i) + 1;
      }
    }
    cps[length] = cp;
    if (starts != null) {
      starts[length] = start;
    }
    if (ends != null) {
      ends[length] = end;
    }
    length++;
  }

  /**
   * The code points {@code cps} each mapped to their own index, sharing the array: the caller must
   * not change it afterwards.
   */
  static MappedText identity(int[] cps) {
    MappedText t = new MappedText(0);
    t.cps = cps.length == 0 ? new int[16] : cps;
    t.length = cps.length;
    return t;
  }

  /**
   * The first {@code length} code points of {@code buffer}, each mapped to its own index; later
   * appends go on from there. The view takes the array over.
   */
  static MappedText identityPrefix(int[] buffer, int length) {
    MappedText t = new MappedText(0);
    t.cps = buffer.length == 0 ? new int[16] : buffer;
    t.length = length;
    return t;
  }

  /** The code points, read-only; valid up to {@link #length()}. */
  int[] codePoints() {
    return cps;
  }

  /** A copy whose code points may be changed with {@link #set}; the spans are shared. */
  MappedText copy() {
    MappedText t = new MappedText(0);
    t.cps = Arrays.copyOf(cps, Math.max(length, 1));
    t.starts = starts;
    t.ends = ends;
    t.length = length;
    return t;
  }

  /** Code points {@code [from, to)} with their spans. */
  MappedText slice(int from, int to) {
    MappedText t = new MappedText(to - from);
    for (int i = from; i < to; i++) {
      t.append(cps[i], start(i), end(i));
    }
    return t;
  }

  /** Replaces code point {@code i}, keeping its span. */
  void set(int i, int cp) {
    cps[i] = cp;
    words = null;
  }

  int length() {
    return length;
  }

  int cp(int i) {
    return cps[i];
  }

  int start(int i) {
    return starts == null ? i : starts[i];
  }

  int end(int i) {
    return ends == null ? start(i) + 1 : ends[i];
  }

  /** The original span covered by view code points {@code [from, to)}; to must exceed from. */
  Span span(int from, int to) {
    if (starts == null && ends == null) {
      return new Span(from, to); // code point i maps to [i, i + 1)
    }
    int s = Integer.MAX_VALUE;
    int e = 0;
    for (int i = from; i < to; i++) {
      s = Math.min(s, start(i));
      e = Math.max(e, end(i));
    }
    return new Span(s, e);
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
