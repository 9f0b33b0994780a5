package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonemetadata.NumberFormat;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Pattern;
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
    PhonePlans.Groups groups = new PhonePlans.Groups();
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
        String national = UTIL.format(n, PhoneNumberFormat.NATIONAL);
        assertThat(plan.national(nsn)).as("%s %s national format", region, nsn).isEqualTo(national);
        plan.nationalGroups(nsn, groups);
        assertThat(runs(groups))
            .as("%s %s national format's digit groups", region, nsn)
            .isEqualTo(digitRuns(national));
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
   * {@code nationalDigitsAre}, which tells from the tables alone whether a candidate's digits are a
   * number's national format (the scan's test before it formats), answers as the format does, where
   * it answers: on every region's samples, asked with the format's own digits, the number alone,
   * and the number after a 0, after the region's trunk prefix and after a 1.
   */
  @Test
  void nationalDigitsAreAnswersAsTheNationalFormat() {
    Random random = new Random(20261207);
    int told = 0;
    int yes = 0;
    int asked = 0;
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      PhonePlans.Plan plan = PhonePlans.of(region);
      int cc = UTIL.getCountryCodeForRegion(region);
      String trunk = UTIL.getNddPrefixForRegion(region, true);
      for (String nsn : samples(region, random)) {
        String national =
            String.join("", digitRuns(UTIL.format(build(cc, nsn), PhoneNumberFormat.NATIONAL)));
        for (String digits :
            List.of(national, nsn, "0" + nsn, (trunk == null ? "" : trunk) + nsn, "1" + nsn)) {
          int answer = plan.nationalDigitsAre(nsn, digits);
          asked++;
          if (answer >= 0) {
            assertThat(answer == 1)
                .as("%s %s national digits %s are %s", region, nsn, national, digits)
                .isEqualTo(digits.equals(national));
            told++;
            yes += answer;
          }
        }
      }
    }
    // the tables tell nearly always, so the scan seldom formats to find out
    assertThat(told).isGreaterThan(asked * 9 / 10);
    assertThat(yes).isGreaterThan(20_000);
    assertThat(told - yes).isGreaterThan(50_000);
  }

  /**
   * {@code nationalRunsAtMost}, the scan's other test before it formats, is never below the runs of
   * digits of the national format, and on most samples equals them.
   */
  @Test
  void nationalRunsAtMostBoundsTheNationalFormatsRuns() {
    Random random = new Random(20261208);
    int asked = 0;
    int told = 0;
    int exact = 0;
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      PhonePlans.Plan plan = PhonePlans.of(region);
      int cc = UTIL.getCountryCodeForRegion(region);
      for (String nsn : samples(region, random)) {
        int runs = digitRuns(UTIL.format(build(cc, nsn), PhoneNumberFormat.NATIONAL)).size();
        int atMost = plan.nationalRunsAtMost(nsn);
        asked++;
        if (atMost >= 0) {
          assertThat(atMost)
              .as("%s %s runs of its national format", region, nsn)
              .isGreaterThanOrEqualTo(runs);
          told++;
          exact += atMost == runs ? 1 : 0;
        }
      }
    }
    assertThat(told).isGreaterThan(asked * 9 / 10);
    assertThat(exact).isGreaterThan(told * 9 / 10);
  }

  /**
   * {@code runsAtMost}, asked before any format is chosen, is never below the runs of digits of the
   * national format, whatever format applies, for every region's samples.
   */
  @Test
  void runsAtMostBoundsTheNationalFormatsRunsBeforeAFormatIsChosen() {
    Random random = new Random(20261209);
    int asked = 0;
    int told = 0;
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      PhonePlans.Plan plan = PhonePlans.of(region);
      int cc = UTIL.getCountryCodeForRegion(region);
      for (String nsn : samples(region, random)) {
        int runs = digitRuns(UTIL.format(build(cc, nsn), PhoneNumberFormat.NATIONAL)).size();
        int atMost = plan.runsAtMost(nsn);
        asked++;
        if (atMost >= 0) {
          assertThat(atMost)
              .as("%s %s runs of its national format", region, nsn)
              .isGreaterThanOrEqualTo(runs)
              .isGreaterThanOrEqualTo(plan.nationalRunsAtMost(nsn));
          told++;
        }
      }
    }
    assertThat(told).isGreaterThan(asked * 9 / 10);
  }

  /**
   * {@code mayBeValid}, read from a number's length and first two digits alone, is never false
   * where libphonenumber finds the number valid for the region, in every region; and it rules out
   * numbers before any pattern is asked.
   */
  @Test
  void mayBeValidHoldsEveryValidNumber() {
    Random random = new Random(20261207);
    int valid = 0;
    int ruledOut = 0;
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      PhonePlans.Plan plan = PhonePlans.of(region);
      int cc = UTIL.getCountryCodeForRegion(region);
      for (String nsn : samples(region, random)) {
        if (UTIL.isValidNumberForRegion(build(cc, nsn), region)) {
          valid++;
          assertThat(plan.mayBeValid(nsn)).as("%s %s may be valid", region, nsn).isTrue();
        } else if (!plan.mayBeValid(nsn)) {
          ruledOut++;
        }
      }
    }
    assertThat(valid).isGreaterThan(10_000);
    assertThat(ruledOut).isGreaterThan(10_000);
  }

  @Test
  void regionOfANumberIsLibphonenumbers() {
    Random random = new Random(20261206);
    int shared = 0;
    for (int cc : new TreeSet<>(UTIL.getSupportedCallingCodes())) {
      List<String> regions = UTIL.getRegionCodesForCountryCode(cc);
      List<String> samples = new ArrayList<>();
      for (String region : regions) {
        if (!region.equals(PhonePlans.NON_GEOGRAPHIC)) {
          samples.addAll(samples(region, random));
        }
      }
      for (int length = 4; length <= 14; length++) {
        samples.add(digits(random, length));
      }
      for (String nsn : samples) {
        PhoneNumber n = build(cc, nsn);
        String expected = UTIL.getRegionCodeForNumber(n);
        String region = PhonePlans.regionOf(cc, nsn);
        assertThat(region).as("+%d %s region", cc, nsn).isEqualTo(expected);
        if (region != null && !region.equals(PhonePlans.NON_GEOGRAPHIC)) {
          assertThat(PhonePlans.of(region).isValid(nsn))
              .as("+%d %s valid in %s", cc, nsn, region)
              .isEqualTo(UTIL.isValidNumberForRegion(n, region));
        }
        shared += regions.size() > 1 ? 1 : 0;
      }
    }
    // country codes shared by several regions (+1, +7, +44, ...) are where the answer is worked for
    assertThat(shared).isGreaterThan(10_000);
  }

  /**
   * Every digit pattern of every region's metadata that the plans ask (number types, formats,
   * leading digits) has a table in {@code phone-tables.txt}, and the table gives the same answer as
   * {@code java.util.regex}: {@code matches}, or {@code lookingAt} for leading digits, on the
   * region's samples and on random strings that start like the pattern's own matches.
   */
  @Test
  void digitTablesAnswerAsTheirPatterns() {
    Random random = new Random(20261206);
    var source = DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();
    int patterns = 0;
    int matched = 0;
    int checked = 0;
    int lengthsRuledOut = 0;
    for (String region : new TreeSet<>(UTIL.getSupportedRegions())) {
      PhoneMetadata m = source.getMetadataForRegion(region);
      List<String> whole = new ArrayList<>();
      for (PhoneNumberDesc d : PhoneTablesGenerator.descs(m)) {
        if (!d.getNationalNumberPattern().isEmpty()) {
          whole.add(d.getNationalNumberPattern());
        }
      }
      List<String> leading = new ArrayList<>();
      for (NumberFormat f : m.getNumberFormatList()) {
        whole.add(f.getPattern());
        // the plans ask only a format's last (most detailed) leading-digits pattern
        int n = f.getLeadingDigitsPatternCount();
        if (n > 0) {
          leading.add(f.getLeadingDigitsPattern(n - 1));
        }
      }
      if (m.hasLeadingDigits()) {
        leading.add(m.getLeadingDigits());
      }
      List<String> samples = samples(region, random);
      for (boolean prefix : new boolean[] {false, true}) {
        for (String p : prefix ? leading : whole) {
          Pattern pattern = Pattern.compile(p);
          PhonePlans.Digits table = PhonePlans.Digits.of(p, prefix);
          assertThat(table.isTable()).as("%s /%s/ in phone-tables.txt", region, p).isTrue();
          List<String> inputs = new ArrayList<>(samples);
          // strings that start as matches start, so that both answers come up
          for (String sample : samples) {
            var mt = pattern.matcher(sample);
            if (prefix ? mt.lookingAt() : mt.matches()) {
              int keep = random.nextInt(sample.length() + 1);
              inputs.add(sample.substring(0, keep) + digits(random, random.nextInt(6)));
            }
          }
          inputs.add("");
          for (String in : inputs) {
            var mt = pattern.matcher(in);
            boolean expected = prefix ? mt.lookingAt() : mt.matches();
            assertThat(table.matches(in)).as("%s /%s/ on %s", region, p, in).isEqualTo(expected);
            if (in.length() >= 2) {
              // the plans skip a pattern by a number's first two digits when no match starts so
              String start = in.substring(0, 2);
              if (expected) {
                assertThat(table.mayStartWith(start))
                    .as("%s /%s/ starts %s", region, p, start)
                    .isTrue();
              }
              // and a format by the two digits and the number's length
              boolean mayMatch = table.mayMatch(Integer.parseInt(start), in.length());
              if (!prefix && expected) {
                assertThat(mayMatch).as("%s /%s/ may match %s", region, p, in).isTrue();
              }
              lengthsRuledOut += !prefix && !mayMatch ? 1 : 0;
            }
            matched += expected ? 1 : 0;
            checked++;
          }
          patterns++;
        }
      }
    }
    assertThat(patterns).isGreaterThan(2_500);
    // both answers come up often (about 240,000 matches in 1,000,000 strings)
    assertThat(matched).isGreaterThan(100_000);
    assertThat(checked - matched).isGreaterThan(500_000);
    assertThat(lengthsRuledOut)
        .as("strings ruled out by two digits and length")
        .isGreaterThan(100_000);
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

  /** The groups as strings. */
  private static List<String> runs(PhonePlans.Groups groups) {
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int k = 0; k < groups.count; k++) {
      out.add(groups.digits.substring(from, groups.ends[k]));
      from = groups.ends[k];
    }
    return out;
  }

  /** The runs of digits of {@code s}. */
  private static List<String> digitRuns(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder run = new StringBuilder();
    for (int i = 0; i <= s.length(); i++) {
      if (i < s.length() && Character.isDigit(s.charAt(i))) {
        run.append(s.charAt(i));
      } else if (run.length() > 0) {
        out.add(run.toString());
        run.setLength(0);
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
