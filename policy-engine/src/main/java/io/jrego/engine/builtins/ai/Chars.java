package io.jrego.engine.builtins.ai;

/** Character classes the detectors share. */
final class Chars {

  private Chars() {}

  static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean isAsciiAlnum(char c) {
    return isAsciiDigit(c) || isAsciiLetter(c);
  }

  static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  static boolean isHex(char c) {
    return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** A decimal digit of any script (fullwidth, Arabic-Indic, ...). */
  static boolean isDigit(char c) {
    return c < 128 ? isAsciiDigit(c) : Character.isDigit(c);
  }

  /** Letters, digits and underscore of any script: what glues characters into one word. */
  static boolean isWord(char c) {
    if (c < 128) {
      return isAsciiAlnum(c) || c == '_';
    }
    return Character.isLetterOrDigit(c);
  }

  /**
   * Whether the character before {@code i} lets a token start at {@code i}: start of text, or not a
   * word character, except that {@code \n}-style escapes (a backslash and a letter, as in raw JSON)
   * count as a break.
   */
  static boolean boundaryBefore(String s, int i) {
    if (i == 0) {
      return true;
    }
    char p = s.charAt(i - 1);
    if (!isWord(p)) {
      return true;
    }
    return i >= 2 && s.charAt(i - 2) == '\\' && "nrtbf".indexOf(p) >= 0;
  }

  /**
   * {@link #boundaryBefore}, and not glued to a preceding token by a hyphen, dot or slash ({@code
   * ORD-20240115}, {@code v1.2}, {@code /users/123}) or following a time's colon.
   */
  static boolean numberBoundaryBefore(String s, int i) {
    if (!boundaryBefore(s, i)) {
      return false;
    }
    if (i < 2) {
      return true;
    }
    char p = s.charAt(i - 1);
    char pp = s.charAt(i - 2);
    if ((p == '-' || p == '.' || p == '/' || p == '_') && isAsciiAlnum(pp)) {
      return false;
    }
    return !(p == ':' && isAsciiDigit(pp));
  }

  /** Whether a token may end at {@code i}: end of text or not a word character. */
  static boolean boundaryAt(String s, int i) {
    return i >= s.length() || !isWord(s.charAt(i));
  }

  /**
   * {@link #boundaryBefore(String, int)} of a text held in {@code cs[0, n)}: a scan reads its text
   * from one array, not by {@link String#charAt}, which a UTF-16 string (any text with a char
   * outside Latin-1) answers at about twice the cost.
   */
  static boolean boundaryBefore(char[] cs, int i) {
    if (i == 0) {
      return true;
    }
    char p = cs[i - 1];
    if (!isWord(p)) {
      return true;
    }
    return i >= 2 && cs[i - 2] == '\\' && "nrtbf".indexOf(p) >= 0;
  }

  /** {@link #numberBoundaryBefore(String, int)} of a text held in an array. */
  static boolean numberBoundaryBefore(char[] cs, int i) {
    if (!boundaryBefore(cs, i)) {
      return false;
    }
    if (i < 2) {
      return true;
    }
    char p = cs[i - 1];
    char pp = cs[i - 2];
    if ((p == '-' || p == '.' || p == '/' || p == '_') && isAsciiAlnum(pp)) {
      return false;
    }
    return !(p == ':' && isAsciiDigit(pp));
  }

  /** Whether the text held in {@code cs[0, n)} has {@code prefix} at {@code at}. */
  static boolean startsWith(char[] cs, int n, int at, String prefix) {
    int k = prefix.length();
    if (at < 0 || at > n - k) {
      return false;
    }
    for (int i = 0; i < k; i++) {
      if (cs[at + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** {@link #boundaryAt(String, int)} of a text held in {@code cs[0, n)}. */
  static boolean boundaryAt(char[] cs, int n, int i) {
    return i >= n || !isWord(cs[i]);
  }

  /**
   * Separators allowed between digit groups: space, no-break and thin spaces, hyphen and the
   * Unicode dashes, dot, slash, and the invisible zero-width characters.
   */
  static boolean isDigitSeparator(char c) {
    return switch (c) {
      case ' ',
          '-',
          '.',
          '/',
          '\u00a0',
          '\u2009',
          '\u202f',
          '\u2007',
          '\u2010',
          '\u2011',
          '\u2012',
          '\u2013',
          '\u2014',
          '\u2212',
          '\u200b',
          '\u200c',
          '\u200d',
          '\u2060',
          '\ufeff' ->
          true;
      default -> false;
    };
  }

  /**
   * The separator as one of {@code ' '}, {@code '-'}, {@code '.'}, {@code '/'} or 0 (invisible).
   */
  static char separatorKind(char c) {
    return switch (c) {
      case ' ', '\u00a0', '\u2009', '\u202f', '\u2007' -> ' ';
      case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212' -> '-';
      case '.' -> '.';
      case '/' -> '/';
      default -> 0;
    };
  }

  /** The value of a decimal digit of any script. */
  static char asciiDigit(char c) {
    return c < 128 ? c : (char) ('0' + Character.digit(c, 10));
  }
}
