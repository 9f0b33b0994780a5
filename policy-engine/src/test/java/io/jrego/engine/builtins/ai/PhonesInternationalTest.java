package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link Phones#international} gives what libphonenumber's {@code parse(text, "ZZ")} gives for a
 * candidate written with {@code +} or {@code 00}: the same calling code and national significant
 * number, or nothing where parse fails. The candidates are every region's example numbers written
 * as people write them (with and without the trunk prefix, in brackets, grouped and not), random
 * digits after every calling code, and random digit strings after a plus.
 */
class PhonesInternationalTest {

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
  private static final String[] SEPARATORS = {"", " ", "-", ".", "/", " - ", ") ", "(", " ("};

  @Test
  void internationalCandidatesReadAsParseReadsThem() {
    Random random = new Random(20261206);
    List<String> candidates = new ArrayList<>();
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      int cc = UTIL.getCountryCodeForRegion(region);
      String trunk = UTIL.getNddPrefixForRegion(region, true);
      for (PhoneNumberType type : PhoneNumberType.values()) {
        PhoneNumber example = UTIL.getExampleNumberForType(region, type);
        if (example == null) {
          continue;
        }
        String nsn = UTIL.getNationalSignificantNumber(example);
        candidates.add(UTIL.format(example, PhoneNumberFormat.INTERNATIONAL));
        candidates.add(UTIL.format(example, PhoneNumberFormat.E164));
        candidates.add("00" + cc + " " + UTIL.format(example, PhoneNumberFormat.NATIONAL));
        candidates.add("+" + cc + " (" + trunk + ") " + nsn);
        candidates.add("(+" + cc + ") " + trunk + nsn);
        candidates.add("+(" + cc + ")" + grouped(nsn, random));
        for (int k = 0; k < 8; k++) {
          candidates.add(
              (random.nextBoolean() ? "+" : "00") + cc + grouped(mutate(nsn, random), random));
        }
      }
    }
    for (int cc : new TreeSet<>(UTIL.getSupportedCallingCodes())) {
      for (int k = 0; k < 60; k++) {
        String national = digits(random, 1 + random.nextInt(17));
        candidates.add((k % 3 == 0 ? "00" : "+") + cc + grouped(national, random));
      }
    }
    for (int k = 0; k < 40_000; k++) {
      candidates.add(
          (k % 4 == 0 ? "00" : "+") + grouped(digits(random, 1 + random.nextInt(19)), random));
    }
    // Not the usual way: other digits and separators, which still go through parse.
    candidates.add("+４４ ２０ ７９４６ ０９５８");
    candidates.add("+44\u200920\u20097946\u20090958");
    candidates.add("(0044) 20 7946 0958");
    candidates.add("+800 1234 5678");
    candidates.add("+882 1234 5678 90");

    int parsed = 0;
    for (String c : candidates) {
      Phones.Intl expected = parse(c);
      assertThat(Phones.international(c)).as("%s", c).isEqualTo(expected);
      if (expected != null) {
        parsed++;
        // the number made from the two parts is the one parse made: formatting needs it
        assertThat(expected.toPhoneNumber()).as("%s", c).isEqualTo(parseNumber(c));
      }
    }
    // both answers are reached often enough for the comparison to mean something
    assertThat(parsed).isGreaterThan(20_000);
    assertThat(candidates.size() - parsed).isGreaterThan(10_000);
  }

  /** The candidate's digits in groups of one to five joined by assorted separators. */
  private static String grouped(String digits, Random random) {
    StringBuilder b = new StringBuilder(random.nextBoolean() ? " " : "");
    int i = 0;
    while (i < digits.length()) {
      int end = Math.min(digits.length(), i + 1 + random.nextInt(5));
      b.append(digits, i, end);
      if (end < digits.length()) {
        b.append(SEPARATORS[random.nextInt(SEPARATORS.length)]);
      }
      i = end;
    }
    return b.toString();
  }

  /** {@code nsn} with a digit changed, dropped, added, or a 0 put before it, or as it is. */
  private static String mutate(String nsn, Random random) {
    StringBuilder b = new StringBuilder(nsn);
    int at = random.nextInt(nsn.length());
    switch (random.nextInt(5)) {
      case 0 -> b.setCharAt(at, (char) ('0' + random.nextInt(10)));
      case 1 -> b.deleteCharAt(at);
      case 2 -> b.insert(at, (char) ('0' + random.nextInt(10)));
      case 3 -> b.insert(0, '0');
      default -> {}
    }
    return b.length() == 0 ? "0" : b.toString();
  }

  private static String digits(Random random, int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('0' + random.nextInt(10)));
    }
    return b.toString();
  }

  private static PhoneNumber parseNumber(String candidate) {
    String t = candidate.startsWith("00") ? "+" + candidate.substring(2) : candidate;
    try {
      return UTIL.parse(t, "ZZ");
    } catch (NumberParseException e) {
      return null;
    }
  }

  private static Phones.Intl parse(String candidate) {
    PhoneNumber n = parseNumber(candidate);
    return n == null
        ? null
        : new Phones.Intl(n.getCountryCode(), UTIL.getNationalSignificantNumber(n));
  }
}
