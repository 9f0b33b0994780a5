package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@link PhonePlans} gives libphonenumber's own answers, in every region it has metadata for: the
 * plans skip patterns by a number's first two digits, so the samples cover every prefix.
 */
class PhonePlansTest {

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

  @Test
  void validityAndNationalFormatAreLibphonenumbers() {
    Random random = new Random(20261205);
    int valid = 0;
    int checked = 0;
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      PhonePlans.Plan plan = PhonePlans.of(region);
      int cc = UTIL.getCountryCodeForRegion(region);
      for (String nsn : samples(region, random)) {
        PhoneNumber n = build(cc, nsn);
        boolean expected = UTIL.isValidNumberForRegion(n, region);
        assertThat(plan.isValid(nsn)).as("%s %s valid", region, nsn).isEqualTo(expected);
        assertThat(plan.isPossible(nsn.length()))
            .as("%s %s possible", region, nsn)
            .isEqualTo(UTIL.isPossibleNumber(n));
        assertThat(plan.national(nsn))
            .as("%s %s national format", region, nsn)
            .isEqualTo(UTIL.format(n, PhoneNumberFormat.NATIONAL));
        valid += expected ? 1 : 0;
        checked++;
      }
      assertThat(plan.countryCode()).isEqualTo(cc);
    }
    // The samples reach both answers often enough for the comparison to mean something.
    assertThat(valid).isGreaterThan(2_000);
    assertThat(checked - valid).isGreaterThan(20_000);
  }

  /**
   * Each type's example number, the same with its last digits changed, with a leading zero, and
   * random digit runs of every length a national number can have.
   */
  private static List<String> samples(String region, Random random) {
    List<String> out = new ArrayList<>();
    for (PhoneNumberType type : PhoneNumberType.values()) {
      PhoneNumber example = UTIL.getExampleNumberForType(region, type);
      if (example == null) {
        continue;
      }
      String nsn = UTIL.getNationalSignificantNumber(example);
      out.add(nsn);
      out.add("0" + nsn);
      out.add(nsn.substring(0, nsn.length() - 1));
      out.add(nsn + random.nextInt(10));
      for (int i = 0; i < 8; i++) {
        int keep = Math.max(1, nsn.length() - 1 - random.nextInt(Math.min(4, nsn.length())));
        out.add(nsn.substring(0, keep) + digits(random, nsn.length() - keep));
      }
    }
    for (int length = 1; length <= 17; length++) {
      for (int i = 0; i < 6; i++) {
        out.add(digits(random, length));
      }
    }
    // every two-digit start, with a length the region's numbers often have
    int usual = UTIL.getNationalSignificantNumber(UTIL.getExampleNumber(region)).length();
    for (int p = 0; p < 100; p++) {
      out.add(String.format("%02d", p) + digits(random, Math.max(0, usual - 2)));
    }
    return out;
  }

  private static String digits(Random random, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append((char) ('0' + random.nextInt(10)));
    }
    return b.toString();
  }

  /** A number as the scanner builds one: leading zeros kept as libphonenumber keeps them. */
  private static PhoneNumber build(int cc, String nsn) {
    PhoneNumber n = new PhoneNumber().setCountryCode(cc).setNationalNumber(Long.parseLong(nsn));
    int zeros = 0;
    while (zeros < nsn.length() - 1 && nsn.charAt(zeros) == '0') {
      zeros++;
    }
    if (zeros > 0) {
      n.setItalianLeadingZero(true).setNumberOfLeadingZeros(zeros);
    }
    return n;
  }
}
