package io.jrego.engine.builtins.ai;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonemetadata.NumberFormat;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A region's numbering plan with its patterns compiled once: the validity check and the national
 * format that {@code PhoneNumberUtil.isValidNumberForRegion} and {@code format(n, NATIONAL)} give,
 * without their per-call metadata lookup and their shared cache of 100 compiled patterns, which a
 * scan across a dozen regions keeps evicting (recompiling was about a tenth of a PII-dense scan).
 * The rules are libphonenumber's, applied to its own metadata; {@code PhonePlansTest} holds the
 * answers to the library's on every region the scanner tries.
 */
final class PhonePlans {

  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
  private static final Pattern FIRST_GROUP = Pattern.compile("(\\$\\d)");
  private static final Map<String, Plan> PLANS = new ConcurrentHashMap<>();

  private PhonePlans() {}

  /** The plan of {@code region} (an ISO 3166 code libphonenumber knows), compiled on first use. */
  static Plan of(String region) {
    return PLANS.computeIfAbsent(region, PhonePlans::compile);
  }

  /**
   * One numbering plan: which national numbers are possible and valid, and how the country writes
   * them. Every method takes the national significant number as a string of ASCII digits.
   */
  static final class Plan {
    private final int countryCode;
    private final String trunk;
    private final boolean[] possible;
    private final Desc general;
    private final List<Desc> types;
    private final Format[] formats;
    private final Format[][] formatsByPrefix;

    private Plan(
        int countryCode,
        String trunk,
        boolean[] possible,
        Desc general,
        List<Desc> types,
        List<Format> formats) {
      this.countryCode = countryCode;
      this.trunk = trunk;
      this.possible = possible;
      this.general = general;
      this.types = types;
      this.formats = formats.toArray(Format[]::new);
      // Formats whose patterns cannot match a number starting with these two digits are left
      // out: a region such as DE has dozens of formats, most of which a number's prefix rules out.
      this.formatsByPrefix = new Format[100][];
      for (int p = 0; p < 100; p++) {
        String prefix = twoDigits(p);
        formatsByPrefix[p] = formats.stream().filter(f -> f.mayLead(prefix)).toArray(Format[]::new);
      }
    }

    int countryCode() {
      return countryCode;
    }

    /**
     * Same answer as {@code isPossibleNumber} for a number of this plan's country code and a
     * national number of {@code length} digits (libphonenumber decides it on the length alone).
     */
    boolean isPossible(int length) {
      return length < possible.length && possible[length];
    }

    /**
     * The national significant number {@code digits} stands for as dialled within the region: the
     * trunk prefix (0 in most of Europe, 1 in North America) dropped when written and what is left
     * has a possible length, else the digits themselves when they do; null when neither.
     */
    String nationalNumber(String digits) {
      if (digits.length() > 17) {
        return null;
      }
      if (trunk != null
          && !trunk.isEmpty()
          && digits.length() > trunk.length()
          && digits.startsWith(trunk)
          && isPossible(digits.length() - trunk.length())) {
        return digits.substring(trunk.length());
      }
      return isPossible(digits.length()) ? digits : null;
    }

    /**
     * Same answer as {@code isValidNumberForRegion} for this plan's country code and {@code nsn}.
     */
    boolean isValid(String nsn) {
      int prefix = prefixOf(nsn);
      if (!general.matches(nsn, prefix)) {
        return false;
      }
      for (Desc d : types) {
        if (d.matches(nsn, prefix)) {
          return true;
        }
      }
      return false;
    }

    /** Same text as {@code format(n, NATIONAL)} for this plan's country code and {@code nsn}. */
    String national(String nsn) {
      int prefix = prefixOf(nsn);
      for (Format f : prefix < 0 ? formats : formatsByPrefix[prefix]) {
        if (f.leading == null || f.leading.matcher(nsn).lookingAt()) {
          Matcher m = f.pattern.matcher(nsn);
          if (m.matches()) {
            return m.replaceAll(f.rule);
          }
        }
      }
      return nsn;
    }
  }

  /** The first two digits of {@code nsn} as a number 0-99, or -1 when it is shorter. */
  private static int prefixOf(String nsn) {
    return nsn.length() < 2 ? -1 : (nsn.charAt(0) - '0') * 10 + nsn.charAt(1) - '0';
  }

  private static String twoDigits(int p) {
    return String.valueOf((char) ('0' + p / 10)) + (char) ('0' + p % 10);
  }

  /**
   * Whether a regex run on {@code prefix} alone leaves open a match on a longer input that starts
   * with it: it matched, or it read to the end of the prefix before failing. When it failed without
   * reading to the end, the prefix decided the failure, so no input that starts with it can match.
   * This lets a plan skip patterns by a number's first two digits.
   */
  private static boolean mayMatch(Matcher m, boolean whole) {
    boolean matched = whole ? m.matches() : m.lookingAt();
    return matched || m.hitEnd();
  }

  /**
   * A number type's lengths and pattern; {@code low}/{@code high}: the two-digit starts (bits 0-63,
   * 64-99) it can match.
   */
  private record Desc(Set<Integer> lengths, Pattern pattern, long low, long high) {
    static Desc of(PhoneNumberDesc d) {
      String p = d.getNationalNumberPattern();
      Pattern pattern = p.isEmpty() ? null : Pattern.compile(p);
      long low = 0;
      long high = 0;
      for (int i = 0; pattern != null && i < 100; i++) {
        if (mayMatch(pattern.matcher(twoDigits(i)), true)) {
          if (i < 64) {
            low |= 1L << i;
          } else {
            high |= 1L << (i - 64);
          }
        }
      }
      return new Desc(Set.copyOf(d.getPossibleLengthList()), pattern, low, high);
    }

    /** Whether {@code nsn}, whose first two digits are {@code prefix} (-1: too short), matches. */
    boolean matches(String nsn, int prefix) {
      if (!lengths.isEmpty() && !lengths.contains(nsn.length())) {
        return false;
      }
      if (pattern == null || (prefix >= 0 && !canStartWith(prefix))) {
        return false;
      }
      return pattern.matcher(nsn).matches();
    }

    private boolean canStartWith(int prefix) {
      return prefix < 64 ? (low & (1L << prefix)) != 0 : (high & (1L << (prefix - 64))) != 0;
    }
  }

  /** A national format: the last (most detailed) leading-digits pattern, the pattern, the rule. */
  private record Format(Pattern leading, Pattern pattern, String rule) {
    static Format of(NumberFormat f) {
      int n = f.getLeadingDigitsPatternCount();
      String npRule = f.getNationalPrefixFormattingRule();
      String rule =
          npRule != null && !npRule.isEmpty()
              ? FIRST_GROUP.matcher(f.getFormat()).replaceFirst(npRule)
              : f.getFormat();
      return new Format(
          n == 0 ? null : Pattern.compile(f.getLeadingDigitsPattern(n - 1)),
          Pattern.compile(f.getPattern()),
          rule);
    }

    /** Whether this format can apply to a number starting with the two digits {@code prefix}. */
    boolean mayLead(String prefix) {
      return (leading == null || mayMatch(leading.matcher(prefix), false))
          && mayMatch(pattern.matcher(prefix), true);
    }
  }

  private static Plan compile(String region) {
    var source = DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();
    PhoneMetadata m = source.getMetadataForRegion(region);
    if (m == null) {
      throw new IllegalArgumentException("no phone metadata for region " + region);
    }
    List<Desc> types = new ArrayList<>();
    for (PhoneNumberDesc d :
        List.of(
            m.getPremiumRate(),
            m.getTollFree(),
            m.getSharedCost(),
            m.getVoip(),
            m.getPersonalNumber(),
            m.getPager(),
            m.getUan(),
            m.getVoicemail(),
            m.getFixedLine())) {
      types.add(Desc.of(d));
    }
    if (!m.getSameMobileAndFixedLinePattern()) {
      types.add(Desc.of(m.getMobile()));
    }
    // Formatting uses the metadata of the calling code's main region (NANP formats live in US).
    PhoneMetadata main =
        source.getMetadataForRegion(UTIL.getRegionCodeForCountryCode(m.getCountryCode()));
    List<Format> formats = new ArrayList<>();
    for (NumberFormat f : main.getNumberFormatList()) {
      formats.add(Format.of(f));
    }
    int cc = m.getCountryCode();
    boolean[] possible = new boolean[18];
    for (int length = 1; length < possible.length; length++) {
      // libphonenumber decides possibility on the country code and the length alone
      possible[length] =
          UTIL.isPossibleNumber(
              new PhoneNumber()
                  .setCountryCode(cc)
                  .setNationalNumber(Long.parseLong("5".repeat(length))));
    }
    return new Plan(
        cc,
        UTIL.getNddPrefixForRegion(region, true),
        possible,
        Desc.of(m.getGeneralDesc()),
        List.copyOf(types),
        List.copyOf(formats));
  }
}
