package io.jrego.engine.builtins.ai;

import java.util.HashMap;
import java.util.Map;

/** IBAN formats by country ({@code iban-countries.tsv}) and the full IBAN check. */
final class Ibans {

  /** A country's IBAN: total length and the BBAN's character classes, one per position. */
  private record Format(int length, String classes) {}

  private static final Map<String, Format> FORMATS = load();

  private Ibans() {}

  private static Map<String, Format> load() {
    Map<String, Format> m = new HashMap<>();
    for (String[] r : Tables.rows("iban-countries.tsv", 3)) {
      int length = Integer.parseInt(r[1]);
      StringBuilder classes = new StringBuilder();
      String spec = r[2];
      int i = 0;
      while (i < spec.length()) {
        int j = i;
        while (Character.isDigit(spec.charAt(j))) {
          j++;
        }
        int count = Integer.parseInt(spec.substring(i, j));
        char cls = spec.charAt(j);
        if (cls != 'n' && cls != 'a' && cls != 'c') {
          throw new IllegalStateException("iban-countries.tsv: bad class in " + spec);
        }
        classes.append(String.valueOf(cls).repeat(count));
        i = j + 1;
      }
      if (classes.length() + 4 != length) {
        throw new IllegalStateException(
            "iban-countries.tsv: " + r[0] + " BBAN " + spec + " does not add up to " + length);
      }
      m.put(r[0], new Format(length, classes.toString()));
    }
    return Map.copyOf(m);
  }

  /** The IBAN length of {@code country}, or 0 when the country has no IBAN. */
  static int length(String country) {
    Format f = FORMATS.get(country);
    return f == null ? 0 : f.length;
  }

  /** Whether {@code iban} (upper case, no separators) is a valid IBAN. */
  static boolean valid(CharSequence iban) {
    if (iban.length() < 15) {
      return false;
    }
    Format f = FORMATS.get(iban.subSequence(0, 2).toString());
    if (f == null || f.length != iban.length()) {
      return false;
    }
    if (!isDigit(iban.charAt(2)) || !isDigit(iban.charAt(3))) {
      return false;
    }
    for (int i = 0; i < f.classes.length(); i++) {
      char c = iban.charAt(i + 4);
      boolean ok =
          switch (f.classes.charAt(i)) {
            case 'n' -> isDigit(c);
            case 'a' -> c >= 'A' && c <= 'Z';
            default -> isDigit(c) || (c >= 'A' && c <= 'Z');
          };
      if (!ok) {
        return false;
      }
    }
    return Checksums.ibanMod97(iban);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
