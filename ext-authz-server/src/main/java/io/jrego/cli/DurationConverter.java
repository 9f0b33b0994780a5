package io.jrego.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;

/** Reads {@code 500ms}, {@code 10s}, {@code 2m} or ISO-8601 ({@code PT10S}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String s) {
    String t = s.strip();
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Duration.ofMillis(
            Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      }
      if (t.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
      }
      return Duration.parse(t);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new CommandLine.TypeConversionException(
          "'" + s + "' is not a duration (examples: 500ms, 10s, 2m)");
    }
  }
}
