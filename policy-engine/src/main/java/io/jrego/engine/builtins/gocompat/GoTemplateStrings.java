package io.jrego.engine.builtins.gocompat;

import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Go's literal syntax (quoted strings, numbers) and the escapers text/template offers. */
public final class GoTemplateStrings {

  private GoTemplateStrings() {}

  /** Go's strconv.Unquote for a double-quoted literal. */
  static <E extends Exception> String unquote(String quoted, Supplier<E> bad) throws E {
    StringBuilder sb = new StringBuilder();
    int n = quoted.length() - 1;
    int i = 1;
    while (i < n) {
      char c = quoted.charAt(i++);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (i >= n) {
        throw bad.get();
      }
      char e = quoted.charAt(i++);
      switch (e) {
        case 'a' -> sb.append('\u0007');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'v' -> sb.append('\u000b');
        case '\\' -> sb.append('\\');
        case '"' -> sb.append('"');
        case 'x', 'u', 'U' -> {
          int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + len > n) {
            throw bad.get();
          }
          int v;
          try {
            v = Integer.parseUnsignedInt(quoted.substring(i, i + len), 16);
          } catch (NumberFormatException ex) {
            throw bad.get();
          }
          i += len;
          if (e == 'x') {
            sb.append((char) v);
          } else if (Character.isValidCodePoint(v)) {
            sb.appendCodePoint(v);
          } else {
            throw bad.get();
          }
        }
        default -> {
          if (e >= '0' && e <= '7' && i + 2 <= n) {
            try {
              sb.append((char) Integer.parseInt(quoted.substring(i - 1, i + 2), 8));
            } catch (NumberFormatException ex) {
              throw bad.get();
            }
            i += 2;
          } else {
            throw bad.get();
          }
        }
      }
    }
    return sb.toString();
  }

  /**
   * A number constant as text/template types it: an int (Long) unless written with a fraction or
   * exponent, then a float64 (Double); null when malformed or out of range.
   */
  static Object number(String text) {
    String t = text.replace("_", "");
    boolean neg = t.startsWith("-");
    String body = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
    String lower = body.toLowerCase(java.util.Locale.ROOT);
    try {
      BigInteger big = null;
      if (lower.startsWith("0x") && !lower.contains("p")) {
        big = new BigInteger(body.substring(2), 16);
      } else if (lower.startsWith("0b")) {
        big = new BigInteger(body.substring(2), 2);
      } else if (lower.startsWith("0o")) {
        big = new BigInteger(body.substring(2), 8);
      } else if (lower.matches("0[0-7]+")) {
        big = new BigInteger(body.substring(1), 8);
      } else if (lower.matches("[0-9]+")) {
        big = new BigInteger(body);
      }
      if (big != null) {
        if (neg) {
          big = big.negate();
        }
        return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
      }
      if (lower.matches("([0-9]+\\.?[0-9]*|\\.[0-9]+)(e[+-]?[0-9]+)?")) {
        double d = Double.parseDouble(t);
        return Double.isInfinite(d) ? null : d;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return null;
  }

  /** text/template's {@code html}: escapes the five HTML specials and NUL. */
  static String html(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\0' -> sb.append('\uFFFD');
        case '"' -> sb.append("&#34;");
        case '\'' -> sb.append("&#39;");
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** text/template's {@code js}: escapes quotes, backslash, HTML specials and controls. */
  static String js(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\'' -> sb.append("\\'");
        case '"' -> sb.append("\\\"");
        case '<' -> sb.append("\\u003C");
        case '>' -> sb.append("\\u003E");
        case '&' -> sb.append("\\u0026");
        case '=' -> sb.append("\\u003D");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < ' ') {
            sb.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  /** Go's url.QueryEscape. */
  static String urlquery(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("*", "%2A").replace("%7E", "~");
  }
}
