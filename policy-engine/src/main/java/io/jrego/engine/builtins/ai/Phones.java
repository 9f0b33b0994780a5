package io.jrego.engine.builtins.ai;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.List;

/**
 * Phone validation with libphonenumber. The scanner finds the candidates (digit runs of phone
 * shape); libphonenumber decides whether a candidate is a number that can exist: a country calling
 * code and a national number valid for that country's numbering plan.
 */
final class Phones {

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  private Phones() {}

  /**
   * The region a candidate is a valid number of, or null.
   *
   * @param text the candidate as written (digits, separators, a leading {@code +})
   * @param international whether it starts with {@code +} or {@code 00}
   * @param regions regions to try for a national number, in order
   */
  static String validRegion(String text, boolean international, List<String> regions) {
    if (international) {
      String t = text;
      if (t.startsWith("00")) {
        t = "+" + t.substring(2);
      }
      PhoneNumber n = parse(t, "ZZ");
      return n != null && UTIL.isValidNumber(n) ? UTIL.getRegionCodeForNumber(n) : null;
    }
    String digits = digits(text);
    for (String region : regions) {
      PhoneNumber n = parse(text, region);
      if (n != null && UTIL.isValidNumberForRegion(n, region) && writtenInFull(n, digits)) {
        return region;
      }
    }
    return null;
  }

  /**
   * Whether the digits as written are the number's national form (with the trunk prefix where the
   * region dials one: {@code 0191 496 0377}, not {@code 191 496 0377}), or for NANP numbers the
   * country code and national number ({@code 1 212 555 0147}). libphonenumber accepts a national
   * number without its trunk prefix, which would make most nine-digit numbers valid in France.
   */
  private static boolean writtenInFull(PhoneNumber n, String digits) {
    String national = digits(UTIL.format(n, PhoneNumberUtil.PhoneNumberFormat.NATIONAL));
    if (digits.equals(national)) {
      return true;
    }
    return n.getCountryCode() == 1 && digits.equals("1" + UTIL.getNationalSignificantNumber(n));
  }

  private static String digits(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isDigit(c)) {
        b.append(Chars.asciiDigit(c));
      }
    }
    return b.toString();
  }

  private static PhoneNumber parse(String text, String region) {
    try {
      return UTIL.parse(text, region);
    } catch (NumberParseException e) {
      return null;
    }
  }
}
