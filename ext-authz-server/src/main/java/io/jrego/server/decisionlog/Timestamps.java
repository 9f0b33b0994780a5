package io.jrego.server.decisionlog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Go's {@code time.RFC3339Nano} in UTC, as OPA writes event timestamps. */
final class Timestamps {

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  /**
   * {@code 2026-12-05T03:40:12.12345Z}: seconds, then the nanoseconds without trailing zeros (none
   * at all on a whole second), then {@code Z}.
   */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // the nanoseconds within the second, wanted
  static String rfc3339Nano(Instant t) {
    StringBuilder b = new StringBuilder(30).append(SECONDS.format(t));
    int nanos = t.getNano();
    if (nanos != 0) {
      String digits = String.format("%09d", nanos);
      int end = digits.length();
      while (digits.charAt(end - 1) == '0') {
        end--;
      }
      b.append('.').append(digits, 0, end);
    }
    return b.append('Z').toString();
  }
}
