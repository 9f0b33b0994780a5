package io.jrego.server.budget;

import java.util.Locale;
import java.util.Optional;

/**
 * A budget's accounting period: fixed windows aligned to UTC (a minute window starts at second 0,
 * an hour window at minute 0, a day window at 00:00 UTC).
 *
 * <p>Fixed rather than sliding: a reservation must be settled into the very counter it was taken
 * from, which a fixed window names exactly (key, window, start) and a sliding one does not; each
 * window is one counter (a hash in Redis with a TTL, as envoyproxy/ratelimit keeps its counters),
 * so memory is constant per key, and a window's reset time is the same on every replica, which
 * {@code Retry-After} and {@code x-ratelimit-reset-*} report. The known cost: a caller may spend a
 * full budget at the end of one window and again at the start of the next.
 */
public enum Window {
  MINUTE(60_000L),
  HOUR(3_600_000L),
  DAY(86_400_000L);

  private final long millis;

  Window(long millis) {
    this.millis = millis;
  }

  /** The window's length in milliseconds. */
  public long millis() {
    return millis;
  }

  /** The start of the window holding {@code epochMillis}. */
  public long startOf(long epochMillis) {
    return epochMillis - Math.floorMod(epochMillis, millis);
  }

  /**
   * The lower-case name used in decisions and metrics: {@code minute}, {@code hour}, {@code day}.
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code minute}, {@code hour} or {@code day}. */
  public static Optional<Window> parse(String s) {
    for (Window w : values()) {
      if (w.label().equals(s)) {
        return Optional.of(w);
      }
    }
    return Optional.empty();
  }
}
