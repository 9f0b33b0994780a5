package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import io.jrego.engine.builtins.gocompat.Durations;
import io.jrego.engine.builtins.gocompat.GoFloat;
import io.jrego.engine.builtins.gocompat.GoTime;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code time.*} builtins. Times are nanoseconds since the epoch, optionally paired with an
 * IANA zone and a Go layout ({@code [ns, "Europe/Paris", "2006-01-02"]}); zones come from
 * java.time's database, which has the same IANA data Go embeds.
 */
final class Time {

  private static final Map<String, String> NAMED_LAYOUTS =
      Map.of(
          "ANSIC", "Mon Jan _2 15:04:05 2006",
          "UnixDate", "Mon Jan _2 15:04:05 MST 2006",
          "RubyDate", "Mon Jan 02 15:04:05 -0700 2006",
          "RFC822", "02 Jan 06 15:04 MST",
          "RFC822Z", "02 Jan 06 15:04 -0700",
          "RFC850", "Monday, 02-Jan-06 15:04:05 MST",
          "RFC1123", "Mon, 02 Jan 2006 15:04:05 MST",
          "RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700",
          "RFC3339", "2006-01-02T15:04:05Z07:00",
          "RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00");

  private static final BigInteger NANOS = BigInteger.valueOf(1_000_000_000L);

  private Time() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of(
            "time.add_date(ns: number, years: number, months: number, "
                + "days: number) => output: number"),
        Time::addDate);
    r.add(
        Declaration.of(
            "time.clock(x: any<number, array<number, "
                + "string>>) => output: array<number, number, number>"),
        Time::clock);
    r.add(
        Declaration.of(
            "time.date(x: any<number, array<number, "
                + "string>>) => date: array<number, number, number>"),
        Time::date);
    r.add(
        Declaration.of(
            "time.diff(ns1: any<number, array<number, string>>, ns2: any<number, "
                + "array<number, string>>) => output: array<number, number, number, "
                + "number, number, number>"),
        Time::diff);
    r.add(
        Declaration.of(
            "time.format(x: any<number, array<number, string>, array<number, "
                + "string, string>>) => formatted timestamp: string"),
        Time::format);
    r.add(
        Declaration.of("time.now_ns() => now: number").nondeterministic(),
        (a, c) -> NumberValue.of(c.nowNanos()));
    r.add(
        Declaration.of("time.parse_duration_ns(duration: string) => ns: number"),
        (a, c) -> NumberValue.of(Durations.parse(string(a[0], 1))));
    r.add(
        Declaration.of("time.parse_ns(layout: string, value: string) => ns: number"),
        Time::parseNs);
    r.add(Declaration.of("time.parse_rfc3339_ns(value: string) => ns: number"), Time::parseRfc3339);
    r.add(
        Declaration.of("time.weekday(x: any<number, array<number, string>>) => day: string"),
        Time::weekday);
  }

  /** A zoned time and the optional layout from a time operand. */
  private record Zoned(ZonedDateTime time, String layout) {}

  private static Zoned operand(Value v) throws BuiltinException {
    Value n;
    ZoneId zone = ZoneOffset.UTC;
    String layout = "";
    switch (v) {
      case NumberValue x -> n = x;
      case ArrayValue arr -> {
        if (arr.isEmpty()) {
          throw BuiltinException.operand(1, "either number (ns) or [number (ns), string (tz)]", v);
        }
        n = Operands.number(arr.get(0), 1);
        if (arr.size() > 1) {
          String tz = string(arr.get(1), 1);
          if (!tz.isEmpty() && !tz.equals("UTC")) {
            try {
              zone = tz.equals("Local") ? ZoneId.systemDefault() : ZoneId.of(tz);
            } catch (DateTimeException e) {
              throw BuiltinException.error("unknown time zone " + tz);
            }
          }
        }
        if (arr.size() > 2) {
          layout = string(arr.get(2), 1);
        }
      }
      default ->
          throw BuiltinException.operand(1, "either number (ns) or [number (ns), string (tz)]", v);
    }
    BigDecimal f = GoFloat.of((NumberValue) n);
    BigInteger ns;
    try {
      ns = f.toBigIntegerExact();
    } catch (ArithmeticException e) {
      throw BuiltinException.error("timestamp too big");
    }
    if (ns.bitLength() > 63) {
      throw BuiltinException.error("timestamp too big");
    }
    BigInteger[] qr = ns.divideAndRemainder(NANOS);
    long secs = qr[0].longValue();
    long nanos = qr[1].longValue();
    if (nanos < 0) {
      secs--;
      nanos += 1_000_000_000L;
    }
    return new Zoned(Instant.ofEpochSecond(secs, nanos).atZone(zone), layout);
  }

  private static Value nanos(Instant t) throws BuiltinException {
    try {
      // Borrow a second before a negative epoch second, so the earliest representable instant
      // (1677-09-21T00:12:43.145224192Z, Long.MIN_VALUE ns) does not overflow on the way.
      long secs = t.getEpochSecond();
      long nano = t.getNano();
      if (secs < 0 && nano > 0) {
        secs++;
        nano -= 1_000_000_000L;
      }
      return NumberValue.of(Math.addExact(Math.multiplyExact(secs, 1_000_000_000L), nano));
    } catch (ArithmeticException e) {
      throw BuiltinException.error("time outside of valid range");
    }
  }

  private static Value parseNs(Value[] a, BuiltinContext c) throws BuiltinException {
    String layout = string(a[0], 1);
    String value = string(a[1], 2);
    layout = NAMED_LAYOUTS.getOrDefault(layout, layout);
    try {
      return nanos(GoTime.parse(layout, value));
    } catch (GoTime.ParseException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static Value parseRfc3339(Value[] a, BuiltinContext c) throws BuiltinException {
    String value = string(a[0], 1);
    try {
      return nanos(GoTime.parse(NAMED_LAYOUTS.get("RFC3339"), value));
    } catch (GoTime.ParseException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static Value format(Value[] a, BuiltinContext c) throws BuiltinException {
    Zoned z = operand(a[0]);
    String layout = z.layout().isEmpty() ? NAMED_LAYOUTS.get("RFC3339Nano") : z.layout();
    layout = NAMED_LAYOUTS.getOrDefault(layout, layout);
    return StringValue.of(GoTime.format(z.time(), layout));
  }

  private static Value date(Value[] a, BuiltinContext c) throws BuiltinException {
    ZonedDateTime t = operand(a[0]).time();
    return ArrayValue.of(
        NumberValue.of(t.getYear()),
        NumberValue.of(t.getMonthValue()),
        NumberValue.of(t.getDayOfMonth()));
  }

  private static Value clock(Value[] a, BuiltinContext c) throws BuiltinException {
    ZonedDateTime t = operand(a[0]).time();
    return ArrayValue.of(
        NumberValue.of(t.getHour()), NumberValue.of(t.getMinute()), NumberValue.of(t.getSecond()));
  }

  private static Value weekday(Value[] a, BuiltinContext c) throws BuiltinException {
    return StringValue.of(
        operand(a[0]).time().getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
  }

  private static Value addDate(Value[] a, BuiltinContext c) throws BuiltinException {
    ZonedDateTime t = operand(a[0]).time();
    long years = Operands.integer(a[1], 2);
    long months = Operands.integer(a[2], 3);
    long days = Operands.integer(a[3], 4);
    // Go normalizes (Jan 31 + 1 month = Mar 3), so add months to the first of the month and
    // then add back the day offset.
    try {
      ZonedDateTime first = t.withDayOfMonth(1).plusYears(years).plusMonths(months);
      ZonedDateTime result = first.plusDays(t.getDayOfMonth() - 1L + days);
      return nanos(result.toInstant());
    } catch (DateTimeException | ArithmeticException e) {
      throw BuiltinException.error("time outside of valid range");
    }
  }

  private static Value diff(Value[] a, BuiltinContext c) throws BuiltinException {
    ZonedDateTime t1 = operand(a[0]).time();
    ZonedDateTime t2 = operand(a[1]).time().withZoneSameInstant(t1.getZone());
    if (t1.isAfter(t2)) {
      ZonedDateTime x = t1;
      t1 = t2;
      t2 = x;
    }
    int year = t2.getYear() - t1.getYear();
    int month = t2.getMonthValue() - t1.getMonthValue();
    int day = t2.getDayOfMonth() - t1.getDayOfMonth();
    int hour = t2.getHour() - t1.getHour();
    int min = t2.getMinute() - t1.getMinute();
    int sec = t2.getSecond() - t1.getSecond();
    if (sec < 0) {
      sec += 60;
      min--;
    }
    if (min < 0) {
      min += 60;
      hour--;
    }
    if (hour < 0) {
      hour += 24;
      day--;
    }
    if (day < 0) {
      // Days in t1's month: Go computes it from the 32nd day overflowing.
      ZonedDateTime overflow =
          ZonedDateTime.of(t1.getYear(), t1.getMonthValue(), 1, 0, 0, 0, 0, ZoneOffset.UTC)
              .plus(31, ChronoUnit.DAYS);
      day += 32 - overflow.getDayOfMonth();
      month--;
    }
    if (month < 0) {
      month += 12;
      year--;
    }
    return ArrayValue.of(
        NumberValue.of(year),
        NumberValue.of(month),
        NumberValue.of(day),
        NumberValue.of(hour),
        NumberValue.of(min),
        NumberValue.of(sec));
  }
}
