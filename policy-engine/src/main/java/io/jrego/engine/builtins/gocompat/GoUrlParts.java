package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.builtins.spi.BuiltinException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A URL split as Go's {@code net/url.Parse} splits it, for {@code uri.parse}: scheme (lower case),
 * opaque part, host with port, path (unescaped) and its raw form when that is not the canonical
 * encoding, raw query and fragment (unescaped). Failures carry Go's messages ({@code parse "x":
 * invalid URL escape "%zz"}).
 */
public record GoUrlParts(
    String scheme,
    String opaque,
    String host,
    String path,
    String rawPath,
    String rawQuery,
    String fragment) {

  private enum Mode {
    PATH,
    HOST,
    FRAGMENT,
    USER
  }

  public static GoUrlParts parse(String raw) throws BuiltinException {
    int hash = raw.indexOf('#');
    String u = hash < 0 ? raw : raw.substring(0, hash);
    GoUrlParts url;
    try {
      url = parseNoFragment(u);
    } catch (Failure f) {
      throw fail(u, f.getMessage());
    }
    if (hash < 0) {
      return url;
    }
    try {
      String frag = unescape(raw.substring(hash + 1), Mode.FRAGMENT);
      return new GoUrlParts(
          url.scheme, url.opaque, url.host, url.path, url.rawPath, url.rawQuery, frag);
    } catch (Failure f) {
      throw fail(raw, f.getMessage());
    }
  }

  /** The host without its port and IPv6 brackets (Go's {@code Hostname()}). */
  public String hostname() {
    String h = host;
    int colon = h.lastIndexOf(':');
    if (colon >= 0 && validOptionalPort(h.substring(colon))) {
      h = h.substring(0, colon);
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h;
  }

  /** The port, empty when there is none (Go's {@code Port()}). */
  public String port() {
    int colon = host.lastIndexOf(':');
    if (colon >= 0 && validOptionalPort(host.substring(colon))) {
      return host.substring(colon + 1);
    }
    return "";
  }

  /** A parse failure before it is wrapped with the URL, as Go's {@code url.Error} does. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private static BuiltinException fail(String raw, String msg) {
    return BuiltinException.error("parse " + GoFormat.quote(raw, false) + ": " + msg);
  }

  private static GoUrlParts parseNoFragment(String raw) throws Failure {
    for (int k = 0; k < raw.length(); k++) {
      char c = raw.charAt(k);
      if (c < 0x20 || c == 0x7f) {
        throw new Failure("net/url: invalid control character in URL");
      }
    }
    if (raw.equals("*")) {
      return new GoUrlParts("", "", "", "*", "", "", "");
    }
    String scheme = "";
    String rest = raw;
    int colon = schemeEnd(raw);
    if (colon == 0) {
      throw new Failure("missing protocol scheme");
    }
    if (colon > 0) {
      scheme = raw.substring(0, colon).toLowerCase(Locale.ROOT);
      rest = raw.substring(colon + 1);
    }
    String query = "";
    if (rest.endsWith("?") && rest.indexOf('?') == rest.length() - 1) {
      rest = rest.substring(0, rest.length() - 1);
    } else {
      int q = rest.indexOf('?');
      if (q >= 0) {
        query = rest.substring(q + 1);
        rest = rest.substring(0, q);
      }
    }
    if (!rest.startsWith("/")) {
      if (!scheme.isEmpty()) {
        return new GoUrlParts(scheme, rest, "", "", "", query, ""); // rootless: opaque
      }
      int slash = rest.indexOf('/');
      if ((slash < 0 ? rest : rest.substring(0, slash)).contains(":")) {
        throw new Failure("first path segment in URL cannot contain colon");
      }
    }
    String host = "";
    if (rest.startsWith("//")) {
      String authority = rest.substring(2);
      int slash = authority.indexOf('/');
      rest = slash < 0 ? "" : authority.substring(slash);
      authority = slash < 0 ? authority : authority.substring(0, slash);
      host = authority(authority);
    }
    String path = unescape(rest, Mode.PATH);
    String rawPath = escapePath(path).equals(rest) ? "" : rest;
    return new GoUrlParts(scheme, "", host, path, rawPath, query, "");
  }

  /** The index of the scheme's colon: -1 without a scheme, 0 when the URL starts with ':'. */
  private static int schemeEnd(String s) {
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        continue;
      }
      if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (k == 0) {
          return -1;
        }
        continue;
      }
      return c == ':' ? k : -1;
    }
    return -1;
  }

  private static String authority(String authority) throws Failure {
    int at = authority.lastIndexOf('@');
    String host = parseHost(at < 0 ? authority : authority.substring(at + 1));
    if (at >= 0) {
      String userinfo = authority.substring(0, at);
      for (int k = 0; k < userinfo.length(); k++) {
        char c = userinfo.charAt(k);
        if (!(unreserved(c) || "-._:~!$&'()*+,;=%@".indexOf(c) >= 0)) {
          throw new Failure("net/url: invalid userinfo");
        }
      }
      unescape(userinfo, Mode.USER);
    }
    return host;
  }

  private static String parseHost(String host) throws Failure {
    if (host.startsWith("[")) {
      int close = host.lastIndexOf(']');
      if (close < 0) {
        throw new Failure("missing ']' in host");
      }
      String colonPort = host.substring(close + 1);
      if (!validOptionalPort(colonPort)) {
        throw new Failure("invalid port " + GoFormat.quote(colonPort, false) + " after host");
      }
      String literal = unescape(host.substring(1, close), Mode.HOST);
      // only an IPv6 address may stand in brackets (RFC 3986), as Go checks with netip
      try {
        if (GoNetip.parseAddr(literal) == 4) {
          throw new Failure("invalid IP-literal");
        }
      } catch (GoNetip.Invalid e) {
        throw new Failure(e.getMessage());
      }
    } else {
      int colon = host.lastIndexOf(':');
      if (colon >= 0) {
        String colonPort = host.substring(colon);
        if (!validOptionalPort(colonPort)) {
          throw new Failure("invalid port " + GoFormat.quote(colonPort, false) + " after host");
        }
      }
    }
    return unescape(host, Mode.HOST);
  }

  private static boolean validOptionalPort(String port) {
    if (port.isEmpty()) {
      return true;
    }
    if (port.charAt(0) != ':') {
      return false;
    }
    for (int k = 1; k < port.length(); k++) {
      if (port.charAt(k) < '0' || port.charAt(k) > '9') {
        return false;
      }
    }
    return true;
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

  /** Go's shouldEscape for a host: everything but unreserved and {@code !$&'()*+,;=:[]<>"}. */
  private static boolean escapedInHost(int c) {
    return !(unreserved(c) || "!$&'()*+,;=:[]<>\"".indexOf(c) >= 0);
  }

  private static String unescape(String s, Mode mode) throws Failure {
    if (s.indexOf('%') < 0 && mode != Mode.HOST) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '%') {
        if (k + 2 >= s.length()
            || Character.digit(s.charAt(k + 1), 16) < 0
            || Character.digit(s.charAt(k + 2), 16) < 0) {
          String bad = s.substring(k, Math.min(s.length(), k + 3));
          throw new Failure("invalid URL escape " + GoFormat.quote(bad, false));
        }
        int hi = Character.digit(s.charAt(k + 1), 16);
        int lo = Character.digit(s.charAt(k + 2), 16);
        // in a host, an escape is allowed only for the zone (%25) or a non-ASCII byte
        if (mode == Mode.HOST && hi < 8 && !s.startsWith("%25", k)) {
          throw new Failure("invalid URL escape " + GoFormat.quote(s.substring(k, k + 3), false));
        }
        out.write(hi * 16 + lo);
        k += 2;
      } else {
        if (mode == Mode.HOST && c < 0x80 && escapedInHost(c)) {
          throw new Failure(
              "invalid character " + GoFormat.quote(String.valueOf(c), false) + " in host name");
        }
        int cp = s.codePointAt(k);
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        k += Character.charCount(cp) - 1;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Go's escape of a path: keeps unreserved characters and {@code $&+,/:;=@}. */
  private static String escapePath(String path) {
    StringBuilder sb = new StringBuilder();
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 0x80 && (unreserved(c) || "$&+,/:;=@".indexOf(c) >= 0)) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        sb.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
