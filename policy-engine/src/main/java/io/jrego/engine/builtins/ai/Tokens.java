package io.jrego.engine.builtins.ai;

import java.util.Arrays;

/** The words of a view: maximal runs of letters and digits, with their view indices. */
final class Tokens {

  final String[] text;
  final int[] from;
  final int[] to;
  final int size;

  private Tokens(String[] text, int[] from, int[] to, int size) {
    this.text = text;
    this.from = from;
    this.to = to;
    this.size = size;
  }

  static Tokens of(MappedText v, boolean rot13) {
    int n = v.length();
    String[] text = new String[Math.max(8, n / 4)];
    int[] from = new int[text.length];
    int[] to = new int[text.length];
    int size = 0;
    StringBuilder b = new StringBuilder(32);
    int i = 0;
    while (i < n) {
      if (!Character.isLetterOrDigit(v.cp(i))) {
        i++;
        continue;
      }
      int j = i;
      b.setLength(0);
      while (j < n && Character.isLetterOrDigit(v.cp(j))) {
        int c = v.cp(j);
        if (rot13) {
          c = rot13(c);
        }
        b.appendCodePoint(c);
        j++;
      }
      if (size == text.length) {
        text = Arrays.copyOf(text, size * 2);
        from = Arrays.copyOf(from, size * 2);
        to = Arrays.copyOf(to, size * 2);
      }
      text[size] = b.toString();
      from[size] = i;
      to[size] = j;
      size++;
      i = j;
    }
    return new Tokens(text, from, to, size);
  }

  static int rot13(int c) {
    if (c >= 'a' && c <= 'z') {
      return 'a' + (c - 'a' + 13) % 26;
    }
    if (c >= 'A' && c <= 'Z') {
      return 'A' + (c - 'A' + 13) % 26;
    }
    return c;
  }
}
