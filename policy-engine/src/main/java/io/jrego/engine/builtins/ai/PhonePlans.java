package io.jrego.engine.builtins.ai;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.ValidationResult;
import com.google.i18n.phonenumbers.Phonemetadata.NumberFormat;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A region's numbering plan with its patterns compiled once: the validity check and the national
 * format that {@code PhoneNumberUtil.isValidNumberForRegion} and {@code format(n, NATIONAL)} give,
 * without their per-call metadata lookup and their shared cache of 100 compiled patterns, which a
 * scan across a dozen regions keeps evicting (recompiling was about a tenth of a PII-dense scan).
 * The patterns are asked as DFA tables ({@link Digits}); java.util.regex only splits a number into
 * its format's groups. The rules are libphonenumber's, applied to its own metadata; {@code
 * PhonePlansTest} holds the answers to the library's on every region it has metadata for.
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

  /** The longest national number the scanner asks about (a candidate has at most 17 digits). */
  static final int MAX_LENGTH = 17;

  /** The region code of numbers with a non-geographic country code (+800, +882, ...). */
  static final String NON_GEOGRAPHIC = "001";

  /**
   * Same answer as {@code getRegionCodeForNumber} for a number with country code {@code cc} and
   * national significant number {@code nsn}: the code's only region, else the first of its regions
   * whose leading digits start the number or, for a region without, where the number is valid.
   */
  static String regionOf(int cc, String nsn) {
    List<String> regions = regions(cc);
    if (regions.isEmpty()) {
      return null;
    }
    if (regions.size() == 1) {
      return regions.get(0);
    }
    for (String region : regions) {
      Plan plan = of(region);
      if (plan.leadingDigits != null ? plan.leadingDigits.matches(nsn) : plan.isValid(nsn)) {
        return region;
      }
    }
    return null;
  }

  /** Which numbers below 1000 are country calling codes. */
  private static final boolean[] CALLING_CODES = new boolean[1000];

  /**
   * By calling code below 1000, libphonenumber's main region and its list of regions: asked for
   * every phone candidate, where the library boxes the code and looks it up in a map.
   */
  private static final String[] MAIN_REGIONS = new String[1000];

  private static final List<List<String>> REGIONS = new ArrayList<>(1000);

  static {
    for (int cc : UTIL.getSupportedCallingCodes()) {
      if (cc > 0 && cc < CALLING_CODES.length) {
        CALLING_CODES[cc] = true;
      }
    }
    for (int cc = 0; cc < MAIN_REGIONS.length; cc++) {
      MAIN_REGIONS[cc] = UTIL.getRegionCodeForCountryCode(cc);
      REGIONS.add(List.copyOf(UTIL.getRegionCodesForCountryCode(cc)));
    }
  }

  /** {@code PhoneNumberUtil.getRegionCodeForCountryCode(cc)}. */
  static String mainRegion(int cc) {
    return cc >= 0 && cc < MAIN_REGIONS.length
        ? MAIN_REGIONS[cc]
        : UTIL.getRegionCodeForCountryCode(cc);
  }

  /** {@code PhoneNumberUtil.getRegionCodesForCountryCode(cc)}, read only. */
  private static List<String> regions(int cc) {
    return cc >= 0 && cc < MAIN_REGIONS.length
        ? REGIONS.get(cc)
        : UTIL.getRegionCodesForCountryCode(cc);
  }

  /**
   * What {@link #international} answers when only libphonenumber's {@code parse} can tell (the only
   * answer with no calling code).
   */
  static final Phones.Intl ASK_PARSE = new Phones.Intl(-1, "");

  /**
   * The country calling code and national significant number that {@code PhoneNumberUtil.parse( "+"
   * + digits, "ZZ")} gives, null where it fails; {@link #ASK_PARSE} for a non-geographic code
   * (+800, +882, ...), whose plans are not compiled here. {@code digits}: what follows the {@code
   * +}, ASCII digits only. The steps are parse's: the first one to three digits that are a calling
   * code, then the national prefix for parsing stripped (and transformed) as the code's main region
   * strips it, kept only when what is left has a length the region allows.
   */
  static Phones.Intl international(String digits) {
    if (digits.length() <= 2 || digits.charAt(0) == '0') {
      return null; // too short after the +, or no calling code starts with 0
    }
    int cc = 0;
    for (int k = 1; k <= 3 && k <= digits.length(); k++) {
      int code = Integer.parseInt(digits, 0, k, 10);
      if (CALLING_CODES[code]) {
        cc = code;
        digits = digits.substring(k);
        break;
      }
    }
    if (cc == 0) {
      return null;
    }
    String region = mainRegion(cc);
    if (NON_GEOGRAPHIC.equals(region)) {
      return ASK_PARSE;
    }
    if (digits.length() < 2) {
      return null;
    }
    String nsn = of(region).parsingNational(digits);
    return nsn.length() < 2 || nsn.length() > 17 ? null : new Phones.Intl(cc, nsn);
  }

  /** The regions and plans last asked for; a racy cache of immutable values. */
  private static volatile RegionPlans lastRegions;

  private static final class RegionPlans {
    final List<String> regions;
    final Plan[] plans;

    RegionPlans(List<String> regions, Plan[] plans) {
      this.regions = regions;
      this.plans = plans;
    }
  }

  /**
   * The plans of {@code regions}, in order: a scan asks for the same list (the options' own) for
   * every phone candidate.
   */
  static Plan[] of(List<String> regions) {
    RegionPlans last = lastRegions;
    if (last != null && last.regions == regions) {
      return last.plans;
    }
    Plan[] plans = new Plan[regions.size()];
    for (int i = 0; i < plans.length; i++) {
      plans[i] = of(regions.get(i));
    }
    lastRegions = new RegionPlans(regions, plans);
    return plans;
  }

  /**
   * One numbering plan: which national numbers are possible and valid, and how the country writes
   * them. Every method takes the national significant number as a string of ASCII digits.
   */
  static final class Plan {
    private final String region;
    private final Digits leadingDigits;
    private final int countryCode;
    private final String trunk;
    private final Pattern prefixForParsing;
    private final String transformRule;
    private final ValidationResult[] lengths;
    private final boolean[] possible;
    private final Desc general;
    private final List<Desc> types;
    private final Format[] formats;
    private final Format[][] formatsByPrefix;

    /**
     * {@link #formatsByPrefix} by a number's length too ({@code [prefix][length]}, lengths up to
     * {@link #MAX_LENGTH}): the formats whose pattern may match a number of that length starting
     * with those two digits, in order.
     */
    private final Format[][][] formatsByPrefixAndLength;

    /**
     * By a number's first two digits, the most runs of digits its national text can have whatever
     * format the tables choose ({@link #runsAtMost}); index 100 for a number shorter than two.
     */
    private final int[] runsByPrefix;

    /**
     * By a number's first two digits, the lengths (bit k for k digits) a valid number starting so
     * may have: those the general description and some type both allow, each only where its pattern
     * may start with the two digits ({@link #mayBeValid}). Index 100, for a number shorter than
     * two, allows every length.
     */
    private final long[] validLengthsByPrefix;

    private Plan(
        String region,
        Digits leadingDigits,
        int countryCode,
        String trunk,
        Pattern prefixForParsing,
        String transformRule,
        ValidationResult[] lengths,
        Desc general,
        List<Desc> types,
        List<Format> formats) {
      this.region = region;
      this.leadingDigits = leadingDigits;
      this.countryCode = countryCode;
      this.trunk = trunk;
      this.prefixForParsing = prefixForParsing;
      this.transformRule = transformRule;
      this.lengths = lengths;
      this.possible = new boolean[lengths.length];
      for (int i = 0; i < lengths.length; i++) {
        possible[i] =
            lengths[i] == ValidationResult.IS_POSSIBLE
                || lengths[i] == ValidationResult.IS_POSSIBLE_LOCAL_ONLY;
      }
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
      this.formatsByPrefixAndLength = new Format[100][MAX_LENGTH + 1][];
      for (int p = 0; p < 100; p++) {
        Format[] previous = null;
        for (int length = 2; length <= MAX_LENGTH; length++) {
          int prefix = p;
          int l = length;
          Format[] fs =
              Arrays.stream(formatsByPrefix[p])
                  .filter(f -> f.table.mayMatch(prefix, l))
                  .toArray(Format[]::new);
          // neighbouring lengths mostly leave the same formats: share the array
          formatsByPrefixAndLength[p][length] =
              previous != null && Arrays.equals(previous, fs) ? previous : fs;
          previous = formatsByPrefixAndLength[p][length];
        }
      }
      this.runsByPrefix = new int[101];
      for (int p = 0; p <= 100; p++) {
        runsByPrefix[p] = mostRuns(p < 100 ? formatsByPrefix[p] : this.formats);
      }
      this.validLengthsByPrefix = new long[101];
      for (int p = 0; p < 100; p++) {
        long any = 0;
        for (Desc d : types) {
          any |= d.lengthsStartingWith(p);
        }
        validLengthsByPrefix[p] = general.lengthsStartingWith(p) & any;
      }
      validLengthsByPrefix[100] = -1L;
    }

    /**
     * Whether {@code nsn} may be valid as far as its length and first two digits tell ({@link
     * #validLengthsByPrefix}): false only where {@link #isValid} is false, asked before any
     * pattern.
     */
    boolean mayBeValid(String nsn) {
      int prefix = prefixOf(nsn);
      int length = nsn.length();
      return length >= 64
          || (validLengthsByPrefix[prefix < 0 ? 100 : prefix] & (1L << length)) != 0;
    }

    /** The most runs of any of {@code fs} and of no format (one run); -1 if one cannot tell. */
    private static int mostRuns(Format[] fs) {
      int most = 1;
      for (Format f : fs) {
        if (f.runs < 0) {
          return -1;
        }
        most = Math.max(most, f.runs);
      }
      return most;
    }

    /**
     * At most how many runs of digits {@link #national}'s text of {@code nsn} has, whatever format
     * applies to it (the most of {@link #nationalRunsAtMost} over the formats its first two digits
     * leave, and of none): -1 when one of those cannot tell. Asked before a format is chosen: a
     * candidate written in more groups than that is not written as the region writes it.
     */
    int runsAtMost(String nsn) {
      int prefix = prefixOf(nsn);
      return runsByPrefix[prefix < 0 ? 100 : prefix];
    }

    int countryCode() {
      return countryCode;
    }

    /** The region this plan is of. */
    String region() {
      return region;
    }

    /**
     * Same answer as {@code isPossibleNumber} for a number of this plan's country code and a
     * national number of {@code length} digits (libphonenumber decides it on the length alone).
     */
    boolean isPossible(int length) {
      return length < possible.length && possible[length];
    }

    /**
     * The national significant number that parsing gives for {@code number}, the ASCII digits after
     * this region's calling code: {@code maybeStripNationalPrefixAndCarrierCode} with the region's
     * national prefix for parsing and transform rule, whose result is kept when its length is
     * possible or too long for the region (not too short, local only or of an invalid length).
     */
    String parsingNational(String number) {
      String potential = number;
      Matcher m = prefixForParsing == null ? null : prefixForParsing.matcher(number);
      if (m != null && m.lookingAt()) {
        boolean viable = generalPatternMatches(number);
        int groups = m.groupCount();
        String stripped =
            transformRule.isEmpty() || m.group(groups) == null
                ? number.substring(m.end())
                : m.replaceFirst(transformRule);
        if (!viable || generalPatternMatches(stripped)) {
          potential = stripped;
        }
      }
      ValidationResult r =
          potential.length() < lengths.length
              ? lengths[potential.length()]
              : ValidationResult.TOO_LONG;
      return r == ValidationResult.TOO_SHORT
              || r == ValidationResult.IS_POSSIBLE_LOCAL_ONLY
              || r == ValidationResult.INVALID_LENGTH
          ? number
          : potential;
    }

    /** The general description's pattern, whole, without the length check: parse's test. */
    private boolean generalPatternMatches(String s) {
      return general.pattern() != null && general.pattern().matches(s);
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
      if (!mayBeValid(nsn)) {
        return false;
      }
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
      Formatted f = formatted(nsn);
      return f == null ? nsn : f.matcher.replaceAll(f.format.rule);
    }

    /**
     * The digit groups of {@link #national}'s text (its runs of digits), written into {@code out}
     * without making the text: {@code out.digits} their concatenation, {@code out.ends} where each
     * ends in it.
     */
    void nationalGroups(String nsn, Groups out) {
      nationalGroups(formatFor(nsn), nsn, out);
    }

    /**
     * {@link #nationalGroups(String, Groups)} with the format {@link #formatFor} chose for {@code
     * nsn} (null: none applies), so a caller that asks several questions of one number chooses it
     * once.
     */
    void nationalGroups(Format f, String nsn, Groups out) {
      out.clear();
      if (f == null) {
        out.append(nsn, 0, nsn.length());
        out.close();
        return;
      }
      Matcher m = matched(f, nsn);
      if (f.parts == null) {
        out.appendDigitsOf(m.replaceAll(f.rule));
        out.close();
        return;
      }
      for (Object part : f.parts) {
        if (part instanceof Integer g) {
          if (m.start(g) >= 0) {
            out.append(nsn, m.start(g), m.end(g));
          }
        } else {
          out.appendDigitsOf((String) part);
        }
      }
      out.close();
    }

    /**
     * Whether the digits of {@link #national}'s text, as ASCII, are {@code digits}: 1 yes, 0 no, -1
     * when only formatting can tell. Most formats' groups are the whole number in order ({@link
     * Format#lead}); then those digits are what the format writes before its first group (a trunk
     * prefix) followed by {@code nsn}, and the tables that choose the format are all it takes. A
     * scan asks this of every region where a candidate is valid or possible, and in most of them
     * the answer is no (a trunk prefix the candidate was written without).
     */
    int nationalDigitsAre(String nsn, String digits) {
      return nationalDigitsAre(formatFor(nsn), nsn, digits);
    }

    /** {@link #nationalDigitsAre(String, String)} with the format chosen for {@code nsn}. */
    int nationalDigitsAre(Format f, String nsn, String digits) {
      String lead = f == null ? "" : f.lead;
      if (lead == null) {
        return -1;
      }
      return digits.length() == lead.length() + nsn.length()
              && digits.startsWith(lead)
              && digits.endsWith(nsn)
          ? 1
          : 0;
    }

    /**
     * At most how many runs of digits {@link #national}'s text has, from the format the tables
     * choose alone ({@link Format#runs}); -1 when only formatting can tell. A candidate written in
     * more groups than that is not grouped as the region writes it.
     */
    int nationalRunsAtMost(String nsn) {
      return nationalRunsAtMost(formatFor(nsn));
    }

    /** {@link #nationalRunsAtMost(String)} with the format chosen for the number. */
    static int nationalRunsAtMost(Format f) {
      return f == null ? 1 : f.runs;
    }

    /** The format that applies to {@code nsn}, or null when none does; chosen by the tables. */
    Format formatFor(String nsn) {
      int prefix = prefixOf(nsn);
      int length = nsn.length();
      Format[] fs =
          prefix < 0
              ? formats
              : length <= MAX_LENGTH
                  ? formatsByPrefixAndLength[prefix][length]
                  : formatsByPrefix[prefix];
      for (Format f : fs) {
        if ((f.leading == null || f.leading.matches(nsn)) && f.table.matches(nsn)) {
          return f;
        }
      }
      return null;
    }

    /** The format that applies to {@code nsn} and its match, or null when none does. */
    private Formatted formatted(String nsn) {
      // the tables decide which format applies; a matcher is made only for its groups
      Format f = formatFor(nsn);
      return f == null ? null : new Formatted(f, matched(f, nsn));
    }

    private static Matcher matched(Format f, String nsn) {
      Matcher m = f.pattern.matcher(nsn);
      if (!m.matches()) {
        throw new IllegalStateException(
            "phone format table and pattern disagree on " + nsn + ": " + f.pattern);
      }
      return m;
    }
  }

  private record Formatted(Format format, Matcher matcher) {}

  /**
   * Digit groups of a formatted number, in reused arrays: the digits (as written, of any script)
   * and where each group ends in them.
   */
  static final class Groups {
    final StringBuilder digits = new StringBuilder(20);
    int[] ends = new int[20];
    int count;
    private boolean open;

    void clear() {
      digits.setLength(0);
      count = 0;
      open = false;
    }

    /** Appends digits {@code [from, to)} of {@code s} to the current group. */
    void append(String s, int from, int to) {
      if (to > from) {
        digits.append(s, from, to);
        open = true;
      }
    }

    /** Appends the digits of {@code s}; any other character ends the current group. */
    void appendDigitsOf(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isDigit(c)) {
          digits.append(c);
          open = true;
        } else {
          close();
        }
      }
    }

    /** Ends the current group, if one is open. */
    void close() {
      if (open) {
        if (count == ends.length) {
          ends = Arrays.copyOf(ends, count * 2);
        }
        ends[count++] = digits.length();
        open = false;
      }
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
   * A number type's lengths and pattern; {@code lengths}: bit k set for each possible length k
   * (libphonenumber lists -1 for a type with no numbers, which sets none), {@code anyLength}
   * whether the list is empty (then every length may match); {@code low}/{@code high}: the
   * two-digit starts (bits 0-63, 64-99) it can match; {@code byPrefix}: by the two digits, the
   * possible lengths of which the pattern may match a number starting so ({@link Digits#mayMatch}).
   */
  private static final class Desc {
    private final long lengths;
    private final boolean anyLength;
    private final Digits pattern;
    private final long low;
    private final long high;
    private final long[] byPrefix;

    private Desc(
        long lengths, boolean anyLength, Digits pattern, long low, long high, long[] byPrefix) {
      this.lengths = lengths;
      this.anyLength = anyLength;
      this.pattern = pattern;
      this.low = low;
      this.high = high;
      this.byPrefix = byPrefix;
    }

    Digits pattern() {
      return pattern;
    }

    static Desc of(PhoneNumberDesc d) {
      String p = d.getNationalNumberPattern();
      Digits pattern = p.isEmpty() ? null : Digits.of(p, false);
      long low = 0;
      long high = 0;
      for (int i = 0; pattern != null && i < 100; i++) {
        if (pattern.mayStartWith(twoDigits(i))) {
          if (i < 64) {
            low |= 1L << i;
          } else {
            high |= 1L << (i - 64);
          }
        }
      }
      long lengths = 0;
      for (int length : d.getPossibleLengthList()) {
        if (length >= 0 && length < 64) {
          lengths |= 1L << length;
        }
      }
      boolean anyLength = d.getPossibleLengthList().isEmpty();
      // by the first two digits, the lengths that are possible and that the pattern may match
      long[] byPrefix = new long[100];
      for (int i = 0; pattern != null && i < 100; i++) {
        boolean starts = i < 64 ? (low & (1L << i)) != 0 : (high & (1L << (i - 64))) != 0;
        if (!starts) {
          continue;
        }
        long allowed = anyLength ? -1L : lengths;
        for (int length = 2; length <= MAX_LENGTH; length++) {
          if (!pattern.mayMatch(i, length)) {
            allowed &= ~(1L << length);
          }
        }
        byPrefix[i] = allowed;
      }
      return new Desc(lengths, anyLength, pattern, low, high, byPrefix);
    }

    /** Whether {@code nsn}, whose first two digits are {@code prefix} (-1: too short), matches. */
    boolean matches(String nsn, int prefix) {
      // bit masks, not a Set<Integer>: every region tried asks this of every type
      int length = nsn.length();
      if (pattern == null || (!anyLength && (length >= 64 || (lengths & (1L << length)) == 0))) {
        return false;
      }
      if (prefix >= 0
          && (length < 64 ? (byPrefix[prefix] & (1L << length)) == 0 : !canStartWith(prefix))) {
        return false; // no match of this length starts with these two digits
      }
      return pattern.matches(nsn);
    }

    /**
     * The lengths (bit k for k digits) of the numbers starting with the two digits {@code prefix}
     * this description may match: possible lengths its pattern may match a number of, starting so;
     * 0 when none.
     */
    long lengthsStartingWith(int prefix) {
      return byPrefix[prefix];
    }

    private boolean canStartWith(int prefix) {
      return prefix < 64 ? (low & (1L << prefix)) != 0 : (high & (1L << (prefix - 64))) != 0;
    }
  }

  /**
   * A national format: the last (most detailed) leading-digits pattern, the pattern, the rule; the
   * rule split into group numbers and literal text, or null when it uses more of the replacement
   * syntax than {@code $n}; and {@code lead}, the digits the rule writes before the number when its
   * groups are the whole number in order, else null ({@link #leadOf}).
   */
  record Format(
      Digits leading,
      Pattern pattern,
      Digits table,
      String rule,
      List<Object> parts,
      String lead,
      int runs) {
    Format(Digits leading, Pattern pattern, Digits table, String rule, List<Object> parts) {
      this(leading, pattern, table, rule, parts, leadOf(pattern.pattern(), parts), runsOf(parts));
    }

    /**
     * The runs of digits of the rule's text with every group it writes standing for some digits: at
     * most as many as any number formatted with it has (a group that matched nothing, or did not
     * take part, only takes digits away, which never splits a run); -1 when {@code parts} is null.
     */
    static int runsOf(List<Object> parts) {
      if (parts == null) {
        return -1;
      }
      int runs = 0;
      boolean open = false;
      for (Object part : parts) {
        if (part instanceof Integer) {
          runs += open ? 0 : 1;
          open = true;
        } else {
          for (char c : ((String) part).toCharArray()) {
            boolean digit = Character.isDigit(c);
            runs += digit && !open ? 1 : 0;
            open = digit;
          }
        }
      }
      return runs;
    }

    /**
     * The ASCII digits of the text a rule writes before its first group ({@code 0} of {@code 0$1
     * $2}, nothing for {@code ($1) $2}), when the format's digits are certainly those followed by
     * the whole number: the pattern is capturing groups one after the other and nothing else (no
     * text, alternative or quantifier between them, no capturing group inside one), so a match
     * splits the number into them in order; and the rule writes groups 1 to n once each in that
     * order, with no digits between or after them. Null otherwise (then only formatting tells).
     */
    static String leadOf(String pattern, List<Object> parts) {
      if (parts == null) {
        return null;
      }
      int groups = 0;
      int depth = 0;
      for (int i = 0; i < pattern.length(); i++) {
        char c = pattern.charAt(i);
        if (c == '\\') {
          if (depth == 0) {
            return null;
          }
          i++; // an escaped character
        } else if (c == '[') {
          int close = pattern.indexOf(']', i + 2);
          if (depth == 0 || close < 0) {
            return null;
          }
          i = close;
        } else if (c == '(') {
          boolean capturing = i + 1 >= pattern.length() || pattern.charAt(i + 1) != '?';
          if (capturing != (depth == 0)) {
            return null; // text outside the groups, or a capturing group inside one
          }
          groups += capturing ? 1 : 0;
          depth++;
        } else if (c == ')') {
          depth--;
          if (depth < 0
              || (depth == 0 && i + 1 < pattern.length() && pattern.charAt(i + 1) != '(')) {
            return null; // a quantifier or text after a group
          }
        } else if (depth == 0) {
          return null;
        }
      }
      if (depth != 0 || groups == 0) {
        return null;
      }
      StringBuilder lead = new StringBuilder();
      int next = 1;
      for (Object part : parts) {
        if (part instanceof Integer g) {
          if (g != next) {
            return null;
          }
          next++;
        } else {
          for (char c : ((String) part).toCharArray()) {
            if (Character.isDigit(c)) {
              if (next > 1) {
                return null; // digits between or after the groups
              }
              lead.append(Chars.asciiDigit(c));
            }
          }
        }
      }
      return next == groups + 1 ? lead.toString() : null;
    }

    static Format of(NumberFormat f) {
      int n = f.getLeadingDigitsPatternCount();
      String npRule = f.getNationalPrefixFormattingRule();
      String rule =
          npRule != null && !npRule.isEmpty()
              ? FIRST_GROUP.matcher(f.getFormat()).replaceFirst(npRule)
              : f.getFormat();
      Pattern pattern = Pattern.compile(f.getPattern());
      return new Format(
          n == 0 ? null : Digits.of(f.getLeadingDigitsPattern(n - 1), true),
          pattern,
          Digits.of(f.getPattern(), false),
          rule,
          parts(rule, pattern.matcher("").groupCount()));
    }

    /**
     * {@code rule} as {@code Matcher.replaceAll} reads it: {@code $n} (one digit, a group of the
     * pattern) and text; null for anything else (escapes, named or two-digit groups).
     */
    private static List<Object> parts(String rule, int groups) {
      List<Object> parts = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < rule.length(); i++) {
        char c = rule.charAt(i);
        if (c == '\\') {
          return null;
        }
        if (c == '$') {
          if (i + 1 >= rule.length()) {
            return null;
          }
          int g = rule.charAt(i + 1) - '0';
          boolean twoDigits = i + 2 < rule.length() && Chars.isAsciiDigit(rule.charAt(i + 2));
          if (g < 0 || g > 9 || g > groups || (twoDigits && g * 10 <= groups)) {
            return null;
          }
          if (text.length() > 0) {
            parts.add(text.toString());
            text.setLength(0);
          }
          parts.add(g);
          i++;
        } else {
          text.append(c);
        }
      }
      if (text.length() > 0) {
        parts.add(text.toString());
      }
      return List.copyOf(parts);
    }

    /** Whether this format can apply to a number starting with the two digits {@code prefix}. */
    boolean mayLead(String prefix) {
      return (leading == null || leading.mayStartWith(prefix)) && table.mayStartWith(prefix);
    }
  }

  /**
   * One of libphonenumber's digit patterns, asked as a minimal DFA over the ten ASCII digits:
   * {@code matches} gives {@code Pattern.matcher(s).matches()}'s answer ({@code lookingAt()}'s for
   * a leading-digits pattern) with one table read per digit and nothing allocated, where a matcher
   * is an object and a backtracking walk. The tables are built ahead of time into {@code
   * phone-tables.txt} (a resource beside this class) by {@code PhoneTablesGenerator} in the tests,
   * and {@code PhoneTablesTest} holds them to the patterns; building them when a plan is first
   * compiled took seconds. A pattern the file does not have (a libphonenumber upgrade without
   * regenerating it) is asked with java.util.regex, with the same answers, only slower.
   */
  static final class Digits {
    /** Per state, its next state for each digit (state * 10 + digit), -1 for none; null: none. */
    private final int[] next;

    private final boolean[] accept;
    private final Pattern regex;
    private final boolean prefix;

    private Digits(int[] next, boolean[] accept, Pattern regex, boolean prefix) {
      this.next = next;
      this.accept = accept;
      this.regex = regex;
      this.prefix = prefix;
    }

    /**
     * {@code pattern} as a table; with {@code prefix}, the digit strings that start with a match
     * ({@code lookingAt}).
     */
    static Digits of(String pattern, boolean prefix) {
      Digits table = DigitTables.get((prefix ? "p " : "m ") + pattern);
      return table != null ? table : new Digits(null, null, Pattern.compile(pattern), prefix);
    }

    /** Whether this pattern is asked as a table (false: with java.util.regex). */
    boolean isTable() {
      return next != null;
    }

    /** Whether the whole of {@code s} is in the pattern's language. */
    boolean matches(CharSequence s) {
      if (next == null) {
        Matcher m = regex.matcher(s);
        return prefix ? m.lookingAt() : m.matches();
      }
      int state = 0;
      for (int i = 0; i < s.length(); i++) {
        int d = s.charAt(i) - '0';
        if (d < 0 || d > 9) {
          return false;
        }
        state = next[state * 10 + d];
        if (state < 0) {
          return false;
        }
      }
      return accept[state];
    }

    /**
     * Per step count k, the states from which an accepting state is reached in exactly k more
     * digits ({@link #mayMatch}); made on first use.
     */
    private volatile boolean[][] acceptsIn;

    /**
     * Whether some string of {@code length} digits starting with the two digits {@code firstTwo} is
     * in the language ({@code matches}, not a prefix pattern's {@code lookingAt}); a pattern asked
     * with java.util.regex always may.
     */
    boolean mayMatch(int firstTwo, int length) {
      if (next == null || prefix || firstTwo < 0 || length < 2 || length > MAX_LENGTH) {
        return true;
      }
      int state = next[firstTwo / 10];
      state = state < 0 ? -1 : next[state * 10 + firstTwo % 10];
      if (state < 0) {
        return false;
      }
      boolean[][] in = acceptsIn;
      if (in == null) {
        in = new boolean[MAX_LENGTH + 1][];
        in[0] = accept.clone();
        int states = accept.length;
        for (int k = 1; k <= MAX_LENGTH; k++) {
          in[k] = new boolean[states];
          for (int st = 0; st < states; st++) {
            for (int d = 0; d < 10 && !in[k][st]; d++) {
              int to = next[st * 10 + d];
              in[k][st] = to >= 0 && in[k - 1][to];
            }
          }
        }
        acceptsIn = in;
      }
      return in[length - 2][state];
    }

    /**
     * Whether a string of digits starting with {@code start} may be in the language. A table
     * answers exactly (its states can all reach an accepting one); a regex answers whether it
     * matched or read to the end of {@code start} before failing, which is never false when a
     * longer input could match.
     */
    boolean mayStartWith(String start) {
      if (next == null) {
        Matcher m = regex.matcher(start);
        return (prefix ? m.lookingAt() : m.matches()) || m.hitEnd();
      }
      int state = 0;
      for (int i = 0; i < start.length() && state >= 0; i++) {
        state = next[state * 10 + start.charAt(i) - '0'];
      }
      return state >= 0;
    }
  }

  /**
   * The lines of {@code phone-tables.txt}, read on first use, keyed by kind and pattern; a table is
   * parsed when a plan asks for it (a dozen regions use a few hundred of the file's 1,800).
   */
  private static final class DigitTables {
    private record Line(String text, int states, int lineNo) {}

    private static final Map<String, Line> LINES = read();

    static Digits get(String key) {
      Line line = LINES.get(key);
      return line == null ? null : parse(line.text, line.states, key.charAt(0) == 'p', line.lineNo);
    }

    private static Map<String, Line> read() {
      Map<String, Line> out = new java.util.HashMap<>(4096);
      int lineNo = 0;
      for (String line : Tables.lines("phone-tables.txt")) {
        lineNo++;
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int tab = line.indexOf('\t');
        int tab2 = line.indexOf('\t', tab + 1);
        if (tab != 1 || tab2 < 0 || (line.charAt(0) != 'm' && line.charAt(0) != 'p')) {
          throw new IllegalStateException(
              "phone-tables.txt:" + lineNo + ": not kind, pattern, states");
        }
        out.put(
            line.charAt(0) + " " + line.substring(tab + 1, tab2), new Line(line, tab2 + 1, lineNo));
      }
      return out;
    }

    /** The states written from {@code from} to the end of {@code line}. */
    private static Digits parse(String line, int from, boolean prefix, int lineNo) {
      int states = 1;
      for (int i = from; i < line.length(); i++) {
        states += line.charAt(i) == ' ' ? 1 : 0;
      }
      int[] next = new int[states * 10];
      boolean[] accept = new boolean[states];
      int i = from;
      for (int s = 0; s < states; s++) {
        char flag = line.charAt(i++);
        if (flag != '+' && flag != '-') {
          throw new IllegalStateException("phone-tables.txt:" + lineNo + ": bad state " + s);
        }
        accept[s] = flag == '+';
        for (int d = 0; d < 10; d++) {
          int value = -1;
          while (i < line.length() && line.charAt(i) != ',' && line.charAt(i) != ' ') {
            int digit = Character.digit(line.charAt(i++), 36);
            if (digit < 0) {
              throw new IllegalStateException("phone-tables.txt:" + lineNo + ": bad state " + s);
            }
            value = (value < 0 ? 0 : value * 36) + digit;
          }
          if (value >= states || (d < 9) != (i < line.length() && line.charAt(i) == ',')) {
            throw new IllegalStateException("phone-tables.txt:" + lineNo + ": bad state " + s);
          }
          next[s * 10 + d] = value;
          i++;
        }
      }
      return new Digits(next, accept, null, prefix);
    }
  }

  private static Plan compile(String region) {
    var source = DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();
    PhoneMetadata m = source.getMetadataForRegion(region);
    if (m == null) {
      throw new IllegalArgumentException("no phone metadata for region " + region);
    }
    // Validity asks whether any type matches, so the order is free: fixed line and mobile first,
    // the types most numbers written in a text are, so a valid number is answered after one or two
    // of the ten patterns rather than after all of them (libphonenumber asks them last).
    List<Desc> types = new ArrayList<>();
    types.add(Desc.of(m.getFixedLine()));
    if (!m.getSameMobileAndFixedLinePattern()) {
      types.add(Desc.of(m.getMobile()));
    }
    for (PhoneNumberDesc d :
        List.of(
            m.getPremiumRate(),
            m.getTollFree(),
            m.getSharedCost(),
            m.getVoip(),
            m.getPersonalNumber(),
            m.getPager(),
            m.getUan(),
            m.getVoicemail())) {
      types.add(Desc.of(d));
    }
    // Formatting uses the metadata of the calling code's main region (NANP formats live in US).
    PhoneMetadata main =
        source.getMetadataForRegion(UTIL.getRegionCodeForCountryCode(m.getCountryCode()));
    List<Format> formats = new ArrayList<>();
    for (NumberFormat f : main.getNumberFormatList()) {
      formats.add(Format.of(f));
    }
    int cc = m.getCountryCode();
    ValidationResult[] lengths = new ValidationResult[19];
    lengths[0] = ValidationResult.TOO_SHORT; // no region has numbers of no digits
    for (int length = 1; length < lengths.length; length++) {
      // libphonenumber decides possibility on the country code and the length alone, with the
      // lengths of the code's main region
      lengths[length] =
          UTIL.isPossibleNumberWithReason(
              new PhoneNumber()
                  .setCountryCode(cc)
                  .setNationalNumber(Long.parseLong("5".repeat(length))));
    }
    // The region's own prefix for parsing: parse strips with the calling code's main region's,
    // whose plan international() asks.
    String prefixForParsing = m.getNationalPrefixForParsing();
    return new Plan(
        region,
        m.hasLeadingDigits() ? Digits.of(m.getLeadingDigits(), true) : null,
        cc,
        UTIL.getNddPrefixForRegion(region, true),
        prefixForParsing.isEmpty() ? null : Pattern.compile(prefixForParsing),
        m.getNationalPrefixTransformRule(),
        lengths,
        Desc.of(m.getGeneralDesc()),
        List.copyOf(types),
        List.copyOf(formats));
  }
}
