package io.jrego.engine.builtins.ai;

/**
 * Identifiers that start with a capital letter: IBAN, UK NINO, Spanish NIE, Italian codice fiscale.
 * Each is tried only when the first characters have its shape. The text is read from the scan's
 * char copy ({@link Scan#chars}).
 */
final class Identifiers {

  private Identifiers() {}

  /**
   * Whether {@link #at} may find one at {@code s} (a capital) of the text held in {@code cs[0, n)}:
   * a second capital then a digit, or a space and a digit (IBAN, NINO), an {@code X}, {@code Y} or
   * {@code Z} then a digit or {@code -} (NIE), or a word of sixteen (codice fiscale): each
   * identifier's own first test. The walk asks it of every capitalised word before the call; most
   * ("My", "SSN", "You") pass none of them.
   */
  static boolean mayStart(char[] cs, int n, int s, int wordEnd) {
    if (wordEnd - s == 16) {
      return true;
    }
    if (s + 2 >= n) {
      return false;
    }
    char c = cs[s];
    char c1 = cs[s + 1];
    if (c == 'X' || c == 'Y' || c == 'Z') {
      if (Chars.isAsciiDigit(c1) || c1 == '-') {
        return true;
      }
    }
    char c2 = cs[s + 2];
    return Chars.isUpper(c1)
        && (Chars.isAsciiDigit(c2) || (c2 == ' ' && s + 3 < n && Chars.isAsciiDigit(cs[s + 3])));
  }

  /**
   * By a capital (ASCII), the second chars (bits 0-63, 64-127) with which {@link #mayStart} may be
   * true of a word shorter or longer than sixteen: another capital, or after {@code X}, {@code Y},
   * {@code Z} a digit or {@code -}.
   */
  private static final long[] SECOND_LOW = new long[128];

  private static final long[] SECOND_HIGH = new long[128];

  static {
    for (char c = 'A'; c <= 'Z'; c++) {
      for (char c1 = 0; c1 < 128; c1++) {
        boolean may =
            Chars.isUpper(c1)
                || ((c == 'X' || c == 'Y' || c == 'Z') && (Chars.isAsciiDigit(c1) || c1 == '-'));
        if (may && c1 < 64) {
          SECOND_LOW[c] |= 1L << c1;
        } else if (may) {
          SECOND_HIGH[c] |= 1L << (c1 - 64);
        }
      }
    }
  }

  /**
   * Whether {@link #mayStart} may be true of a word at {@code s} of the text held in {@code cs[0,
   * n)}, whose char is ASCII, ending at {@code wordEnd}: a capital followed by one of the second
   * chars above, or a capitalised word of sixteen. One table read that few words pass, asked of
   * every word.
   */
  static boolean mayStartPair(char[] cs, int n, int s, int wordEnd) {
    char c = cs[s];
    if (wordEnd - s == 16) {
      return Chars.isUpper(c);
    }
    if (s + 1 >= n) {
      return false;
    }
    char c1 = cs[s + 1];
    if (c1 >= 128) {
      return false;
    }
    return c1 < 64 ? (SECOND_LOW[c] & (1L << c1)) != 0 : (SECOND_HIGH[c] & (1L << (c1 - 64))) != 0;
  }

  /** Tries each identifier at {@code s}; returns the end of the one found, or -1. */
  static int at(Scan scan, int s, int wordEnd) {
    char[] t = scan.chars;
    int n = scan.length;
    if (s + 4 <= n
        && Chars.isUpper(t[s + 1])
        && Chars.isAsciiDigit(t[s + 2])
        && Chars.isAsciiDigit(t[s + 3])) {
      int e = iban(scan, s);
      if (e > 0) {
        return e;
      }
    }
    if (s + 2 < n && Chars.isUpper(t[s + 1])) {
      int e = nino(scan, s);
      if (e > 0) {
        return e;
      }
    }
    char c = t[s];
    if ((c == 'X' || c == 'Y' || c == 'Z') && s + 1 < n) {
      int e = nie(scan, s);
      if (e > 0) {
        return e;
      }
    }
    if (wordEnd - s == 16 && scan.wants(PiiType.IT_FISCAL_CODE)) {
      if (NationalIds.itFiscalCode(String.valueOf(t, s, wordEnd - s))) {
        scan.add(PiiType.IT_FISCAL_CODE, s, wordEnd, "validated", "");
        return wordEnd;
      }
    }
    return -1;
  }

  private static int iban(Scan scan, int s) {
    if (!scan.wants(PiiType.IBAN)) {
      return -1;
    }
    char[] t = scan.chars;
    int n = scan.length;
    String country = String.valueOf(t, s, 2);
    int length = Ibans.length(country);
    if (length == 0) {
      return -1;
    }
    StringBuilder iban = new StringBuilder(length);
    int i = s;
    boolean grouped = s + 4 < n && t[s + 4] == ' ';
    int inGroup = 0;
    while (i < n && iban.length() < length) {
      char c = t[i];
      if (Chars.isAsciiDigit(c) || Chars.isUpper(c)) {
        iban.append(c);
        inGroup++;
        i++;
      } else if (grouped && c == ' ' && inGroup == 4 && i + 1 < n) {
        inGroup = 0;
        i++;
      } else {
        break;
      }
    }
    if (iban.length() != length || !Chars.boundaryAt(t, n, i) || !Ibans.valid(iban)) {
      return -1;
    }
    scan.add(PiiType.IBAN, s, i, "validated", country);
    return i;
  }

  private static int nino(Scan scan, int s) {
    if (!scan.wants(PiiType.UK_NINO)) {
      return -1;
    }
    char[] t = scan.chars;
    int n = scan.length;
    StringBuilder v = new StringBuilder(9);
    v.append(t, s, 2);
    int i = s + 2;
    boolean spaced = i < n && t[i] == ' ';
    for (int pair = 0; pair < 3; pair++) {
      if (spaced) {
        if (i >= n || t[i] != ' ') {
          return -1;
        }
        i++;
      }
      if (i + 2 > n || !Chars.isAsciiDigit(t[i]) || !Chars.isAsciiDigit(t[i + 1])) {
        return -1;
      }
      v.append(t, i, 2);
      i += 2;
    }
    if (spaced && i < n && t[i] == ' ') {
      i++;
    }
    if (i >= n || !Chars.isUpper(t[i])) {
      return -1;
    }
    v.append(t[i]);
    i++;
    if (!Chars.boundaryAt(t, n, i) || !NationalIds.ukNino(v)) {
      return -1;
    }
    scan.add(PiiType.UK_NINO, s, i, "validated", "");
    return i;
  }

  private static int nie(Scan scan, int s) {
    if (!scan.wants(PiiType.ES_NIE)) {
      return -1;
    }
    char[] t = scan.chars;
    int n = scan.length;
    int i = s + 1;
    if (i < n && t[i] == '-') {
      i++;
    }
    int d = i;
    while (i < n && i - d < 8 && Chars.isAsciiDigit(t[i])) {
      i++;
    }
    if (i - d != 7) {
      return -1;
    }
    String digits = String.valueOf(t, d, i - d);
    if (i < n && t[i] == '-') {
      i++;
    }
    if (i >= n || !Chars.isUpper(t[i]) || !Chars.boundaryAt(t, n, i + 1)) {
      return -1;
    }
    if (!NationalIds.esNie(t[s], digits, t[i])) {
      return -1;
    }
    scan.add(PiiType.ES_NIE, s, i + 1, "validated", "");
    return i + 1;
  }
}
