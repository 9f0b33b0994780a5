package io.jrego.engine.builtins.regex;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Literal strings that every match of a pattern contains, read from the pattern's syntax, so that
 * {@code regex.match} can answer false without running RE2's NFA when the text lacks one of them.
 * The shipped ai-gateway policy tries five patterns on every user message and usually none matches:
 * this check turns each of those NFA runs into a scan for a short literal.
 *
 * <p>It is a necessary condition only: when the text holds every literal, the NFA decides. It is
 * conservative by construction. The reader understands a subset of RE2's syntax (literals, escaped
 * punctuation, classes, groups, alternation, repetition, flags) and gives up on anything else,
 * leaving no literals, so the NFA always runs. Only printable ASCII characters outside an
 * alternation and not made optional by a repetition count as literals. They are compared ignoring
 * case under Unicode simple folding, which is what {@code (?i)} matches ({@code k} also matches
 * U+212A KELVIN SIGN and {@code s} U+017F LATIN SMALL LETTER LONG S) and a superset of what a
 * case-sensitive literal matches, so flags need no tracking.
 */
public final class RegexLiterals {

  /** No literal known: every text may match. */
  public static final RegexLiterals NONE = new RegexLiterals(new String[0]);

  private final String[] required; // lower-case printable ASCII, each non-empty

  private RegexLiterals(String[] required) {
    this.required = required;
  }

  /** The literals of a pattern that RE2 compiled; {@link #NONE} when the syntax is not read. */
  public static RegexLiterals of(String pattern) {
    try {
      Reader r = new Reader(pattern);
      List<String> lits = r.alternation();
      if (r.i != pattern.length()) {
        return NONE; // a stray ')' cannot be in a pattern RE2 compiled; be safe anyway
      }
      Set<String> distinct = new LinkedHashSet<>(lits);
      return distinct.isEmpty() ? NONE : new RegexLiterals(distinct.toArray(new String[0]));
    } catch (GiveUp e) {
      return NONE;
    }
  }

  /** The literals every match contains (lower case), for tests. */
  public List<String> required() {
    return List.of(required);
  }

  /** False when no match is possible: {@code text} lacks one of the literals. */
  public boolean mayMatch(String text) {
    for (String lit : required) {
      if (!containsFolded(text, lit)) {
        return false;
      }
    }
    return true;
  }

  private static boolean containsFolded(String text, String lit) {
    // candidate starts are the first character's fold partners, found with String.indexOf (which
    // the JIT vectorises); a partner outside Latin-1 costs nothing on a Latin-1 text
    char first = lit.charAt(0);
    char upper = Character.toUpperCase(first);
    char other = first == 'k' ? '\u212A' : first == 's' ? '\u017F' : first;
    int last = text.length() - lit.length();
    int atFirst = text.indexOf(first);
    int atUpper = upper == first ? -1 : text.indexOf(upper);
    int atOther = other == first ? -1 : text.indexOf(other);
    while (true) {
      int i = earliest(atFirst, earliest(atUpper, atOther));
      if (i < 0 || i > last) {
        return false;
      }
      if (restMatches(text, i, lit)) {
        return true;
      }
      if (i == atFirst) {
        atFirst = text.indexOf(first, i + 1);
      }
      if (i == atUpper) {
        atUpper = text.indexOf(upper, i + 1);
      }
      if (i == atOther) {
        atOther = text.indexOf(other, i + 1);
      }
    }
  }

  /** The earlier of two positions from indexOf, where -1 means none. */
  private static int earliest(int a, int b) {
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  private static boolean restMatches(String text, int at, String lit) {
    for (int j = 1; j < lit.length(); j++) {
      if (!foldEquals(text.charAt(at + j), lit.charAt(j))) {
        return false;
      }
    }
    return true;
  }

  /** Whether text char {@code t} is in the simple case-folding orbit of ASCII {@code lower}. */
  public static boolean foldEquals(char t, char lower) {
    if (t == lower) {
      return true;
    }
    if (lower < 'a' || lower > 'z') {
      return false;
    }
    return t == lower - ('a' - 'A')
        || (lower == 'k' && t == '\u212A')
        || (lower == 's' && t == '\u017F');
  }

  /** Thrown where the reader meets syntax it does not understand. */
  private static final class GiveUp extends Exception {
    private static final long serialVersionUID = 1L;

    GiveUp() {
      super(null, null, false, false);
    }
  }

  /** What one atom of a concatenation is. */
  private enum Kind {
    LITERAL, // one printable ASCII character
    OPAQUE, // matches something not tracked: a class, '.', an anchor, a non-ASCII character
    GROUP, // a group, whose literals are in groupLiterals
    FLAGS, // (?i) and the like: matches the empty string, takes no repetition
  }

  /** A recursive-descent reader over the pattern; each method consumes what it recognises. */
  private static final class Reader {
    private final String p;
    int i;
    private Kind kind;
    private char literal;
    private List<String> groupLiterals;

    Reader(String p) {
      this.p = p;
    }

    /** {@code a|b|...}: the literals of the only branch; none when there are several. */
    List<String> alternation() throws GiveUp {
      List<String> lits = concatenation();
      boolean alternated = false;
      while (i < p.length() && p.charAt(i) == '|') {
        i++;
        concatenation();
        alternated = true;
      }
      return alternated ? List.of() : lits;
    }

    /** Atoms up to '|', ')' or the end; runs of required literal characters become literals. */
    private List<String> concatenation() throws GiveUp {
      List<String> out = new ArrayList<>();
      StringBuilder run = new StringBuilder();
      while (i < p.length() && p.charAt(i) != '|' && p.charAt(i) != ')') {
        atom();
        Kind k = kind;
        char c = literal;
        List<String> inner = groupLiterals;
        int min = repetition();
        if (k == Kind.FLAGS && min != 1) {
          throw new GiveUp(); // RE2 rejects a repeated flag group; not ours to guess
        }
        if (k == Kind.LITERAL && min == 1) {
          run.append(c);
          continue;
        }
        if (k == Kind.LITERAL && min > 1) {
          // c+ or c{n,}: the run reaches the first c, and the last c starts the next run
          run.append(c);
          flush(run, out);
          run.append(c);
          continue;
        }
        flush(run, out);
        if (k == Kind.GROUP && min >= 1) {
          out.addAll(inner);
        }
      }
      flush(run, out);
      return out;
    }

    private static void flush(StringBuilder run, List<String> out) {
      if (!run.isEmpty()) {
        out.add(run.toString());
        run.setLength(0);
      }
    }

    /**
     * The repetition after an atom, as its least count capped at 2: 1 when there is none (exactly
     * once), 0 when the atom may be absent, 2 when it repeats at least once more.
     */
    private int repetition() throws GiveUp {
      if (i == p.length()) {
        return 1;
      }
      int min;
      switch (p.charAt(i)) {
        case '*', '?' -> {
          i++;
          min = 0;
        }
        case '+' -> {
          i++;
          min = 2;
        }
        case '{' -> min = counted();
        default -> {
          return 1;
        }
      }
      if (i < p.length() && p.charAt(i) == '?') {
        i++; // non-greedy: the same strings match
      }
      if (i < p.length() && "*+?{".indexOf(p.charAt(i)) >= 0) {
        throw new GiveUp(); // nested repetition: RE2 rejects it
      }
      return min;
    }

    /**
     * {@code {n}}, {@code {n,}} or {@code {n,m}}; anything else (a literal '{' in RE2) gives up.
     */
    private int counted() throws GiveUp {
      int j = i + 1;
      int digits = j;
      while (j < p.length() && isDigit(p.charAt(j))) {
        j++;
      }
      if (j == digits || j - digits > 4 || j == p.length()) {
        throw new GiveUp();
      }
      int n = Integer.parseInt(p, digits, j, 10);
      boolean exact = true;
      if (p.charAt(j) == ',') {
        exact = false;
        j++;
        while (j < p.length() && isDigit(p.charAt(j))) {
          j++;
        }
      }
      if (j == p.length() || p.charAt(j) != '}') {
        throw new GiveUp();
      }
      i = j + 1;
      if (n == 0) {
        return 0;
      }
      return n == 1 && exact ? 1 : 2;
    }

    private void atom() throws GiveUp {
      char c = p.charAt(i);
      switch (c) {
        case '(' -> group();
        case '[' -> {
          skipClass();
          kind = Kind.OPAQUE;
        }
        case '\\' -> escape();
        case '.', '^', '$' -> {
          i++;
          kind = Kind.OPAQUE;
        }
        case '*', '+', '?', '{' -> throw new GiveUp();
        default -> {
          if (c >= 0x20 && c <= 0x7E) {
            i++;
            kind = Kind.LITERAL;
            literal = Character.toLowerCase(c);
          } else {
            // beyond ASCII: one code point, not tracked
            i += Character.charCount(p.codePointAt(i));
            kind = Kind.OPAQUE;
          }
        }
      }
    }

    private void group() throws GiveUp {
      i++; // '('
      if (i < p.length() && p.charAt(i) == '?') {
        i++;
        if (i < p.length() && (p.charAt(i) == '<' || p.startsWith("P<", i))) {
          int close = p.indexOf('>', i);
          if (close < 0) {
            throw new GiveUp();
          }
          for (int j = p.indexOf('<', i) + 1; j < close; j++) {
            if (!isWordChar(p.charAt(j))) {
              throw new GiveUp();
            }
          }
          i = close + 1;
        } else {
          while (i < p.length() && "imsU-".indexOf(p.charAt(i)) >= 0) {
            i++;
          }
          if (i == p.length()) {
            throw new GiveUp();
          }
          if (p.charAt(i) == ')') {
            i++;
            kind = Kind.FLAGS;
            return;
          }
          if (p.charAt(i) != ':') {
            throw new GiveUp();
          }
          i++; // "(?:" or "(?flags:"
        }
      }
      List<String> inner = alternation();
      if (i == p.length() || p.charAt(i) != ')') {
        throw new GiveUp();
      }
      i++;
      kind = Kind.GROUP;
      groupLiterals = inner;
    }

    /** A bracketed class; its contents are not tracked, only its end is found. */
    private void skipClass() throws GiveUp {
      i++; // '['
      if (i < p.length() && p.charAt(i) == '^') {
        i++;
      }
      if (i < p.length() && p.charAt(i) == ']') {
        i++; // a leading ']' is a member
      }
      while (i < p.length()) {
        char c = p.charAt(i);
        if (c == ']') {
          i++;
          return;
        }
        if (c == '[') {
          throw new GiveUp(); // [:alpha:] and friends
        }
        if (c == '\\') {
          if (i + 1 == p.length()) {
            throw new GiveUp();
          }
          char d = p.charAt(i + 1);
          if (isAlnum(d) && "dDsSwWafnrtv".indexOf(d) < 0) {
            throw new GiveUp(); // \p{..}, \x{..} and the like
          }
          i += 2;
          continue;
        }
        i++;
      }
      throw new GiveUp();
    }

    private void escape() throws GiveUp {
      if (i + 1 == p.length()) {
        throw new GiveUp();
      }
      char d = p.charAt(i + 1);
      i += 2;
      if (d >= 0x21 && d <= 0x7E && !isAlnum(d)) {
        kind = Kind.LITERAL; // escaped punctuation stands for itself
        literal = d;
      } else if ("dDsSwWbBAzafnrtv".indexOf(d) >= 0) {
        kind = Kind.OPAQUE;
      } else {
        throw new GiveUp(); // \p, \x, \Q, octal, ...
      }
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean isAlnum(char c) {
      return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isWordChar(char c) {
      return isAlnum(c) || c == '_';
    }
  }
}
