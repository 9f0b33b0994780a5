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
    return Checksums.ibanMod97(iban) && nationalCheck(iban);
  }

  private static final int[] ES_WEIGHTS = {1, 2, 4, 8, 5, 10, 9, 7, 3, 6};

  /**
   * The national check digits inside the BBAN, for the countries that have them and whose rule is
   * short: Belgium (the last two digits are the first ten mod 97) and Spain (the two control digits
   * of the CCC). Other countries pass.
   */
  private static boolean nationalCheck(CharSequence iban) {
    String cc = iban.subSequence(0, 2).toString();
    String bban = iban.subSequence(4, iban.length()).toString();
    return switch (cc) {
      case "BE" -> {
        long first = Long.parseLong(bban.substring(0, 10));
        int check = (int) (first % 97);
        yield (check == 0 ? 97 : check) == Integer.parseInt(bban.substring(10, 12));
      }
      case "ES" ->
          esControl("00" + bban.substring(0, 8)) == bban.charAt(8) - '0'
              && esControl(bban.substring(10, 20)) == bban.charAt(9) - '0';
      default -> true;
    };
  }

  private static int esControl(String ten) {
    int sum = 0;
    for (int i = 0; i < 10; i++) {
      sum += (ten.charAt(i) - '0') * ES_WEIGHTS[i];
    }
    int d = 11 - sum % 11;
    return d == 11 ? 0 : d == 10 ? 1 : d;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
