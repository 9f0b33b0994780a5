package io.jrego.engine.builtins.regex;

import static io.jrego.engine.builtins.operand.Operands.string;

import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code regex.globs_match}: whether two "regex globs" (characters, {@code .}, {@code [...]} sets,
 * each optionally followed by {@code *} or {@code +}; {@code \} escapes) share a match. Follows the
 * glob-intersection library OPA uses, including its greedy search and its error texts.
 */
public final class GlobIntersection {

  private GlobIntersection() {}

  private enum Type {
    CHAR,
    DOT,
    SET
  }

  private enum Flag {
    NONE,
    PLUS,
    STAR
  }

  private static final class Token {
    final Type type;
    final int rune;
    final Set<Integer> runes;
    Flag flag = Flag.NONE;

    Token(Type type, int rune, Set<Integer> runes) {
      this.type = type;
      this.rune = rune;
      this.runes = runes;
    }

    boolean sameAs(Token o) {
      return type == o.type
          && switch (type) {
            case CHAR -> rune == o.rune;
            case DOT -> true;
            case SET -> runes.equals(o.runes);
          };
    }
  }

  private static final class InvalidGlob extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidGlob(int[] input, int pos, String message) {
      super(
          "input:"
              + new String(input, 0, input.length)
              + ", pos:"
              + pos
              + ", "
              + message
              + ": the input provided is invalid",
          null,
          false,
          false);
    }
  }

  public static Value globsMatch(Value[] a, BuiltinContext c) throws BuiltinException {
    String lhs = string(a[0], 1);
    String rhs = string(a[1], 2);
    try {
      List<Token> g1 = parse(lhs.codePoints().toArray());
      List<Token> g2 = parse(rhs.codePoints().toArray());
      return BooleanValue.of(nonEmpty(g1, g2));
    } catch (InvalidGlob e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  // --- tokenizing -------------------------------------------------------------------------

  /** index after, rune, escaped; or null at the end of input. */
  private static int[] nextRune(int i, int[] in) throws InvalidGlob {
    if (i >= in.length) {
      return null;
    }
    if (in[i] == '\\') {
      if (i == in.length - 1) {
        throw new InvalidGlob(in, i, "input ends with a \\ (escape) character");
      }
      return new int[] {i + 2, in[i + 1], 1};
    }
    return new int[] {i + 1, in[i], 0};
  }

  private static List<Token> parse(int[] in) throws InvalidGlob {
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    while (true) {
      int[] r = nextRune(i, in);
      if (r == null) {
        break;
      }
      i = r[0];
      Token t;
      if (r[2] == 0 && r[1] == '.') {
        t = new Token(Type.DOT, 0, Set.of());
      } else if (r[2] == 0 && r[1] == ']') {
        throw new InvalidGlob(in, i, "set-close ']' with no preceding '['");
      } else if (r[2] == 0 && r[1] == '[') {
        Set<Integer> runes = new HashSet<>();
        i = parseSet(i, in, runes);
        t = new Token(Type.SET, 0, runes);
      } else if (r[2] == 0 && (r[1] == '+' || r[1] == '*')) {
        throw new InvalidGlob(in, i, "flag '" + (char) r[1] + "' must be preceded by a non-flag");
      } else {
        t = new Token(Type.CHAR, r[1], Set.of());
      }
      int[] f = nextRune(i, in);
      if (f != null && f[2] == 0 && (f[1] == '+' || f[1] == '*')) {
        t.flag = f[1] == '+' ? Flag.PLUS : Flag.STAR;
        i = f[0];
      }
      tokens.add(t);
    }
    return simplify(tokens);
  }

  private static int parseSet(int i, int[] in, Set<Integer> runes) throws InvalidGlob {
    int prev = 0;
    boolean prevExists = false;
    int[] r = nextRune(i, in);
    while (r != null) {
      i = r[0];
      if (r[2] == 0 && r[1] == '-') {
        if (!prevExists) {
          throw new InvalidGlob(
              in, i, "range character '-' must be preceded by a Unicode character");
        }
        if (i >= in.length - 1) {
          throw new InvalidGlob(
              in, i, "range character '-' must be followed by a Unicode character");
        }
        int[] hi = nextRune(i, in);
        i = hi[0];
        if (hi[2] == 0 && (hi[1] == ']' || hi[1] == '-')) {
          throw new InvalidGlob(
              in, i, "range character '-' cannot be followed by a special symbol");
        }
        if (hi[1] < prev) {
          throw new InvalidGlob(
              in,
              i,
              "range is out of order: '"
                  + Character.toString(hi[1])
                  + "' comes before '"
                  + Character.toString(prev)
                  + "' in Unicode");
        }
        for (int x = prev; x <= hi[1]; x++) {
          runes.add(x);
        }
        prevExists = false;
      } else if (r[2] == 0 && r[1] == ']') {
        return i;
      } else {
        runes.add(r[1]);
        prev = r[1];
        prevExists = true;
      }
      r = nextRune(i, in);
    }
    throw new InvalidGlob(in, i, "found [ without matching ]");
  }

  /** Merges runs of equal flagged tokens ({@code a*a+} is {@code a+}). */
  private static List<Token> simplify(List<Token> tokens) {
    List<Token> out = new ArrayList<>();
    for (Token t : tokens) {
      Token last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && t.flag != Flag.NONE && last.flag != Flag.NONE && t.sameAs(last)) {
        last.flag = t.flag == Flag.PLUS || last.flag == Flag.PLUS ? Flag.PLUS : Flag.STAR;
      } else {
        out.add(t);
      }
    }
    return out;
  }

  // --- intersecting -----------------------------------------------------------------------

  private static boolean match(Token a, Token b) {
    if (a.type.compareTo(b.type) > 0) {
      Token t = a;
      a = b;
      b = t;
    }
    return switch (a.type) {
      case CHAR ->
          switch (b.type) {
            case CHAR -> a.rune == b.rune;
            case DOT -> true;
            case SET -> b.runes.contains(a.rune);
          };
      case DOT -> true;
      case SET -> a.runes.stream().anyMatch(b.runes::contains);
    };
  }

  private static boolean nonEmpty(List<Token> g1, List<Token> g2) {
    int l = 0;
    for (;
        l < g1.size()
            && l < g2.size()
            && g1.get(l).flag == Flag.NONE
            && g2.get(l).flag == Flag.NONE;
        l++) {
      if (!match(g1.get(l), g2.get(l))) {
        return false;
      }
    }
    if (l > 0) {
      l--;
    }
    int r1 = g1.size() - 1;
    int r2 = g2.size() - 1;
    for (;
        r1 >= 0
            && r1 >= l
            && r2 >= 0
            && r2 >= l
            && g1.get(r1).flag == Flag.NONE
            && g2.get(r2).flag == Flag.NONE;
        r1--, r2--) {
      if (!match(g1.get(r1), g2.get(r2))) {
        return false;
      }
    }
    if (r1 < g1.size() - 1) {
      r1++;
      r2++;
    }
    return normal(sub(g1, l, r1 + 1), sub(g2, l, r2 + 1));
  }

  private static List<Token> sub(List<Token> g, int from, int to) {
    from = Math.min(from, g.size());
    to = Math.max(from, Math.min(to, g.size()));
    return g.subList(from, to);
  }

  private static boolean normal(List<Token> g1, List<Token> g2) {
    int i = 0;
    int j = 0;
    for (; i < g1.size() && j < g2.size(); i++, j++) {
      if (g1.get(i).flag == Flag.NONE && g2.get(j).flag == Flag.NONE) {
        if (!match(g1.get(i), g2.get(j))) {
          return false;
        }
      } else {
        return special(g1.subList(i, g1.size()), g2.subList(j, g2.size()));
      }
    }
    return i == g1.size() && j == g2.size();
  }

  private static boolean special(List<Token> g1, List<Token> g2) {
    if (g1.get(0).flag != Flag.NONE) {
      return g1.get(0).flag == Flag.PLUS ? plus(g1, g2) : star(g1, g2);
    }
    return g2.get(0).flag == Flag.PLUS ? plus(g2, g1) : star(g2, g1);
  }

  private static boolean plus(List<Token> plussed, List<Token> other) {
    if (!match(plussed.get(0), other.get(0))) {
      return false;
    }
    if (star(plussed, other.subList(1, other.size()))) {
      return true;
    }
    return other.get(0).flag != Flag.NONE && normal(plussed.subList(1, plussed.size()), other);
  }

  private static boolean star(List<Token> starred, List<Token> other) {
    Token starToken = starred.get(0);
    Token next = starred.size() > 1 ? starred.get(1) : null;
    for (int i = 0; i < other.size(); i++) {
      Token t = other.get(i);
      if (next != null && match(t, next)) {
        if (normal(starred.subList(1, starred.size()), other.subList(i, other.size()))) {
          return true;
        }
      }
      if (!match(t, starToken)) {
        return false;
      }
    }
    return next == null;
  }
}
