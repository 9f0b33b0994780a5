package io.jrego.server.envoy;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A media type with its parameters, parsed as Go's {@code mime.ParseMediaType} does (lower-cased
 * type and parameter names, token or quoted-string values, duplicate names rejected).
 *
 * @param type such as {@code multipart/form-data}
 * @param params parameter name (lower case) to value
 */
record MediaType(String type, Map<String, String> params) {

  static MediaType parse(String v) throws UrlDecoding.DecodingException {
    int semi = v.indexOf(';');
    String type = (semi < 0 ? v : v.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    checkType(type);
    Map<String, String> params = new HashMap<>();
    int i = semi < 0 ? v.length() : semi;
    while (i < v.length()) {
      // at a ';'
      i++;
      i = skipSpace(v, i);
      if (i >= v.length()) {
        break; // a trailing ';' is tolerated
      }
      int nameStart = i;
      while (i < v.length() && isTokenChar(v.charAt(i))) {
        i++;
      }
      String name = v.substring(nameStart, i).toLowerCase(Locale.ROOT);
      i = skipSpace(v, i);
      if (name.isEmpty() || i >= v.length() || v.charAt(i) != '=') {
        throw new UrlDecoding.DecodingException("mime: invalid media parameter");
      }
      i = skipSpace(v, i + 1);
      String value;
      if (i < v.length() && v.charAt(i) == '"') {
        StringBuilder sb = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < v.length()) {
          char c = v.charAt(i++);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\' && i < v.length()) {
            c = v.charAt(i++);
          }
          sb.append(c);
        }
        if (!closed) {
          throw new UrlDecoding.DecodingException("mime: invalid media parameter");
        }
        value = sb.toString();
      } else {
        int valueStart = i;
        while (i < v.length() && isTokenChar(v.charAt(i))) {
          i++;
        }
        value = v.substring(valueStart, i);
        if (value.isEmpty()) {
          throw new UrlDecoding.DecodingException("mime: invalid media parameter");
        }
      }
      i = skipSpace(v, i);
      if (i < v.length() && v.charAt(i) != ';') {
        throw new UrlDecoding.DecodingException("mime: invalid media parameter");
      }
      if (params.putIfAbsent(name, value) != null) {
        throw new UrlDecoding.DecodingException("mime: duplicate parameter name");
      }
    }
    return new MediaType(type, Map.copyOf(params));
  }

  private static void checkType(String t) throws UrlDecoding.DecodingException {
    int slash = t.indexOf('/');
    String major = slash < 0 ? t : t.substring(0, slash);
    if (major.isEmpty() || !isToken(major)) {
      throw new UrlDecoding.DecodingException("mime: no media type");
    }
    if (slash >= 0) {
      String sub = t.substring(slash + 1);
      if (sub.isEmpty() || !isToken(sub)) {
        throw new UrlDecoding.DecodingException("mime: expected token after slash");
      }
    }
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!isTokenChar(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isTokenChar(char c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?=".indexOf(c) < 0;
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }
}
