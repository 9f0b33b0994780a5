package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.spi.BuiltinException;
import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's time.ParseDuration, plus OPA's day ({@code d}), week ({@code w}) and year ({@code y}) units,
 * which OPA rewrites to hours before parsing.
 */
public final class Durations {

  private static final Map<String, Long> UNITS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "\u00b5s", 1_000L,
          "\u03bcs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private static final Map<String, Integer> HOURS_PER = Map.of("d", 24, "w", 7 * 24, "y", 365 * 24);

  private static final Pattern EXTENDED = Pattern.compile("([+-]?)((?:[0-9]*\\.?[0-9]*[a-zµμ]+)+)");
  private static final Pattern SEGMENT = Pattern.compile("([0-9]*\\.?[0-9]*)([a-zµμ]+)");

  private Durations() {}

  public static long parse(String s) throws BuiltinException {
    if (s.isEmpty()) {
      throw invalid(s);
    }
    if (s.chars().noneMatch(ch -> ch == 'd' || ch == 'w' || ch == 'y')) {
      return parseGo(s, s);
    }
    Matcher m = EXTENDED.matcher(s);
    if (!m.matches()) {
      throw invalid(s);
    }
    StringBuilder rewritten = new StringBuilder(m.group(1));
    Matcher seg = SEGMENT.matcher(m.group(2));
    while (seg.find()) {
      Integer hours = HOURS_PER.get(seg.group(2));
      if (hours == null) {
        rewritten.append(seg.group());
        continue;
      }
      double v;
      try {
        v = Double.parseDouble(seg.group(1));
      } catch (NumberFormatException e) {
        throw invalid(s);
      }
      rewritten
          .append(new BigDecimal(Double.toString(v * hours)).stripTrailingZeros().toPlainString())
          .append('h');
    }
    try {
      return parseGo(rewritten.toString(), rewritten.toString());
    } catch (BuiltinException e) {
      String msg = e.getMessage();
      int cut = msg.lastIndexOf(' ');
      throw BuiltinException.error(msg.substring(0, cut) + " " + GoFormat.quote(s, false));
    }
  }

  private static BuiltinException invalid(String orig) {
    return BuiltinException.error("time: invalid duration " + GoFormat.quote(orig, false));
  }

  private static long parseGo(String s, String orig) throws BuiltinException {
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    // Unsigned accumulation up to 2^63, as Go does.
    BigDecimal limit = new BigDecimal("9223372036854775808");
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (!(c == '.' || (c >= '0' && c <= '9'))) {
        throw invalid(orig);
      }
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      boolean pre = i > start;
      BigDecimal v = pre ? new BigDecimal(s.substring(start, i)) : BigDecimal.ZERO;
      if (v.compareTo(limit) >= 0) {
        throw invalid(orig);
      }
      boolean post = false;
      double f = 0;
      double scale = 1;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fs = i;
        boolean overflow = false;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
          if (!overflow) {
            if (f > (Long.MAX_VALUE - 9) / 10.0) {
              overflow = true;
            } else {
              f = f * 10 + (s.charAt(i) - '0');
              scale *= 10;
            }
          }
          i++;
        }
        post = i > fs;
      }
      if (!pre && !post) {
        throw invalid(orig);
      }
      int us = i;
      while (i < s.length() && s.charAt(i) != '.' && !Character.isDigit(s.charAt(i))) {
        i++;
      }
      if (i == us) {
        throw BuiltinException.error(
            "time: missing unit in duration " + GoFormat.quote(orig, false));
      }
      String u = s.substring(us, i);
      Long unit = UNITS.get(u);
      if (unit == null) {
        throw BuiltinException.error(
            "time: unknown unit "
                + GoFormat.quote(u, false)
                + " in duration "
                + GoFormat.quote(orig, false));
      }
      v = v.multiply(BigDecimal.valueOf(unit));
      if (v.compareTo(limit) > 0) {
        throw invalid(orig);
      }
      if (f > 0) {
        v = v.add(BigDecimal.valueOf((long) (f * (unit / scale))));
        if (v.compareTo(limit) > 0) {
          throw invalid(orig);
        }
      }
      total = total.add(v);
      if (total.compareTo(limit) > 0) {
        throw invalid(orig);
      }
    }
    if (neg) {
      return total.negate().longValueExact();
    }
    if (total.compareTo(limit) >= 0) {
      throw invalid(orig);
    }
    return total.longValueExact();
  }
}
