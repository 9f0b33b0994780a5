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

/** {@link PhonePlans} gives libphonenumber's own answers, in every region it has metadata for. */
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
        assertThat(plan.isValid(n)).as("%s %s valid", region, nsn).isEqualTo(expected);
        assertThat(plan.national(n))
            .as("%s %s national format", region, nsn)
            .isEqualTo(UTIL.format(n, PhoneNumberFormat.NATIONAL));
        valid += expected ? 1 : 0;
        checked++;
      }
      // Another country's code is never valid for this region.
      PhoneNumber other = build(cc == 44 ? 49 : 44, "2012345678");
      assertThat(plan.isValid(other)).isEqualTo(UTIL.isValidNumberForRegion(other, region));
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
    for (int length = 2; length <= 16; length++) {
      for (int i = 0; i < 6; i++) {
        out.add(digits(random, length));
      }
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
