package io.jrego.engine.builtins.regex;

import io.jrego.engine.builtins.spi.BuiltinException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Refuses, before RE2/J compiles it, a pattern whose compiled program would be huge, with the error
 * Go's {@code regexp/syntax} (and so OPA) gives. RE2/J 1.8 checks each repeat count against 1000
 * but not their nesting: {@code ((a{1000}){1000}){1000}} asks for 10^9 instructions, which ran 44 s
 * and then exhausted the heap, where OPA answers at once.
 *
 * <p>The limits are Go's, read from its parser: the counts of nested bounded repetitions ({@code
 * {n}}, {@code {n,}}, {@code {n,m}}; the count is the maximum, or the minimum when unbounded; a
 * maximum of 0 makes its subtree harmless) may multiply to at most 1000 along any path ("invalid
 * repeat count", naming the operator); the program may hold at most 128 MiB of 40-byte
 * instructions, estimated as Go estimates it ("expression too large"); the parse tree may be at
 * most 1000 deep ("expression nests too deeply"; groups nested more than 1000 deep are refused even
 * when they do not capture, which Go would accept, so that this check's own stack stays small).
 *
 * <p>One pass over the pattern with an explicit stack, so the check itself is linear and cannot
 * overflow the Java stack. It reads just enough of RE2's syntax to know what a repetition applies
 * to (escapes, {@code \Q...\E}, classes, groups and their flags, alternation); anything malformed
 * is left for RE2/J to report.
 */
public final class RegexSize {

  /** Go's maxSize: 128 MiB of instructions of 5 machine words. */
  public static final long MAX_SIZE = (128L << 20) / 40;

  /** Go's limit on nested repeat counts. */
  public static final long MAX_REPEAT = 1000;

  /** Go's maxHeight. */
  public static final int MAX_HEIGHT = 1000;

  /** A parsed piece: estimated instructions, largest repeat product below, tree height. */
  private record Node(long size, long product, int height) {
    static final Node ATOM = new Node(1, 1, 1);
  }

  /** A group being read: its finished alternatives, and the concatenation under way. */
  private static final class Frame {
    final boolean capture;
    long altSize;
    long altProduct = 1;
    int altHeight;
    int alternatives;
    long catSize;
    long catProduct = 1;
    int catHeight;
    int items;
    Node last; // the atom a repetition would apply to, not yet in cat*

    Frame(boolean capture) {
      this.capture = capture;
    }

    void push(Node n) {
      flush();
      last = n;
    }

    void flush() {
      if (last != null) {
        catSize = sat(catSize + last.size);
        catProduct = Math.max(catProduct, last.product);
        catHeight = Math.max(catHeight, last.height);
        items++;
        last = null;
      }
    }

    void endAlternative() {
      flush();
      altSize = sat(altSize + Math.max(1, catSize));
      altProduct = Math.max(altProduct, catProduct);
      altHeight = Math.max(altHeight, catHeight + (items > 1 ? 1 : 0));
      alternatives++;
      catSize = 0;
      catProduct = 1;
      catHeight = 0;
      items = 0;
    }

    Node close() {
      endAlternative();
      long size = sat(altSize + alternatives - 1);
      int height = Math.max(1, altHeight + (alternatives > 1 ? 1 : 0));
      return capture
          ? new Node(sat(size + 2), altProduct, height + 1)
          : new Node(size, altProduct, height);
    }
  }

  private final String p;
  private int i;

  private RegexSize(String pattern) {
    this.p = pattern;
  }

  /**
   * Checks {@code pattern} against Go's limits.
   *
   * @throws BuiltinException with Go's message when a limit is passed
   */
  public static void check(String pattern) throws BuiltinException {
    new RegexSize(pattern).run();
  }

  private void run() throws BuiltinException {
    Deque<Frame> stack = new ArrayDeque<>();
    Frame top = new Frame(false);
    int n = p.length();
    while (i < n) {
      char c = p.charAt(i);
      switch (c) {
        case '(' -> {
          Boolean capture = groupStart();
          if (capture == null) {
            return; // malformed: RE2/J reports it
          }
          if (capture || p.charAt(i - 1) == ':') {
            top.flush();
            stack.push(top);
            top = new Frame(capture);
            if (stack.size() > MAX_HEIGHT) {
              throw error("expression nests too deeply", p);
            }
          } else {
            top.flush(); // (?i): flags only, nothing to repeat
          }
        }
        case ')' -> {
          i++;
          if (stack.isEmpty()) {
            return;
          }
          Node group = checked(top.close());
          top = stack.pop();
          top.push(group);
        }
        case '|' -> {
          i++;
          top.endAlternative();
        }
        case '*', '+', '?' -> {
          i++;
          if (i < n && p.charAt(i) == '?') {
            i++;
          }
          if (top.last == null) {
            return;
          }
          Node sub = top.last;
          long size = sat((c == '*' ? 2 : 1) + sub.size);
          top.last = checked(new Node(size, sub.product, sub.height + 1));
        }
        case '{' -> {
          int start = i;
          int[] mm = repeat();
          if (mm == null) {
            i = start + 1;
            top.push(Node.ATOM); // not a repetition: a literal brace
            break;
          }
          if (i < n && p.charAt(i) == '?') {
            i++;
          }
          int min = mm[0];
          int max = mm[1];
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw error("invalid repeat count", p.substring(start, i));
          }
          if (top.last == null) {
            return;
          }
          top.last = repeated(top.last, min, max, start);
        }
        case '[' -> {
          if (!skipClass()) {
            return;
          }
          top.push(Node.ATOM);
        }
        case '\\' -> {
          if (!escape(top)) {
            return;
          }
        }
        default -> {
          i += Character.charCount(p.codePointAt(i));
          top.push(Node.ATOM);
        }
      }
    }
    if (!stack.isEmpty()) {
      return; // missing ')': RE2/J reports it
    }
    checked(top.close());
  }

  /** {@code x{min,max}} over {@code sub}; max is -1 when unbounded. */
  private Node repeated(Node sub, int min, int max, int start) throws BuiltinException {
    long size;
    if (max == -1) {
      size = min == 0 ? sat(2 + sub.size) : sat(1 + mul(min, sub.size));
    } else {
      size = sat(mul(max, sub.size) + (max - min));
    }
    long count = max == -1 ? min : max;
    long product = max == 0 ? 0 : count == 0 ? sub.product : mulCapped(count, sub.product);
    Node node = checked(new Node(Math.max(1, size), product, sub.height + 1));
    if ((min >= 2 || max >= 2) && product > MAX_REPEAT) {
      throw error("invalid repeat count", p.substring(start, i));
    }
    return node;
  }

  private Node checked(Node node) throws BuiltinException {
    if (node.size > MAX_SIZE) {
      throw error("expression too large", p);
    }
    if (node.height > MAX_HEIGHT) {
      throw error("expression nests too deeply", p);
    }
    return node;
  }

  /**
   * After {@code (}: true for a capturing group, false for {@code (?flags)} or {@code (?flags:...},
   * null when malformed. Leaves {@link #i} after the group's opening.
   */
  private Boolean groupStart() {
    int n = p.length();
    i++;
    if (i >= n || p.charAt(i) != '?') {
      return true;
    }
    if (p.startsWith("?P<", i) || p.startsWith("?<", i)) {
      int end = p.indexOf('>', i);
      if (end < 0) {
        return null;
      }
      i = end + 1;
      return true;
    }
    for (int j = i + 1; j < n; j++) {
      char f = p.charAt(j);
      if (f == ')' || f == ':') {
        i = j + 1;
        return false;
      }
      if (f != '-' && !Character.isLetter(f)) {
        return null;
      }
    }
    return null;
  }

  /**
   * At an opening brace: the counts of <code>{n}</code>, <code>{n,}</code> or <code>{n,m}</code>
   * (max -1 when unbounded, a count of -1 when too big to read), else null: then the brace is a
   * literal, as in Go.
   */
  private int[] repeat() {
    int[] at = {i + 1};
    int min = number(at);
    if (min == NOT_A_NUMBER || at[0] >= p.length()) {
      return null;
    }
    int max = min;
    if (p.charAt(at[0]) == ',') {
      at[0]++;
      if (at[0] < p.length() && p.charAt(at[0]) == '}') {
        max = -1;
      } else {
        max = number(at);
        if (max == NOT_A_NUMBER) {
          return null;
        }
        if (max == -1) {
          min = -1; // too big
        }
      }
    }
    if (at[0] >= p.length() || p.charAt(at[0]) != '}') {
      return null;
    }
    i = at[0] + 1;
    return new int[] {min, max};
  }

  private static final int NOT_A_NUMBER = Integer.MIN_VALUE;

  /** Go's parseInt: digits without a leading zero; -1 when 10^8 or more. */
  private int number(int[] at) {
    int start = at[0];
    int j = start;
    while (j < p.length() && p.charAt(j) >= '0' && p.charAt(j) <= '9') {
      j++;
    }
    if (j == start || (j - start >= 2 && p.charAt(start) == '0')) {
      return NOT_A_NUMBER;
    }
    int v = 0;
    for (int k = start; k < j; k++) {
      if (v >= 100_000_000) {
        v = -1;
        break;
      }
      v = v * 10 + (p.charAt(k) - '0');
    }
    at[0] = j;
    return v;
  }

  /** Skips a {@code [...]} class; false when it is not closed. */
  private boolean skipClass() {
    int n = p.length();
    int j = i + 1;
    if (j < n && p.charAt(j) == '^') {
      j++;
    }
    boolean first = true;
    while (j < n) {
      char c = p.charAt(j);
      if (c == ']' && !first) {
        i = j + 1;
        return true;
      }
      if (c == '[' && j + 1 < n && p.charAt(j + 1) == ':') {
        int end = p.indexOf(":]", j + 2);
        j = end < 0 ? j + 1 : end + 2;
      } else if (c == '\\') {
        j = afterEscape(j);
      } else {
        j++;
      }
      first = false;
    }
    return false;
  }

  /** Reads an escape outside a class; false when malformed. */
  private boolean escape(Frame top) {
    int n = p.length();
    if (i + 1 >= n) {
      return false;
    }
    if (p.charAt(i + 1) == 'Q') {
      int end = p.indexOf("\\E", i + 2);
      int stop = end < 0 ? n : end;
      for (int j = i + 2; j < stop; j += Character.charCount(p.codePointAt(j))) {
        top.push(Node.ATOM);
      }
      i = end < 0 ? n : end + 2;
      return true;
    }
    i = afterEscape(i);
    top.push(Node.ATOM);
    return true;
  }

  /** The index after the escape starting at {@code at} (a backslash). */
  private int afterEscape(int at) {
    int n = p.length();
    if (at + 1 >= n) {
      return n;
    }
    char c = p.charAt(at + 1);
    if ((c == 'p' || c == 'P' || c == 'x') && at + 2 < n && p.charAt(at + 2) == '{') {
      int end = p.indexOf('}', at + 3);
      return end < 0 ? n : end + 1;
    }
    return at + 1 + Character.charCount(p.codePointAt(at + 1));
  }

  private static BuiltinException error(String code, String expr) {
    return BuiltinException.error("error parsing regexp: " + code + ": `" + expr + "`");
  }

  private static long sat(long v) {
    return v < 0 || v > MAX_SIZE + 1 ? MAX_SIZE + 1 : v;
  }

  private static long mul(long a, long b) {
    return a != 0 && b > (MAX_SIZE + 1) / a ? MAX_SIZE + 1 : sat(a * b);
  }

  private static long mulCapped(long a, long b) {
    return a != 0 && b > (MAX_REPEAT + 1) / a ? MAX_REPEAT + 1 : a * b;
  }
}
