package io.jrego.engine.builtins.ai;

/**
 * Identifiers that start with a capital letter: IBAN, UK NINO, Spanish NIE, Italian codice fiscale.
 * Each is tried only when the first characters have its shape.
 */
final class Identifiers {

  private Identifiers() {}

  /** Tries each identifier at {@code s}; returns the end of the one found, or -1. */
  static int at(Scan scan, int s, int wordEnd) {
    String t = scan.text;
    int n = t.length();
    if (s + 4 <= n
        && Chars.isUpper(t.charAt(s + 1))
        && Chars.isAsciiDigit(t.charAt(s + 2))
        && Chars.isAsciiDigit(t.charAt(s + 3))) {
      int e = iban(scan, s);
      if (e > 0) {
        return e;
      }
    }
    if (s + 2 < n && Chars.isUpper(t.charAt(s + 1))) {
      int e = nino(scan, s);
      if (e > 0) {
        return e;
      }
    }
    char c = t.charAt(s);
    if ((c == 'X' || c == 'Y' || c == 'Z') && s + 1 < n) {
      int e = nie(scan, s);
      if (e > 0) {
        return e;
      }
    }
    if (wordEnd - s == 16 && scan.wants(PiiType.IT_FISCAL_CODE)) {
      if (NationalIds.itFiscalCode(t.substring(s, wordEnd))) {
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
    String t = scan.text;
    String country = t.substring(s, s + 2);
    int length = Ibans.length(country);
    if (length == 0) {
      return -1;
    }
    StringBuilder iban = new StringBuilder(length);
    int i = s;
    boolean grouped = s + 4 < t.length() && t.charAt(s + 4) == ' ';
    int inGroup = 0;
    while (i < t.length() && iban.length() < length) {
      char c = t.charAt(i);
      if (Chars.isAsciiDigit(c) || Chars.isUpper(c)) {
        iban.append(c);
        inGroup++;
        i++;
      } else if (grouped && c == ' ' && inGroup == 4 && i + 1 < t.length()) {
        inGroup = 0;
        i++;
      } else {
        break;
      }
    }
    if (iban.length() != length || !Chars.boundaryAt(t, i) || !Ibans.valid(iban)) {
      return -1;
    }
    scan.add(PiiType.IBAN, s, i, "validated", country);
    return i;
  }

  private static int nino(Scan scan, int s) {
    if (!scan.wants(PiiType.UK_NINO)) {
      return -1;
    }
    String t = scan.text;
    int n = t.length();
    StringBuilder v = new StringBuilder(9);
    v.append(t, s, s + 2);
    int i = s + 2;
    boolean spaced = i < n && t.charAt(i) == ' ';
    for (int pair = 0; pair < 3; pair++) {
      if (spaced) {
        if (i >= n || t.charAt(i) != ' ') {
          return -1;
        }
        i++;
      }
      if (i + 2 > n || !Chars.isAsciiDigit(t.charAt(i)) || !Chars.isAsciiDigit(t.charAt(i + 1))) {
        return -1;
      }
      v.append(t, i, i + 2);
      i += 2;
    }
    if (spaced && i < n && t.charAt(i) == ' ') {
      i++;
    }
    if (i >= n || !Chars.isUpper(t.charAt(i))) {
      return -1;
    }
    v.append(t.charAt(i));
    i++;
    if (!Chars.boundaryAt(t, i) || !NationalIds.ukNino(v)) {
      return -1;
    }
    scan.add(PiiType.UK_NINO, s, i, "validated", "");
    return i;
  }

  private static int nie(Scan scan, int s) {
    if (!scan.wants(PiiType.ES_NIE)) {
      return -1;
    }
    String t = scan.text;
    int n = t.length();
    int i = s + 1;
    if (i < n && t.charAt(i) == '-') {
      i++;
    }
    int d = i;
    while (i < n && i - d < 8 && Chars.isAsciiDigit(t.charAt(i))) {
      i++;
    }
    if (i - d != 7) {
      return -1;
    }
    String digits = t.substring(d, i);
    if (i < n && t.charAt(i) == '-') {
      i++;
    }
    if (i >= n || !Chars.isUpper(t.charAt(i)) || !Chars.boundaryAt(t, i + 1)) {
      return -1;
    }
    if (!NationalIds.esNie(t.charAt(s), digits, t.charAt(i))) {
      return -1;
    }
    scan.add(PiiType.ES_NIE, s, i + 1, "validated", "");
    return i + 1;
  }
}
