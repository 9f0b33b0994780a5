package io.jrego.server.grpc;

import java.util.Locale;
import java.util.Properties;

/**
 * Three of the warm-up's parts, each behind a system property so that one build can be measured
 * with and without it (the fault matrix passes them in {@code JREGO_JAVA_OPTS};
 * load-tests/README.md, "Fault matrix"); without its property each is as in {@link #DEFAULTS}. Read
 * once, when the class loads.
 *
 * @param longGzip {@code jrego.warmUp.longGzip}: {@link WarmUpRefusals} also sends the 64 KB gzip
 *     stream as {@code raw_body}
 * @param cover {@code jrego.warmUp.cover}: each round of {@link LimitedEvaluations} also evaluates
 *     its {@code cover} rule (every kind of term the evaluator switches on)
 * @param afterReady {@code jrego.warmUp.afterReady}: {@link WarmUpAfterReady} runs the rare
 *     requests again in the first minutes after ready
 */
record WarmUpSwitches(boolean longGzip, boolean cover, boolean afterReady) {

  static final String LONG_GZIP = "jrego.warmUp.longGzip";
  static final String COVER = "jrego.warmUp.cover";
  static final String AFTER_READY = "jrego.warmUp.afterReady";

  /** Every part on. */
  static final WarmUpSwitches ALL = new WarmUpSwitches(true, true, true);

  /** Every part off. */
  static final WarmUpSwitches NONE = new WarmUpSwitches(false, false, false);

  /**
   * What a JVM without the properties runs: the rounds after ready, not the other two. The rounds
   * after ready are where the rare requests reach profiles: the warm-up before ready runs them
   * once, before any profile is kept (load-tests/README.md, "Session 14"). The long gzip stream and
   * the cover rule were not shown to help (load-tests/README.md, "Session 10 rounds"); the rounds
   * after ready send the long gzip stream anyway ({@link WarmUpAfterReady#requests}).
   */
  static final WarmUpSwitches DEFAULTS = new WarmUpSwitches(false, false, true);

  /** The switches of this JVM. */
  static final WarmUpSwitches CURRENT = from(System.getProperties());

  /**
   * The switches {@code properties} set: {@code true} or {@code false} (any case) turns a part on
   * or off; without its property, or with another value, a part is as in {@link #DEFAULTS}.
   */
  static WarmUpSwitches from(Properties properties) {
    return new WarmUpSwitches(
        on(properties, LONG_GZIP, DEFAULTS.longGzip()),
        on(properties, COVER, DEFAULTS.cover()),
        on(properties, AFTER_READY, DEFAULTS.afterReady()));
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
