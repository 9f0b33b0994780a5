package io.jrego.server.grpc;

import java.lang.management.ManagementFactory;
import java.util.List;
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
  static final WarmUpSwitches CURRENT =
      from(System.getProperties(), ManagementFactory.getRuntimeMXBean().getInputArguments());

  /**
   * The switches {@code properties} set: {@code true} or {@code false} (any case) turns a part on
   * or off; without its property, or with another value, a part is as in {@link #DEFAULTS}.
   */
  static WarmUpSwitches from(Properties properties) {
    return from(properties, List.of());
  }

  /**
   * As {@link #from(Properties)} in a JVM started with {@code jvmArgs}, except that the rounds
   * after ready are off by default where the JIT stops at C1 ({@link #c1Only}): C1 alone compiles
   * without speculating on profiles, so there are no rare branches' traps for the rounds to set off
   * early, and on the one CPU that profile is for (the launcher's {@code JREGO_JIT=auto}) each
   * round's loopback server would only take CPU from the first minute's traffic. The property still
   * turns them on.
   */
  static WarmUpSwitches from(Properties properties, List<String> jvmArgs) {
    return new WarmUpSwitches(
        on(properties, LONG_GZIP, DEFAULTS.longGzip()),
        on(properties, COVER, DEFAULTS.cover()),
        on(properties, AFTER_READY, DEFAULTS.afterReady() && !c1Only(jvmArgs)));
  }

  /**
   * Whether a JVM started with {@code jvmArgs} compiles with C1 alone: tiered compilation (the
   * default) stopped below C2's level 4 by the last {@code -XX:TieredStopAtLevel}.
   */
  static boolean c1Only(List<String> jvmArgs) {
    boolean tiered = true;
    int stopAt = 4;
    for (String a : jvmArgs) {
      if (a.equals("-XX:-TieredCompilation") || a.equals("-XX:+TieredCompilation")) {
        tiered = a.charAt(4) == '+';
      } else if (a.startsWith(STOP_AT)) {
        try {
          stopAt = Integer.parseInt(a.substring(STOP_AT.length()).trim());
        } catch (NumberFormatException e) {
          // not a level: the JVM would not have started with it; keep the previous one
        }
      }
    }
    return tiered && stopAt < 4;
  }

  private static final String STOP_AT = "-XX:TieredStopAtLevel=";

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
