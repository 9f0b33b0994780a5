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

  /** One numbering plan: what makes a national number valid, and how the country writes it. */
  static final class Plan {
    private final int countryCode;
    private final Desc general;
    private final List<Desc> types;
    private final List<Format> formats;

    private Plan(int countryCode, Desc general, List<Desc> types, List<Format> formats) {
      this.countryCode = countryCode;
      this.general = general;
      this.types = types;
      this.formats = formats;
    }

    /** Same answer as {@code isValidNumberForRegion(n, region)}. */
    boolean isValid(PhoneNumber n) {
      if (n.getCountryCode() != countryCode) {
        return false;
      }
      String nsn = UTIL.getNationalSignificantNumber(n);
      if (!general.matches(nsn)) {
        return false;
      }
      for (Desc d : types) {
        if (d.matches(nsn)) {
          return true;
        }
      }
      return false;
    }

    /** Same text as {@code format(n, NATIONAL)} for a number of this plan's country code. */
    String national(PhoneNumber n) {
      String nsn = UTIL.getNationalSignificantNumber(n);
      for (Format f : formats) {
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

  private record Desc(Set<Integer> lengths, Pattern pattern) {
    static Desc of(PhoneNumberDesc d) {
      String p = d.getNationalNumberPattern();
      return new Desc(
          Set.copyOf(d.getPossibleLengthList()), p.isEmpty() ? null : Pattern.compile(p));
    }

    boolean matches(String nsn) {
      if (!lengths.isEmpty() && !lengths.contains(nsn.length())) {
        return false;
      }
      return pattern != null && pattern.matcher(nsn).matches();
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
    return new Plan(
        m.getCountryCode(), Desc.of(m.getGeneralDesc()), List.copyOf(types), List.copyOf(formats));
  }
}
