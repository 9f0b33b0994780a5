package io.jrego.engine.builtins.ai;

/**
 * The check-digit schemes behind the validated identifiers. Every method takes the digits (or
 * characters) already stripped of separators and answers whether the check holds.
 */
final class Checksums {

  private Checksums() {}

  /** Luhn (mod 10), used by payment cards. */
  static boolean luhn(CharSequence digits) {
    int sum = 0;
    boolean dbl = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (dbl) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  /** ISO 7064 MOD 97-10 as IBANs use it: the first four characters moved to the end. */
  static boolean ibanMod97(CharSequence iban) {
    int n = iban.length();
    int rem = 0;
    for (int k = 0; k < n; k++) {
      char c = iban.charAt((k + 4) % n);
      int v;
      if (c >= '0' && c <= '9') {
        v = c - '0';
        rem = (rem * 10 + v) % 97;
      } else if (c >= 'A' && c <= 'Z') {
        v = c - 'A' + 10;
        rem = (rem * 100 + v) % 97;
      } else {
        return false;
      }
    }
    return rem == 1;
  }

  private static final int[][] VERHOEFF_D = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
    {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
    {4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
    {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
    {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
    {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
  };
  private static final int[][] VERHOEFF_P = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
    {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
    {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
    {9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
    {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
    {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}
  };

  /** Verhoeff's dihedral check, used by India's Aadhaar. */
  static boolean verhoeff(CharSequence digits) {
    int c = 0;
    int n = digits.length();
    for (int i = 0; i < n; i++) {
      int d = digits.charAt(n - 1 - i) - '0';
      c = VERHOEFF_D[c][VERHOEFF_P[i % 8][d]];
    }
    return c == 0;
  }

  /** The Dutch "elfproef" for a 9-digit BSN: weights 9..2 and -1, sum divisible by 11. */
  static boolean bsn(CharSequence d) {
    if (d.length() != 9) {
      return false;
    }
    int sum = 0;
    for (int i = 0; i < 8; i++) {
      sum += (9 - i) * (d.charAt(i) - '0');
    }
    sum -= d.charAt(8) - '0';
    return sum % 11 == 0 && sum != 0;
  }

  /** NHS number: weights 10..2 over the first nine digits, check = 11 - sum mod 11 (11 -> 0). */
  static boolean nhs(CharSequence d) {
    if (d.length() != 10) {
      return false;
    }
    int sum = 0;
    for (int i = 0; i < 9; i++) {
      sum += (10 - i) * (d.charAt(i) - '0');
    }
    int check = 11 - sum % 11;
    if (check == 11) {
      check = 0;
    }
    return check != 10 && check == d.charAt(9) - '0';
  }

  /** ISO 7064 MOD 11,10, the check digit of the German tax id (IdNr). */
  static boolean iso7064Mod1110(CharSequence d) {
    int p = 10;
    for (int i = 0; i < d.length() - 1; i++) {
      int s = (d.charAt(i) - '0' + p) % 10;
      if (s == 0) {
        s = 10;
      }
      p = (s * 2) % 11;
    }
    int check = (11 - p) % 10;
    return check == d.charAt(d.length() - 1) - '0';
  }

  /** Whether a 15-digit French NIR's last two digits equal 97 - (first 13 mod 97). */
  static boolean nirKey(CharSequence d) {
    long body = 0;
    for (int i = 0; i < 13; i++) {
      body = body * 10 + (d.charAt(i) - '0');
    }
    int key = (d.charAt(13) - '0') * 10 + (d.charAt(14) - '0');
    return key == 97 - (int) (body % 97);
  }
}
