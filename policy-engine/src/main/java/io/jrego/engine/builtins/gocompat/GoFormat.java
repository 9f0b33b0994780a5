package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.spi.BoundedOutput;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Go's {@code fmt.Sprintf} as OPA's {@code sprintf} drives it: integers arrive as {@code int64} (or
 * {@code *big.Int} when larger), numbers written with a fraction or exponent as {@code float64},
 * strings as strings and every other value as its Rego text. Verbs, flags, width, precision, {@code
 * *} and {@code [n]} work as in Go, and so do Go's in-band error markers ({@code %!d(string=x)},
 * {@code %!d(MISSING)}, {@code %!(EXTRA ...)}).
 */
public final class GoFormat {

  private GoFormat() {}

  /** A Go argument: Long, BigInteger, Double or String. */
  static Object goArg(Value v) {
    if (v instanceof StringValue s) {
      return s.value();
    }
    if (v instanceof NumberValue n) {
      String text = n.toString();
      if (text.indexOf('.') >= 0 || text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
        double d = Double.parseDouble(text);
        return Double.isInfinite(d) ? text : (Object) d;
      }
      if (n.isSmall()) {
        return n.longValue();
      }
      try {
        return n.bigDecimal().toBigIntegerExact();
      } catch (ArithmeticException e) {
        return text;
      }
    }
    return v.toString();
  }

  /**
   * A Go value of string kind under another type name (text/template's {@code json.Number}), or a
   * composite already rendered with %v: formats as a string but names its own type.
   */
  record Named(String type, String text) {}

  private static String goType(Object arg) {
    return switch (arg) {
      case Named n -> n.type();
      case Long l -> "int64";
      case BigInteger b -> "*big.Int";
      case Double d -> "float64";
      default -> "string";
    };
  }

  /** Per-directive state. */
  private static final class Spec {
    boolean plus;
    boolean minus;
    boolean sharp;
    boolean zero;
    boolean space;
    int width = -1;
    int prec = -1;
  }

  public static String sprintf(String format, ArrayValue values, BoundedOutput bound) {
    Object[] args = new Object[values.size()];
    for (int i = 0; i < args.length; i++) {
      args[i] = goArg(values.get(i));
    }
    return sprintf(format, args, bound);
  }

  /** {@code fmt.Sprintf} over Go arguments, each a Long, BigInteger, Double, String or Named. */
  public static String sprintf(String format, Object[] args) {
    return sprintf(format, args, BoundedOutput.NONE);
  }

  /**
   * As {@link #sprintf(String, Object[])}, checking {@code bound} before each directive: a width or
   * precision of up to 10^7 and an argument printed again and again by index ({@code %[1]s}) can
   * make the output far longer than the format and its arguments.
   */
  public static String sprintf(String format, Object[] args, BoundedOutput bound) {
    StringBuilder out = new StringBuilder(format.length() + 16);
    int argNum = 0;
    boolean reordered = false;
    int n = format.length();
    int i = 0;
    while (i < n) {
      char ch = format.charAt(i);
      if (ch != '%') {
        int next = format.indexOf('%', i);
        if (next < 0) {
          next = n;
        }
        out.append(format, i, next);
        i = next;
        continue;
      }
      i++;
      Spec s = new Spec();
      flags:
      while (i < n) {
        switch (format.charAt(i)) {
          case '#' -> s.sharp = true;
          case '0' -> s.zero = true;
          case '+' -> s.plus = true;
          case '-' -> s.minus = true;
          case ' ' -> s.space = true;
          default -> {
            break flags;
          }
        }
        i++;
      }
      // Argument index before width.
      boolean badIndex = false;
      int[] idx = argIndex(format, i, argNum, args.length);
      if (idx != null) {
        i = idx[0];
        reordered = true;
        if (idx[2] == 0) {
          badIndex = true;
        } else {
          argNum = idx[1];
        }
      }
      boolean badWidth = false;
      if (i < n && format.charAt(i) == '*') {
        i++;
        if (argNum < args.length && args[argNum] instanceof Long w && Math.abs(w) <= 1_000_000) {
          s.width = (int) (long) w;
          if (s.width < 0) {
            s.minus = true;
            s.width = -s.width;
          }
        } else {
          badWidth = true;
        }
        argNum++;
      } else {
        int start = i;
        while (i < n && Character.isDigit(format.charAt(i)) && i - start < 7) {
          i++;
        }
        if (i > start) {
          s.width = Integer.parseInt(format.substring(start, i));
        }
      }
      boolean badPrec = false;
      if (i < n && format.charAt(i) == '.') {
        i++;
        idx = argIndex(format, i, argNum, args.length);
        if (idx != null) {
          i = idx[0];
          reordered = true;
          if (idx[2] == 0) {
            badIndex = true;
          } else {
            argNum = idx[1];
          }
        }
        if (i < n && format.charAt(i) == '*') {
          i++;
          if (argNum < args.length && args[argNum] instanceof Long p && p >= 0 && p <= 1_000_000) {
            s.prec = (int) (long) p;
          } else {
            badPrec = true;
          }
          argNum++;
        } else {
          int start = i;
          while (i < n && Character.isDigit(format.charAt(i)) && i - start < 7) {
            i++;
          }
          s.prec = i > start ? Integer.parseInt(format.substring(start, i)) : 0;
        }
      }
      idx = argIndex(format, i, argNum, args.length);
      if (idx != null) {
        i = idx[0];
        reordered = true;
        if (idx[2] == 0) {
          badIndex = true;
        } else {
          argNum = idx[1];
        }
      }
      if (badWidth) {
        out.append("%!(BADWIDTH)");
      }
      if (badPrec) {
        out.append("%!(BADPREC)");
      }
      if (i >= n) {
        out.append("%!(NOVERB)");
        break;
      }
      int verb = format.codePointAt(i);
      i += Character.charCount(verb);
      if (verb == '%') {
        out.append('%');
        continue;
      }
      if (badIndex) {
        out.append("%!").appendCodePoint(verb).append("(BADINDEX)");
        continue;
      }
      if (argNum >= args.length) {
        out.append("%!").appendCodePoint(verb).append("(MISSING)");
        continue;
      }
      bound.adding(out.length(), Math.max(0, s.width) + Math.max(0, s.prec) + length(args[argNum]));
      formatArg(out, s, verb, args[argNum++]);
    }
    if (!reordered && argNum < args.length) {
      out.append("%!(EXTRA ");
      for (int k = argNum; k < args.length; k++) {
        if (k > argNum) {
          out.append(", ");
        }
        out.append(goType(args[k])).append('=');
        bound.adding(out.length(), length(args[k]));
        formatArg(out, new Spec(), 'v', args[k]);
      }
      out.append(')');
    }
    return out.toString();
  }

  /** About how long an argument prints, for {@link BoundedOutput}. */
  private static long length(Object arg) {
    return switch (arg) {
      case String str -> str.length();
      case Named named -> named.text().length();
      case BigInteger b -> b.bitLength() / 3 + 2;
      default -> 32;
    };
  }

  /** Parses {@code [n]} at {@code i}: {new index, arg number, ok}; null when absent. */
  private static int[] argIndex(String f, int i, int argNum, int numArgs) {
    if (i >= f.length() || f.charAt(i) != '[') {
      return null;
    }
    int close = f.indexOf(']', i);
    if (close < 0) {
      return new int[] {f.length(), argNum, 0};
    }
    String digits = f.substring(i + 1, close);
    try {
      int k = Integer.parseInt(digits);
      if (k >= 1 && k <= numArgs && digits.chars().allMatch(Character::isDigit)) {
        return new int[] {close + 1, k - 1, 1};
      }
    } catch (NumberFormatException e) {
      // falls through to a bad index
    }
    return new int[] {close + 1, argNum, 0};
  }

  private static void formatArg(StringBuilder out, Spec s, int verb, Object arg) {
    if (verb == 'T') {
      pad(out, s, goType(arg), false);
      return;
    }
    switch (arg) {
      case Long l -> formatInteger(out, s, verb, BigInteger.valueOf(l), false, arg);
      case BigInteger b -> formatInteger(out, s, verb, b, true, arg);
      case Double d -> formatFloat(out, s, verb, d, arg);
      case String str -> formatString(out, s, verb, str, arg);
      case Named named -> formatString(out, s, verb, named.text(), arg);
      default -> throw new IllegalStateException("unexpected argument " + arg);
    }
  }

  /** Go prints a wrong-verb argument with %v under the directive's own flags. */
  private static void badVerb(StringBuilder out, Spec s, int verb, Object arg) {
    out.append("%!").appendCodePoint(verb).append('(');
    out.append(arg instanceof BigInteger ? "big.Int" : goType(arg)).append('=');
    formatArg(out, s, 'v', arg);
    out.append(')');
  }

  private static void formatInteger(
      StringBuilder out, Spec s, int verb, BigInteger v, boolean big, Object arg) {
    int radix;
    String prefix = "";
    switch (verb) {
      case 'v', 'd', 's' -> {
        if (verb == 's' && !big) {
          badVerb(out, s, verb, arg);
          return;
        }
        radix = 10;
      }
      case 'b' -> {
        radix = 2;
        prefix = s.sharp ? "0b" : "";
      }
      case 'o' -> {
        radix = 8;
        prefix = s.sharp ? "0" : "";
      }
      case 'O' -> {
        radix = 8;
        prefix = "0o";
      }
      case 'x' -> {
        radix = 16;
        prefix = s.sharp ? "0x" : "";
      }
      case 'X' -> {
        radix = 16;
        prefix = s.sharp ? "0X" : "";
      }
      case 'c', 'q', 'U' -> {
        if (big) {
          badVerb(out, s, verb, arg);
          return;
        }
        formatRune(out, s, verb, v);
        return;
      }
      default -> {
        badVerb(out, s, verb, arg);
        return;
      }
    }
    String digits = v.abs().toString(radix);
    if (verb == 'X') {
      digits = digits.toUpperCase(Locale.ROOT);
    }
    if (s.prec >= 0) {
      if (s.prec == 0 && v.signum() == 0) {
        digits = "";
      }
      if (digits.length() < s.prec) {
        digits = "0".repeat(s.prec - digits.length()) + digits;
      }
    }
    String sign = v.signum() < 0 ? "-" : s.plus ? "+" : s.space ? " " : "";
    String head = sign + prefix;
    if (s.zero && !s.minus && s.prec < 0 && s.width > head.length() + digits.length()) {
      digits = "0".repeat(s.width - head.length() - digits.length()) + digits;
    }
    pad(out, s, head + digits, false);
  }

  private static void formatRune(StringBuilder out, Spec s, int verb, BigInteger v) {
    long cp = v.longValue();
    boolean valid = v.bitLength() < 32 && cp >= 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    int r = valid ? (int) cp : 0xFFFD;
    String text =
        switch (verb) {
          case 'c' -> new String(Character.toChars(r));
          case 'q' -> "'" + escapeRune(r, '\'', s.plus) + "'";
          default -> {
            String hex = Long.toHexString(cp).toUpperCase(Locale.ROOT);
            String u = "U+" + "0".repeat(Math.max(0, 4 - hex.length())) + hex;
            yield s.sharp && valid ? u + " '" + new String(Character.toChars(r)) + "'" : u;
          }
        };
    pad(out, s, text, false);
  }

  private static void formatString(StringBuilder out, Spec s, int verb, String v, Object arg) {
    switch (verb) {
      case 'v', 's' -> pad(out, s, truncate(v, s.prec), true);
      case 'q' -> pad(out, s, quote(truncate(v, s.prec), s.plus), false);
      case 'x', 'X' -> {
        byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
        int len = s.prec >= 0 ? Math.min(s.prec, bytes.length) : bytes.length;
        String digits = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
        StringBuilder hex = new StringBuilder();
        for (int k = 0; k < len; k++) {
          if (s.space && k > 0) {
            hex.append(' ');
          }
          if (s.sharp && (s.space || k == 0)) {
            hex.append(verb == 'x' ? "0x" : "0X");
          }
          hex.append(digits.charAt((bytes[k] >> 4) & 0xF)).append(digits.charAt(bytes[k] & 0xF));
        }
        pad(out, s, hex.toString(), false);
      }
      default -> badVerb(out, s, verb, arg);
    }
  }

  private static String truncate(String v, int prec) {
    if (prec < 0 || v.codePointCount(0, v.length()) <= prec) {
      return v;
    }
    return v.substring(0, v.offsetByCodePoints(0, prec));
  }

  /** Go's strconv.Quote (or QuoteToASCII when {@code ascii}). */
  public static String quote(String v, boolean ascii) {
    StringBuilder sb = new StringBuilder(v.length() + 2).append('"');
    for (int k = 0; k < v.length(); ) {
      int cp = v.codePointAt(k);
      sb.append(escapeRune(cp, '"', ascii));
      k += Character.charCount(cp);
    }
    return sb.append('"').toString();
  }

  private static String escapeRune(int cp, char quote, boolean ascii) {
    if (cp == quote || cp == '\\') {
      return "\\" + (char) cp;
    }
    if (ascii ? cp < 0x80 && isPrint(cp) : isPrint(cp)) {
      return new String(Character.toChars(cp));
    }
    return switch (cp) {
      case 0x07 -> "\\a";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case 0x0B -> "\\v";
      default -> {
        if (cp < ' ' || cp == 0x7F) {
          yield String.format("\\x%02x", cp);
        } else if (cp < 0x10000) {
          yield String.format("\\u%04x", cp);
        } else {
          yield String.format("\\U%08x", cp);
        }
      }
    };
  }

  /** Approximates Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, space. */
  private static boolean isPrint(int cp) {
    if (cp == ' ') {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.UNASSIGNED,
          Character.CONTROL,
          Character.FORMAT,
          Character.PRIVATE_USE,
          Character.SURROGATE,
          Character.SPACE_SEPARATOR,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR ->
          false;
      default -> true;
    };
  }

  private static void formatFloat(StringBuilder out, Spec s, int verb, double d, Object arg) {
    int prec = s.prec;
    char kind;
    switch (verb) {
      case 'v', 'g' -> kind = 'g';
      case 'G' -> kind = 'G';
      case 'e', 'E', 'f', 'F' -> {
        kind = (char) verb;
        if (prec < 0) {
          prec = 6;
        }
      }
      default -> {
        badVerb(out, s, verb, arg);
        return;
      }
    }
    boolean negative = d < 0 || (d == 0 && 1 / d < 0);
    String body = formatFloatBody(Math.abs(d), kind, prec, s.sharp);
    String sign = negative ? "-" : s.plus ? "+" : s.space ? " " : "";
    if (s.zero && !s.minus && s.width > sign.length() + body.length()) {
      body = "0".repeat(s.width - sign.length() - body.length()) + body;
    }
    pad(out, s, sign + body, false);
  }

  /** Decimal digits (no trailing zeros, at least one digit) and the point's position. */
  private record Digits(String digits, int dp) {
    static Digits of(BigDecimal v) {
      if (v.signum() == 0) {
        return new Digits("0", 1);
      }
      BigDecimal t = v.stripTrailingZeros();
      String u = t.unscaledValue().toString();
      return new Digits(u, u.length() - t.scale());
    }
  }

  /** Formats a non-negative double like strconv.FormatFloat with Go's %e/%f/%g rules. */
  static String formatFloatBody(double d, char kind, int prec, boolean sharp) {
    boolean shortest = prec < 0;
    char lower = Character.toLowerCase(kind);
    Digits digs;
    if (shortest) {
      digs = Digits.of(new BigDecimal(Double.toString(d)));
    } else {
      BigDecimal exact = new BigDecimal(d);
      digs =
          switch (lower) {
            case 'e' -> Digits.of(exact.round(new MathContext(prec + 1, RoundingMode.HALF_EVEN)));
            case 'f' -> Digits.of(exact.setScale(prec, RoundingMode.HALF_EVEN));
            default ->
                Digits.of(
                    exact.round(new MathContext(prec == 0 ? 1 : prec, RoundingMode.HALF_EVEN)));
          };
    }
    if (d == 0) {
      digs = new Digits("0", 1);
    }
    int nd = digs.digits().length();
    switch (lower) {
      case 'e' -> {
        return fmtE(digs, shortest ? nd - 1 : prec, kind == 'E' ? 'E' : 'e');
      }
      case 'f' -> {
        return fmtF(digs, shortest ? Math.max(nd - digs.dp(), 0) : prec);
      }
      default -> {
        if (prec == 0) {
          prec = 1;
        }
        int eprec = prec;
        if (shortest) {
          eprec = 6;
        } else if (eprec > nd && nd >= digs.dp()) {
          eprec = nd;
        }
        if (sharp && !shortest) {
          eprec = prec;
        }
        int exp = digs.dp() - 1;
        if (exp < -4 || exp >= eprec) {
          int p = shortest ? nd : Math.min(prec, nd);
          if (sharp && !shortest) {
            p = prec;
          }
          return fmtE(digs, p - 1, kind == 'G' ? 'E' : 'e');
        }
        int p = shortest ? nd : prec;
        if (!sharp && p > digs.dp()) {
          p = nd;
        }
        return fmtF(digs, Math.max(p - digs.dp(), 0));
      }
    }
  }

  private static char digitAt(Digits d, int i) {
    return i >= 0 && i < d.digits().length() ? d.digits().charAt(i) : '0';
  }

  private static String fmtE(Digits d, int prec, char e) {
    StringBuilder sb = new StringBuilder();
    sb.append(digitAt(d, 0));
    if (prec > 0) {
      sb.append('.');
      for (int i = 1; i <= prec; i++) {
        sb.append(digitAt(d, i));
      }
    }
    int exp = d.digits().equals("0") ? 0 : d.dp() - 1;
    sb.append(e).append(exp < 0 ? '-' : '+');
    int abs = Math.abs(exp);
    if (abs < 10) {
      sb.append('0');
    }
    return sb.append(abs).toString();
  }

  private static String fmtF(Digits d, int prec) {
    StringBuilder sb = new StringBuilder();
    if (d.dp() > 0) {
      for (int i = 0; i < d.dp(); i++) {
        sb.append(digitAt(d, i));
      }
    } else {
      sb.append('0');
    }
    if (prec > 0) {
      sb.append('.');
      for (int i = 0; i < prec; i++) {
        sb.append(digitAt(d, d.dp() + i));
      }
    }
    return sb.toString();
  }

  /** Pads to the width in runes; {@code zeroOk} lets the 0 flag pad strings with zeros. */
  private static void pad(StringBuilder out, Spec s, String text, boolean zeroOk) {
    int len = text.codePointCount(0, text.length());
    if (s.width <= len) {
      out.append(text);
      return;
    }
    String fill = String.valueOf(zeroOk && s.zero && !s.minus ? '0' : ' ').repeat(s.width - len);
    if (s.minus) {
      out.append(text).append(fill);
    } else {
      out.append(fill).append(text);
    }
  }
}
