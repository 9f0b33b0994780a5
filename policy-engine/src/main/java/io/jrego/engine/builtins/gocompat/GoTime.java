package io.jrego.engine.builtins.gocompat;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Go's reference-time layouts ({@code 2006-01-02T15:04:05Z07:00}) for formatting and parsing, and
 * Go's duration syntax. Covers every layout element of Go's time package.
 */
public final class GoTime {

  private GoTime() {}

  /** One layout element: its kind and the literal text it occupies in the layout. */
  private record Chunk(String std, String text) {}

  private static final String[] STDS = {
    "January", "Jan", "Monday", "Mon", "MST", "2006", "002", "__2", "_2", "01", "02", "03", "04",
    "05", "06", "15", "1", "2", "3", "4", "5", "PM", "pm", "Z070000", "Z07:00:00", "Z0700",
    "Z07:00", "Z07", "-070000", "-07:00:00", "-0700", "-07:00", "-07"
  };

  /** The element starting at {@code i}, or null when layout[i] is literal text. */
  private static Chunk chunkAt(String layout, int i) {
    char c = layout.charAt(i);
    if ((c == '.' || c == ',') && i + 1 < layout.length()) {
      char d = layout.charAt(i + 1);
      if (d == '0' || d == '9') {
        int j = i + 1;
        while (j < layout.length() && layout.charAt(j) == d) {
          j++;
        }
        if (j >= layout.length() || !Character.isDigit(layout.charAt(j))) {
          return new Chunk(d == '0' ? "frac0" : "frac9", layout.substring(i, j));
        }
      }
      return null;
    }
    for (String s : STDS) {
      if (layout.startsWith(s, i)) {
        if (s.equals("_2") && layout.startsWith("_2006", i)) {
          return null;
        }
        return new Chunk(s, s);
      }
    }
    return null;
  }

  private static String pad(long v, int width, char fill) {
    String s = Long.toString(Math.abs(v));
    StringBuilder sb = new StringBuilder();
    if (v < 0) {
      sb.append('-');
    }
    for (int k = s.length(); k < width; k++) {
      sb.append(fill);
    }
    return sb.append(s).toString();
  }

  public static String format(ZonedDateTime t, String layout) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < layout.length()) {
      Chunk ch = chunkAt(layout, i);
      if (ch == null) {
        out.append(layout.charAt(i++));
        continue;
      }
      i += ch.text().length();
      int offset = t.getOffset().getTotalSeconds();
      switch (ch.std()) {
        case "January" -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
        case "Jan" -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
        case "Monday" -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
        case "Mon" -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
        case "MST" -> out.append(zoneAbbreviation(t));
        case "2006" -> out.append(pad(t.getYear(), 4, '0'));
        case "06" -> out.append(pad(Math.floorMod(t.getYear(), 100), 2, '0'));
        case "002" -> out.append(pad(t.getDayOfYear(), 3, '0'));
        case "__2" -> out.append(pad(t.getDayOfYear(), 3, ' '));
        case "_2" -> out.append(pad(t.getDayOfMonth(), 2, ' '));
        case "01" -> out.append(pad(t.getMonthValue(), 2, '0'));
        case "1" -> out.append(t.getMonthValue());
        case "02" -> out.append(pad(t.getDayOfMonth(), 2, '0'));
        case "2" -> out.append(t.getDayOfMonth());
        case "15" -> out.append(pad(t.getHour(), 2, '0'));
        case "03" -> out.append(pad(hour12(t.getHour()), 2, '0'));
        case "3" -> out.append(hour12(t.getHour()));
        case "04" -> out.append(pad(t.getMinute(), 2, '0'));
        case "4" -> out.append(t.getMinute());
        case "05" -> out.append(pad(t.getSecond(), 2, '0'));
        case "5" -> out.append(t.getSecond());
        case "PM" -> out.append(t.getHour() >= 12 ? "PM" : "AM");
        case "pm" -> out.append(t.getHour() >= 12 ? "pm" : "am");
        case "frac0", "frac9" -> {
          String digits =
              String.format("%09d", t.getNano()).substring(0, Math.min(9, ch.text().length() - 1));
          if (ch.std().equals("frac9")) {
            int end = digits.length();
            while (end > 0 && digits.charAt(end - 1) == '0') {
              end--;
            }
            if (end > 0) {
              out.append(ch.text().charAt(0)).append(digits, 0, end);
            }
          } else {
            out.append(ch.text().charAt(0)).append(digits);
          }
        }
        default -> {
          // Zone offsets: Z forms print Z for UTC.
          String std = ch.std();
          if (std.startsWith("Z") && offset == 0) {
            out.append('Z');
            break;
          }
          out.append(offset < 0 ? '-' : '+');
          int abs = Math.abs(offset);
          int hh = abs / 3600;
          int mm = abs / 60 % 60;
          int ss = abs % 60;
          String body = std.substring(1);
          out.append(pad(hh, 2, '0'));
          switch (body) {
            case "0700" -> out.append(pad(mm, 2, '0'));
            case "07:00" -> out.append(':').append(pad(mm, 2, '0'));
            case "070000" -> out.append(pad(mm, 2, '0')).append(pad(ss, 2, '0'));
            case "07:00:00" ->
                out.append(':').append(pad(mm, 2, '0')).append(':').append(pad(ss, 2, '0'));
            default -> {}
          }
        }
      }
    }
    return out.toString();
  }

  private static int hour12(int h) {
    int r = h % 12;
    return r == 0 ? 12 : r;
  }

  private static String zoneAbbreviation(ZonedDateTime t) {
    if (t.getZone().equals(ZoneOffset.UTC) || t.getZone().getId().equals("UTC")) {
      return "UTC";
    }
    String name = DateTimeFormatter.ofPattern("zzz", Locale.US).format(t);
    if ((name.startsWith("GMT") && name.length() > 3) || name.contains("/")) {
      int offset = t.getOffset().getTotalSeconds();
      int abs = Math.abs(offset);
      String s = (offset < 0 ? "-" : "+") + pad(abs / 3600, 2, '0');
      return abs % 3600 == 0 ? s : s + pad(abs / 60 % 60, 2, '0');
    }
    return name;
  }

  /** A failure to parse, worded as Go's time.ParseError. */
  public static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(String message) {
      super(message, null, false, false);
    }
  }

  private static ParseException cannotParse(String value, String layout, String rest, String elem) {
    return new ParseException(
        "parsing time "
            + GoFormat.quote(value, false)
            + " as "
            + GoFormat.quote(layout, false)
            + ": cannot parse "
            + GoFormat.quote(rest, false)
            + " as "
            + GoFormat.quote(elem, false));
  }

  private static final String[] LONG_MONTHS = {
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December"
  };
  private static final String[] LONG_DAYS = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
  };

  private static int lookup(String[] names, String s, int pos, boolean shortForm) {
    for (int k = 0; k < names.length; k++) {
      String n = shortForm ? names[k].substring(0, 3) : names[k];
      if (s.regionMatches(true, pos, n, 0, n.length())) {
        return k;
      }
    }
    return -1;
  }

  /** Parses {@code value} by Go's {@code layout}; a time without zone is UTC. */
  public static Instant parse(String layout, String value) throws ParseException {
    int year = 0;
    int month = 1;
    int day = 1;
    int yday = -1;
    int hour = 0;
    int min = 0;
    int sec = 0;
    int nano = 0;
    boolean pm = false;
    boolean pmSet = false;
    Integer offset = null;
    ZoneId zoneByName = null;
    int li = 0;
    int vi = 0;
    while (li < layout.length()) {
      Chunk ch = chunkAt(layout, li);
      if (ch == null) {
        if (vi >= value.length() || value.charAt(vi) != layout.charAt(li)) {
          int next = li;
          while (next < layout.length() && chunkAt(layout, next) == null) {
            next++;
          }
          throw cannotParse(
              value,
              layout,
              value.substring(Math.min(vi, value.length())),
              layout.substring(li, next));
        }
        li++;
        vi++;
        continue;
      }
      li += ch.text().length();
      String rest = value.substring(vi);
      String std = ch.std();
      try {
        switch (std) {
          case "January", "Jan" -> {
            int k = lookup(LONG_MONTHS, value, vi, std.equals("Jan"));
            if (k < 0) {
              throw cannotParse(value, layout, rest, std);
            }
            month = k + 1;
            vi += std.equals("Jan") ? 3 : LONG_MONTHS[k].length();
          }
          case "Monday", "Mon" -> {
            int k = lookup(LONG_DAYS, value, vi, std.equals("Mon"));
            if (k < 0) {
              throw cannotParse(value, layout, rest, std);
            }
            vi += std.equals("Mon") ? 3 : LONG_DAYS[k].length();
          }
          case "2006" -> {
            year = digits(value, vi, 4, 4, rest, layout, std);
            vi += 4;
          }
          case "06" -> {
            int y = digits(value, vi, 2, 2, rest, layout, std);
            year = y >= 69 ? 1900 + y : 2000 + y;
            vi += 2;
          }
          case "01", "1" -> {
            int n = std.length() == 2 ? 2 : numLen(value, vi, 2);
            month = digits(value, vi, n, n, rest, layout, std);
            vi += n;
            if (month < 1 || month > 12) {
              throw new ParseException(
                  "parsing time " + GoFormat.quote(value, false) + ": month out of range");
            }
          }
          case "02", "2", "_2" -> {
            if (std.equals("_2") && vi < value.length() && value.charAt(vi) == ' ') {
              vi++;
            }
            int n = std.equals("02") ? 2 : numLen(value, vi, 2);
            day = digits(value, vi, n, n, rest, layout, std);
            vi += n;
          }
          case "002", "__2" -> {
            while (std.equals("__2") && vi < value.length() && value.charAt(vi) == ' ') {
              vi++;
            }
            int n = std.equals("002") ? 3 : numLen(value, vi, 3);
            yday = digits(value, vi, n, n, rest, layout, std);
            vi += n;
          }
          case "15" -> {
            int n = numLen(value, vi, 2);
            hour = digits(value, vi, n, n, rest, layout, std);
            vi += n;
            if (hour > 23) {
              throw new ParseException(
                  "parsing time " + GoFormat.quote(value, false) + ": hour out of range");
            }
          }
          case "03", "3" -> {
            int n = std.length() == 2 ? 2 : numLen(value, vi, 2);
            hour = digits(value, vi, n, n, rest, layout, std);
            vi += n;
            if (hour > 12) {
              throw new ParseException(
                  "parsing time " + GoFormat.quote(value, false) + ": hour out of range");
            }
          }
          case "04", "4" -> {
            int n = std.length() == 2 ? 2 : numLen(value, vi, 2);
            min = digits(value, vi, n, n, rest, layout, std);
            vi += n;
            if (min > 59) {
              throw new ParseException(
                  "parsing time " + GoFormat.quote(value, false) + ": minute out of range");
            }
          }
          case "05", "5" -> {
            int n = std.length() == 2 ? 2 : numLen(value, vi, 2);
            sec = digits(value, vi, n, n, rest, layout, std);
            vi += n;
            if (sec > 59) {
              throw new ParseException(
                  "parsing time " + GoFormat.quote(value, false) + ": second out of range");
            }
            // A fractional second may follow even when the layout has none.
            if (vi + 1 < value.length()
                && (value.charAt(vi) == '.' || value.charAt(vi) == ',')
                && Character.isDigit(value.charAt(vi + 1))
                && (li >= layout.length()
                    || chunkAt(layout, li) == null
                    || !chunkAt(layout, li).std().startsWith("frac"))) {
              int j = vi + 1;
              while (j < value.length() && Character.isDigit(value.charAt(j))) {
                j++;
              }
              nano = fraction(value.substring(vi + 1, j));
              vi = j;
            }
          }
          case "PM", "pm" -> {
            String ap =
                value.length() >= vi + 2
                    ? value.substring(vi, vi + 2).toUpperCase(Locale.ROOT)
                    : "";
            if (!ap.equals("AM") && !ap.equals("PM")) {
              throw cannotParse(value, layout, rest, std);
            }
            pm = ap.equals("PM");
            pmSet = true;
            vi += 2;
          }
          case "MST" -> {
            int j = vi;
            while (j < value.length() && Character.isUpperCase(value.charAt(j))) {
              j++;
            }
            String name = value.substring(vi, j);
            if (name.length() < 3) {
              throw cannotParse(value, layout, rest, std);
            }
            if (name.equals("UTC") || name.equals("GMT")) {
              offset = 0;
            } else {
              try {
                zoneByName = ZoneId.of(name, ZoneId.SHORT_IDS);
              } catch (DateTimeException e) {
                offset = 0; // Go records an unknown abbreviation with a zero offset.
              }
            }
            vi = j;
          }
          case "frac0", "frac9" -> {
            if (vi >= value.length() || value.charAt(vi) != ch.text().charAt(0)) {
              if (std.equals("frac9")) {
                break;
              }
              throw cannotParse(value, layout, rest, ch.text());
            }
            int j = vi + 1;
            while (j < value.length() && Character.isDigit(value.charAt(j))) {
              j++;
            }
            if (std.equals("frac0") && j - vi != ch.text().length()) {
              throw cannotParse(value, layout, rest, ch.text());
            }
            nano = fraction(value.substring(vi + 1, j));
            vi = j;
          }
          default -> {
            if (std.startsWith("Z") && vi < value.length() && value.charAt(vi) == 'Z') {
              offset = 0;
              vi++;
              break;
            }
            String body = std.substring(1);
            int need =
                switch (body) {
                  case "07" -> 3;
                  case "0700" -> 5;
                  case "07:00" -> 6;
                  case "070000" -> 7;
                  default -> 9;
                };
            if (value.length() < vi + need
                || (value.charAt(vi) != '+' && value.charAt(vi) != '-')) {
              throw cannotParse(value, layout, rest, std);
            }
            String z = value.substring(vi, vi + need);
            boolean colon = body.contains(":");
            int hh = digits(z, 1, 2, 2, rest, layout, std);
            int mm = 0;
            int ss = 0;
            if (need >= 5) {
              if (colon && z.charAt(3) != ':') {
                throw cannotParse(value, layout, rest, std);
              }
              mm = digits(z, colon ? 4 : 3, 2, 2, rest, layout, std);
            }
            if (need >= 7) {
              if (colon && z.charAt(6) != ':') {
                throw cannotParse(value, layout, rest, std);
              }
              ss = digits(z, colon ? 7 : 5, 2, 2, rest, layout, std);
            }
            int total = hh * 3600 + mm * 60 + ss;
            offset = z.charAt(0) == '-' ? -total : total;
            vi += need;
          }
        }
      } catch (StringIndexOutOfBoundsException e) {
        throw cannotParse(value, layout, rest, ch.text());
      }
    }
    if (vi < value.length()) {
      throw new ParseException(
          "parsing time "
              + GoFormat.quote(value, false)
              + ": extra text: "
              + GoFormat.quote(value.substring(vi), false));
    }
    if (pmSet) {
      if (pm && hour < 12) {
        hour += 12;
      } else if (!pm && hour == 12) {
        hour = 0;
      }
    }
    LocalDate date;
    try {
      date = yday >= 0 ? LocalDate.ofYearDay(year, yday) : LocalDate.of(year, month, day);
    } catch (DateTimeException e) {
      throw new ParseException(
          "parsing time " + GoFormat.quote(value, false) + ": day out of range");
    }
    LocalDateTime ldt = date.atTime(hour, min, sec, nano);
    if (offset != null) {
      return ldt.toInstant(ZoneOffset.ofTotalSeconds(offset));
    }
    if (zoneByName != null) {
      return ldt.atZone(zoneByName).toInstant();
    }
    return ldt.toInstant(ZoneOffset.UTC);
  }

  private static int numLen(String s, int i, int max) {
    int n = 0;
    while (n < max && i + n < s.length() && Character.isDigit(s.charAt(i + n))) {
      n++;
    }
    return Math.max(n, 1);
  }

  private static int digits(
      String s, int i, int min, int max, String rest, String layout, String elem)
      throws ParseException {
    if (i + min > s.length()) {
      throw cannotParse(s, layout, rest, elem);
    }
    int v = 0;
    for (int k = 0; k < max; k++) {
      char c = s.charAt(i + k);
      if (c < '0' || c > '9') {
        throw cannotParse(s, layout, rest, elem);
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int fraction(String digits) {
    String d = (digits + "000000000").substring(0, 9);
    return Integer.parseInt(d);
  }
}
