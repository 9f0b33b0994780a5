package io.jrego.engine.builtins.ai;

/**
 * Validation rules of the national identifiers, on the characters without separators. Each rule is
 * the issuing authority's published structure plus its check digit where one exists.
 */
final class NationalIds {

  private NationalIds() {}

  /** US SSN: area not 000, 666 or 9xx, group not 00, serial not 0000, not a known fake. */
  static boolean usSsn(CharSequence d) {
    if (d.length() != 9) {
      return false;
    }
    int area = num(d, 0, 3);
    int group = num(d, 3, 5);
    int serial = num(d, 5, 9);
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
      return false;
    }
    String s = d.toString();
    // Advertised or published numbers (Woolworth's wallet card, a 1960s advertisement) and runs.
    if (s.equals("078051120") || s.equals("219099999") || s.equals("123456789")) {
      return false;
    }
    return !allSame(s);
  }

  /**
   * UK NINO: two prefix letters (first not D, F, I, Q, U, V; second not D, F, I, O, Q, U, V; not
   * BG, GB, KN, NK, NT, TN, ZZ), six digits, suffix A-D.
   */
  static boolean ukNino(CharSequence s) {
    if (s.length() != 9) {
      return false;
    }
    char a = s.charAt(0);
    char b = s.charAt(1);
    if ("DFIQUV".indexOf(a) >= 0 || "DFIOQUV".indexOf(b) >= 0) {
      return false;
    }
    String p = "" + a + b;
    if (p.equals("BG")
        || p.equals("GB")
        || p.equals("KN")
        || p.equals("NK")
        || p.equals("NT")
        || p.equals("TN")
        || p.equals("ZZ")) {
      return false;
    }
    char suffix = s.charAt(8);
    return suffix >= 'A' && suffix <= 'D';
  }

  /** UK NHS number: ten digits, mod-11 check. */
  static boolean ukNhs(CharSequence d) {
    return d.length() == 10 && !allSame(d.toString()) && Checksums.nhs(d);
  }

  /**
   * German IdNr: eleven digits, the first not 0; in the first ten exactly one digit appears twice
   * or three times and no other repeats; ISO 7064 MOD 11,10 check digit.
   */
  static boolean deTaxId(CharSequence d) {
    if (d.length() != 11 || d.charAt(0) == '0') {
      return false;
    }
    int[] counts = new int[10];
    for (int i = 0; i < 10; i++) {
      counts[d.charAt(i) - '0']++;
    }
    int repeated = 0;
    for (int c : counts) {
      if (c > 3) {
        return false;
      }
      if (c > 1) {
        repeated++;
      }
    }
    return repeated == 1 && Checksums.iso7064Mod1110(d);
  }

  /**
   * French NIR: fifteen digits; sex 1, 2 (or 3, 4, 7, 8 for provisional numbers); month 01-12,
   * 20-42 or 50-99; the two-digit key equals 97 - (the first thirteen mod 97).
   */
  static boolean frNir(CharSequence d) {
    if (d.length() != 15) {
      return false;
    }
    char sex = d.charAt(0);
    if ("123478".indexOf(sex) < 0) {
      return false;
    }
    int month = num(d, 3, 5);
    boolean monthOk = (month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50;
    return monthOk && Checksums.nirKey(d);
  }

  private static final String DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

  /** Spanish DNI: eight digits and the letter of their value mod 23. */
  static boolean esDni(CharSequence digits, char letter) {
    if (digits.length() != 8) {
      return false;
    }
    return DNI_LETTERS.charAt(num(digits, 0, 8) % 23) == letter;
  }

  /** Spanish NIE: X, Y or Z (for 0, 1, 2), seven digits and the DNI check letter. */
  static boolean esNie(char prefix, CharSequence digits, char letter) {
    int p = "XYZ".indexOf(prefix);
    if (p < 0 || digits.length() != 7) {
      return false;
    }
    int value = p * 10_000_000 + num(digits, 0, 7);
    return DNI_LETTERS.charAt(value % 23) == letter;
  }

  /** Dutch BSN: nine digits passing the elfproef. */
  static boolean nlBsn(CharSequence d) {
    return d.length() == 9 && !allSame(d.toString()) && Checksums.bsn(d);
  }

  /** Aadhaar: twelve digits, the first 2-9, not a palindrome, Verhoeff check. */
  static boolean inAadhaar(CharSequence d) {
    if (d.length() != 12 || d.charAt(0) < '2') {
      return false;
    }
    String s = d.toString();
    if (new StringBuilder(s).reverse().toString().equals(s)) {
      return false;
    }
    return Checksums.verhoeff(d);
  }

  private static final String CF_MONTHS = "ABCDEHLMPRST";
  private static final String CF_OMOCODE = "LMNPQRSTUV";
  private static final int[] CF_MONTH_DAYS = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  private static final int[] CF_ODD = {
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23
  };

  /**
   * Italian codice fiscale: six letters, two year digits, month letter, two day digits (41-71 for
   * women), a letter and three digits for the place, a check letter; digits of the date and place
   * may be replaced by the omocodia letters L-V.
   */
  static boolean itFiscalCode(CharSequence s) {
    if (s.length() != 16) {
      return false;
    }
    for (int i = 0; i < 16; i++) {
      char c = s.charAt(i);
      boolean letter = c >= 'A' && c <= 'Z';
      boolean digit = c >= '0' && c <= '9';
      boolean ok =
          switch (i) {
            case 0, 1, 2, 3, 4, 5, 11, 15 -> letter;
            case 8 -> CF_MONTHS.indexOf(c) >= 0;
            default -> digit || CF_OMOCODE.indexOf(c) >= 0;
          };
      if (!ok) {
        return false;
      }
    }
    int day = cfDigit(s.charAt(9)) * 10 + cfDigit(s.charAt(10));
    if (day > 40) {
      day -= 40;
    }
    int month = CF_MONTHS.indexOf(s.charAt(8));
    if (day < 1 || day > CF_MONTH_DAYS[month]) {
      return false;
    }
    int sum = 0;
    for (int i = 0; i < 15; i++) {
      char c = s.charAt(i);
      int v = c >= 'A' ? c - 'A' : c - '0';
      sum += (i % 2 == 0) ? CF_ODD[v] : v;
    }
    return s.charAt(15) == (char) ('A' + sum % 26);
  }

  private static int cfDigit(char c) {
    int o = CF_OMOCODE.indexOf(c);
    return o >= 0 ? o : c - '0';
  }

  private static int num(CharSequence d, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      v = v * 10 + (d.charAt(i) - '0');
    }
    return v;
  }

  private static boolean allSame(String s) {
    for (int i = 1; i < s.length(); i++) {
      if (s.charAt(i) != s.charAt(0)) {
        return false;
      }
    }
    return true;
  }
}
