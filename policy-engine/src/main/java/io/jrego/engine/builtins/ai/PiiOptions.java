package io.jrego.engine.builtins.ai;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What {@link PiiScanner#scan} looks for.
 *
 * @param types the types to report
 * @param minScore findings scoring below this (0 to 100) are dropped
 * @param maxFindings at most this many findings are returned, the first ones in the text
 * @param phoneRegions ISO 3166 regions whose national phone formats are tried for numbers written
 *     without a country code, in order; numbers starting with {@code +} or {@code 00} need none
 */
public record PiiOptions(
    Set<PiiType> types, int minScore, int maxFindings, List<String> phoneRegions) {

  /** The default minimum score: what a validated number scores without context words. */
  public static final int DEFAULT_MIN_SCORE = 50;

  /** The default cap on findings per scan. */
  public static final int DEFAULT_MAX_FINDINGS = 1000;

  /** The regions tried for national phone formats by default. */
  public static final List<String> DEFAULT_PHONE_REGIONS =
      List.of("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "CA", "BR", "AU", "CH", "AT", "BE");

  public PiiOptions {
    // An EnumSet, not Set.copyOf: the scanner asks it contains() for every candidate.
    types =
        Collections.unmodifiableSet(
            types.isEmpty() ? EnumSet.noneOf(PiiType.class) : EnumSet.copyOf(types));
    phoneRegions = List.copyOf(phoneRegions);
    if (minScore < 0 || minScore > 100) {
      throw new IllegalArgumentException("minScore must be within 0..100, got " + minScore);
    }
    if (maxFindings < 0) {
      throw new IllegalArgumentException("maxFindings must not be negative");
    }
  }

  private static final PiiOptions DEFAULTS =
      new PiiOptions(
          EnumSet.allOf(PiiType.class),
          DEFAULT_MIN_SCORE,
          DEFAULT_MAX_FINDINGS,
          DEFAULT_PHONE_REGIONS);

  /** Every type, minimum score 50, at most 1000 findings, the default phone regions. */
  public static PiiOptions defaults() {
    return DEFAULTS;
  }

  /** These options with other types. */
  public PiiOptions withTypes(Set<PiiType> t) {
    return new PiiOptions(t, minScore, maxFindings, phoneRegions);
  }

  /** These options with another minimum score. */
  public PiiOptions withMinScore(int s) {
    return new PiiOptions(types, s, maxFindings, phoneRegions);
  }

  /** These options with another cap on findings. */
  public PiiOptions withMaxFindings(int n) {
    return new PiiOptions(types, minScore, n, phoneRegions);
  }

  /** These options with other phone regions. */
  public PiiOptions withPhoneRegions(List<String> regions) {
    return new PiiOptions(types, minScore, maxFindings, regions);
  }
}
