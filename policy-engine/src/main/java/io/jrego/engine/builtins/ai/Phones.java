package io.jrego.engine.builtins.ai;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.ArrayList;
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
   * What libphonenumber made of a candidate.
   *
   * @param region the number's region
   * @param valid whether the number is valid (assigned ranges of the numbering plan), not only
   *     possible (a length the region's numbers can have)
   */
  record Match(String region, boolean valid) {}

  /** A number in international form: its country calling code and national significant number. */
  record Intl(int countryCode, String nsn) {
    /** The number as {@code parse} would have made it (no extension). */
    PhoneNumber toPhoneNumber() {
      PhoneNumber n = new PhoneNumber().setCountryCode(countryCode);
      if (nsn.length() > 1 && nsn.charAt(0) == '0') {
        n.setItalianLeadingZero(true);
        int zeros = 1;
        while (zeros < nsn.length() - 1 && nsn.charAt(zeros) == '0') {
          zeros++;
        }
        if (zeros != 1) {
          n.setNumberOfLeadingZeros(zeros);
        }
      }
      return n.setNationalNumber(Long.parseLong(nsn));
    }
  }

  /**
   * The phone number a candidate is, or null: a valid number, or failing that a possible one.
   * Numbers written without {@code +} must also be written as their country writes them (see {@link
   * #fits}) or in even groups of two to four digits.
   *
   * @param text the candidate as written (digits, separators, a leading {@code +})
   * @param international whether it starts with {@code +} or {@code 00}
   * @param groups the digit groups as written (separators removed)
   * @param regions regions to try for a national number, in order
   */
  static Match match(
      String text, boolean international, List<String> groups, List<String> regions) {
    if (international) {
      boolean plus = text.startsWith("+") || text.startsWith("(+");
      Intl n = international(text);
      if (n == null) {
        return null;
      }
      String main = PhonePlans.mainRegion(n.countryCode());
      boolean nonGeographic = PhonePlans.NON_GEOGRAPHIC.equals(main);
      if (nonGeographic
          ? !UTIL.isPossibleNumber(n.toPhoneNumber())
          : !PhonePlans.of(main).isPossible(n.nsn().length())) {
        return null;
      }
      List<String> rest = afterCountryCode(groups, String.valueOf(n.countryCode()));
      if (rest == null) {
        return null;
      }
      // Written with "+", the number needs no grouping check, so it is not formatted at all.
      if (!plus && !evenGroups(rest)) {
        List<String> written =
            groupsOf(
                UTIL.format(n.toPhoneNumber(), PhoneNumberUtil.PhoneNumberFormat.INTERNATIONAL));
        if (!fits(rest, written.subList(1, written.size()))) {
          return null;
        }
      }
      // isValidNumber is isValidNumberForRegion for the number's region, both answered by the
      // regions' plans (a country code shared by many regions, such as +1, tries each in turn)
      String nsn = n.nsn();
      String region = PhonePlans.regionOf(n.countryCode(), nsn);
      if (region == null) {
        return new Match("ZZ", false);
      }
      boolean valid =
          PhonePlans.NON_GEOGRAPHIC.equals(region)
              ? UTIL.isValidNumberForRegion(n.toPhoneNumber(), region)
              : PhonePlans.of(region).isValid(nsn);
      return new Match(region, valid);
    }
    String digits = digits(text);
    PhonePlans.Groups formatted = new PhonePlans.Groups();
    PhonePlans.Plan[] plans = PhonePlans.of(regions);
    // The answer is the first region where the number is valid and written as that region writes
    // it, else the first where it is possible and so written. Formatting is what costs, so regions
    // where it is only possible are formatted after the valid ones, and only when none of those
    // is the answer.
    String[] possibleNsn = null;
    for (int i = 0; i < plans.length; i++) {
      PhonePlans.Plan plan = plans[i];
      // The national number is taken from the digits rather than parsed: parsing (extensions,
      // punctuation, vanity letters) is what a scan would otherwise spend most of its time on.
      String nsn = plan.nationalNumber(digits);
      if (nsn == null || moreGroupsThanWritten(plan, nsn, digits, groups)) {
        continue; // never written as this region writes it, valid or not
      }
      if (!plan.isValid(nsn)) {
        if (possibleNsn == null) {
          possibleNsn = new String[plans.length];
        }
        possibleNsn[i] = nsn;
      } else if (writtenAs(plan, nsn, digits, groups, formatted)) {
        return new Match(plan.region(), true);
      }
    }
    for (int i = 0; possibleNsn != null && i < plans.length; i++) {
      if (possibleNsn[i] != null
          && writtenAs(plans[i], possibleNsn[i], digits, groups, formatted)) {
        return new Match(plans[i].region(), false);
      }
    }
    return null;
  }

  /**
   * Whether {@code digits}, written in {@code groups}, are national number {@code nsn} as {@code
   * plan}'s region writes it: in full, and grouped as its format groups it or in even groups.
   *
   * <p>In full: the digits as written are the number's national form (with the trunk prefix where
   * the region dials one: {@code 0191 496 0377}, not {@code 191 496 0377}), or for NANP numbers the
   * country code and national number ({@code 1 212 555 0147}). libphonenumber accepts a national
   * number without its trunk prefix, which would make most nine-digit numbers valid in France.
   *
   * <p>The number is formatted only when the plan's tables cannot tell whether it is written in
   * full ({@link PhonePlans.Plan#nationalDigitsAre}), or when it is, its groups are not even and
   * are no more than the format's runs of digits ({@link PhonePlans.Plan#nationalRunsAtMost}): most
   * regions tried are ruled out before (a trunk prefix the candidate was written without, more
   * groups than the region's format has).
   */
  private static boolean writtenAs(
      PhonePlans.Plan plan,
      String nsn,
      String digits,
      List<String> groups,
      PhonePlans.Groups formatted) {
    List<String> g = written(plan, digits, groups);
    boolean even = evenGroups(g);
    // the format is chosen once for the three questions below
    PhonePlans.Format format = plan.formatFor(nsn);
    int inFull = plan.nationalDigitsAre(format, nsn, digits);
    boolean done = inFull < 0;
    if (done) {
      plan.nationalGroups(format, nsn, formatted);
      inFull = sameDigits(formatted.digits, digits) ? 1 : 0;
    }
    if (inFull == 0 && !nanpInFull(plan.countryCode(), nsn, digits)) {
      return false;
    }
    if (even) {
      return true;
    }
    if (!done) {
      int runs = PhonePlans.Plan.nationalRunsAtMost(format);
      if (runs >= 0 && g.size() > runs) {
        return false; // more groups than the format writes: no group can be one or more of its
      }
      plan.nationalGroups(format, nsn, formatted);
    }
    return fits(g, formatted);
  }

  /** The groups {@link #writtenAs} compares with {@code plan}'s format: a NANP "1" left out. */
  private static List<String> written(PhonePlans.Plan plan, String digits, List<String> groups) {
    return plan.countryCode() == 1 && groups.get(0).equals("1") && !digits.startsWith("0")
        ? groups.subList(1, groups.size())
        : groups;
  }

  /**
   * Whether the candidate, not in even groups, is written in more groups than any format {@code
   * plan} may choose for {@code nsn} writes ({@link PhonePlans.Plan#runsAtMost}): then no group can
   * be one or more of the format's, whatever the format, and {@link #writtenAs} is false. Asked
   * before the region's validity and format: on a PII-dense body a third of the regions tried end
   * here (ISBNs, dates with serials, coordinates).
   */
  private static boolean moreGroupsThanWritten(
      PhonePlans.Plan plan, String nsn, String digits, List<String> groups) {
    List<String> g = written(plan, digits, groups);
    if (evenGroups(g)) {
      return false;
    }
    int most = plan.runsAtMost(nsn);
    return most >= 0 && g.size() > most;
  }

  /** Three or more groups of two to four digits ({@code 983 491 331}, {@code 06 12 34 56 78}). */
  private static boolean evenGroups(List<String> groups) {
    if (groups.size() < 3) {
      return false;
    }
    for (String g : groups) {
      if (g.length() < 2 || g.length() > 4) {
        return false;
      }
    }
    return true;
  }

  /**
   * The groups after the country code ({@code 0049}, {@code 49}, or glued to the first group), and
   * after a {@code (0)} trunk prefix written in brackets; null when the code is not there.
   */
  private static List<String> afterCountryCode(List<String> groups, String cc) {
    List<String> g = new ArrayList<>(groups);
    String first = g.get(0);
    if (first.startsWith("00")) {
      first = first.substring(2);
    }
    if (!first.startsWith(cc)) {
      return null;
    }
    first = first.substring(cc.length());
    if (first.isEmpty()) {
      g.remove(0);
    } else {
      g.set(0, first);
    }
    if (!g.isEmpty() && g.get(0).equals("0")) {
      g.remove(0);
    }
    return g;
  }

  /**
   * Whether every written group is one or more consecutive groups of the number as its country
   * formats it ({@code 0114 4960123} fits {@code 0114 496 0123}; {@code 2024-000123} does not fit
   * {@code (202) 400-0123}): libphonenumber's "strict grouping", which keeps dates, order numbers
   * and other digit runs that happen to be valid numbers from counting as phone numbers.
   */
  static boolean fits(List<String> written, List<String> formatted) {
    int k = 0;
    for (String w : written) {
      StringBuilder joined = new StringBuilder();
      while (k < formatted.size() && joined.length() < w.length()) {
        joined.append(formatted.get(k++));
      }
      if (!joined.toString().equals(w)) {
        return false;
      }
    }
    return k == formatted.size();
  }

  /** {@link #fits} against the groups of a national format, compared in place. */
  static boolean fits(List<String> written, PhonePlans.Groups formatted) {
    CharSequence d = formatted.digits;
    int k = 0;
    int pos = 0;
    for (String w : written) {
      int from = pos;
      while (k < formatted.count && pos - from < w.length()) {
        pos = formatted.ends[k++];
      }
      if (pos - from != w.length()) {
        return false;
      }
      for (int i = 0; i < w.length(); i++) {
        if (d.charAt(from + i) != w.charAt(i)) {
          return false;
        }
      }
    }
    return k == formatted.count;
  }

  private static List<String> groupsOf(String formatted) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < formatted.length(); i++) {
      char c = formatted.charAt(i);
      if (Character.isDigit(c)) {
        cur.append(c);
      } else if (cur.length() > 0) {
        out.add(cur.toString());
        cur.setLength(0);
      }
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /**
   * For NANP numbers, whether {@code digits} are the country code and national number ({@code 1 212
   * 555 0147}): the other way a number is written in full (see {@link #writtenAs}).
   */
  private static boolean nanpInFull(int cc, String nsn, String digits) {
    return cc == 1
        && digits.length() == nsn.length() + 1
        && digits.charAt(0) == '1'
        && digits.endsWith(nsn);
  }

  /**
   * Whether the digits of {@code s}, as ASCII, are {@code digits}; {@link #digits} without a copy.
   */
  private static boolean sameDigits(CharSequence s, String digits) {
    int k = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isDigit(c)) {
        if (k == digits.length() || digits.charAt(k) != Chars.asciiDigit(c)) {
          return false;
        }
        k++;
      }
    }
    return k == digits.length();
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

  /**
   * The calling code and national significant number of a candidate written with {@code +} or
   * {@code 00}: what {@code PhoneNumberUtil.parse} makes of it ({@code 00} read as {@code +}, no
   * default region), null where parse fails. Written the usual way (ASCII digits, spaces, dashes,
   * dots, slashes and brackets after a {@code +}), the candidate is read with the plans' own tables
   * ({@link PhonePlans#international}), which give parse's answer without its regular expressions;
   * anything else, and the non-geographic codes, still goes through parse. {@code
   * PhonesInternationalTest} compares the two on many candidates.
   */
  static Intl international(String text) {
    String t = text.startsWith("00") ? "+" + text.substring(2) : text;
    int plus = 0;
    while (plus < t.length() && t.charAt(plus) == '(') {
      plus++;
    }
    String digits = plus < t.length() && t.charAt(plus) == '+' ? plainDigits(t, plus + 1) : null;
    Intl n = digits == null ? PhonePlans.ASK_PARSE : PhonePlans.international(digits);
    if (n == null || n.countryCode() > 0) {
      return n;
    }
    PhoneNumber parsed = parse(t, "ZZ");
    return parsed == null
        ? null
        : new Intl(parsed.getCountryCode(), UTIL.getNationalSignificantNumber(parsed));
  }

  /**
   * The digits of {@code t} from {@code from}, when everything from there is ASCII digits and
   * {@code ' ', '-', '.', '/', '(', ')'} (all of them punctuation parse skips, none of them the
   * start of an extension) ending in a digit, and the whole is short enough for parse; else null.
   */
  private static String plainDigits(String t, int from) {
    if (t.length() > 250 || from >= t.length() || !Chars.isAsciiDigit(t.charAt(t.length() - 1))) {
      return null;
    }
    StringBuilder b = new StringBuilder(t.length() - from);
    for (int i = from; i < t.length(); i++) {
      char c = t.charAt(i);
      if (Chars.isAsciiDigit(c)) {
        b.append(c);
      } else if (c != ' ' && c != '-' && c != '.' && c != '/' && c != '(' && c != ')') {
        return null;
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
