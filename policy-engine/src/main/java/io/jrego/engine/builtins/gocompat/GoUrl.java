package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.spi.BuiltinException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The parts of Go's {@code net/url.Parse} that request signing reads: the host, Go's {@code
 * EscapedPath()} and the raw query, with Go's wording for the common parse failures.
 */
public record GoUrl(String host, String escapedPath, String rawQuery) {

  public static GoUrl parse(String raw) throws BuiltinException {
    for (int k = 0; k < raw.length(); k++) {
      char c = raw.charAt(k);
      if (c < 0x20 || c == 0x7f) {
        throw fail(raw, "net/url: invalid control character in URL");
      }
    }
    String rest = raw;
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int colon = schemeEnd(rest);
    if (colon == 0) {
      throw fail(raw, "missing protocol scheme");
    }
    if (colon > 0) {
      rest = rest.substring(colon + 1);
    }
    String host = "";
    if (rest.startsWith("//")) {
      String authority = rest.substring(2);
      int slash = authority.indexOf('/');
      rest = slash < 0 ? "" : authority.substring(slash);
      authority = slash < 0 ? authority : authority.substring(0, slash);
      int at = authority.lastIndexOf('@');
      host = at < 0 ? authority : authority.substring(at + 1);
      host = unescape(raw, host);
    }
    String path = unescape(raw, rest);
    // Go keeps the path as written when it is validly encoded, and re-escapes it otherwise.
    return new GoUrl(host, validEncoded(rest) ? rest : escape(path), query);
  }

  /**
   * The index of the scheme's colon, -1 when there is no scheme, 0 when the URL starts with ':'.
   */
  private static int schemeEnd(String s) {
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (Character.isLetter(c) && c < 0x80) {
        continue;
      }
      if (k > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
        continue;
      }
      return c == ':' ? k : -1;
    }
    return -1;
  }

  private static BuiltinException fail(String raw, String msg) {
    return BuiltinException.error("parse " + GoFormat.quote(raw, false) + ": " + msg);
  }

  private static String unescape(String raw, String s) throws BuiltinException {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '%') {
        if (k + 2 >= s.length()) {
          throw fail(raw, "invalid URL escape " + GoFormat.quote(s.substring(k), false));
        }
        int hi = Character.digit(s.charAt(k + 1), 16);
        int lo = Character.digit(s.charAt(k + 2), 16);
        if (hi < 0 || lo < 0) {
          throw fail(raw, "invalid URL escape " + GoFormat.quote(s.substring(k, k + 3), false));
        }
        out.write(hi * 16 + lo);
        k += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean unreserved(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_'
        || c == '.'
        || c == '~';
  }

  /** Go's shouldEscape for a path: keeps unreserved characters and {@code $&+,/:;=@}. */
  private static boolean keepInPath(int c) {
    return unreserved(c) || "$&+,/:;=@".indexOf(c) >= 0;
  }

  private static boolean validEncoded(String s) {
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if ("!$&'()*+,;=:@[]%".indexOf(c) >= 0) {
        continue;
      }
      if (!keepInPath(c)) {
        return false;
      }
    }
    return true;
  }

  private static String escape(String path) {
    StringBuilder sb = new StringBuilder();
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 0x80 && keepInPath(c)) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
