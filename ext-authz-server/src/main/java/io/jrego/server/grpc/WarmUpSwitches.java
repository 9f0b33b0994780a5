package io.jrego.server.grpc;

import java.util.Locale;
import java.util.Properties;

/**
 * Three of the warm-up's parts, each behind a system property so that one build can be measured
 * with and without it (the fault matrix passes them in {@code JREGO_JAVA_OPTS};
 * load-tests/README.md, "Fault matrix"). Read once, when the class loads.
 *
 * @param longGzip {@code jrego.warmUp.longGzip}: {@link WarmUpRefusals} also sends the 64 KB gzip
 *     stream as {@code raw_body}
 * @param cover {@code jrego.warmUp.cover}: each round of {@link LimitedEvaluations} also evaluates
 *     its {@code cover} rule (every kind of term the evaluator switches on)
 * @param afterReady {@code jrego.warmUp.afterReady}: {@link WarmUpAfterReady} runs the rare
 *     requests again in the first minute after ready
 */
record WarmUpSwitches(boolean longGzip, boolean cover, boolean afterReady) {

  static final String LONG_GZIP = "jrego.warmUp.longGzip";
  static final String COVER = "jrego.warmUp.cover";
  static final String AFTER_READY = "jrego.warmUp.afterReady";

  /** The switches of this JVM. */
  static final WarmUpSwitches CURRENT = from(System.getProperties());

  /** Every part on. */
  static final WarmUpSwitches ALL = new WarmUpSwitches(true, true, true);

  /**
   * The switches {@code properties} set: each on unless its property is {@code false} (any case);
   * any other value leaves the default.
   */
  static WarmUpSwitches from(Properties properties) {
    return new WarmUpSwitches(
        on(properties, LONG_GZIP, true),
        on(properties, COVER, true),
        on(properties, AFTER_READY, true));
  }

  private static boolean on(Properties properties, String name, boolean otherwise) {
    String v = properties.getProperty(name);
    if (v == null) {
      return otherwise;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "false" -> false;
      case "true" -> true;
      default -> otherwise;
    };
  }
}
