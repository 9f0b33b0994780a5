package io.jrego.engine.builtins.ai;

/**
 * E-mail addresses, passwords in URLs, and IPv6 addresses, read from the scan's char copy ({@link
 * Scan#chars}).
 */
final class Addresses {

  private static final int MAX_LOCAL = 64;
  private static final int MAX_DOMAIN = 253;

  private Addresses() {}

  private static boolean isLocalChar(char c) {
    return Chars.isAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }

  /** The e-mail address around the {@code @} at {@code at}, if there is one. */
  static void email(Scan scan, int at) {
    char[] t = scan.chars;
    int n = scan.length;
    int j = at;
    while (j > 0 && isLocalChar(t[j - 1]) && at - j < MAX_LOCAL + 1) {
      j--;
    }
    if (at - j > MAX_LOCAL) {
      return;
    }
    while (j < at && (t[j] == '.' || t[j] == '-')) {
      j++;
    }
    if (j == at || t[at - 1] == '.') {
      return;
    }
    if (j > 0 && t[j - 1] == ':' && urlCredentials(scan, j, at)) {
      return;
    }
    if (!Chars.boundaryBefore(t, j)) {
      return;
    }
    int end = domainEnd(t, n, at + 1);
    if (end < 0) {
      return;
    }
    if (scan.wants(PiiType.EMAIL)) {
      scan.add(PiiType.EMAIL, j, end, "plain", "");
    }
  }

  /** {@code scheme://user:password@host}: the password between {@code from} and {@code at}. */
  private static boolean urlCredentials(Scan scan, int from, int at) {
    char[] t = scan.chars;
    int k = from - 1; // the ':'
    int u = k;
    while (u > 0 && k - u < MAX_LOCAL && isLocalChar(t[u - 1])) {
      u--;
    }
    if (u < 3 || t[u - 2] != '/' || t[u - 1] != '/' || t[u - 3] != ':') {
      return false;
    }
    if (scan.wants(PiiType.GENERIC_SECRET)) {
      scan.add(PiiType.GENERIC_SECRET, from, at, "url_credentials", "url");
    }
    return true;
  }

  /**
   * The end of a domain name starting at {@code i} with at least two labels in the text held in
   * {@code t[0, n)}, or -1.
   */
  private static int domainEnd(char[] t, int n, int i) {
    int start = i;
    int labels = 0;
    int lastLabelStart = i;
    int end = -1;
    while (i < n && i - start <= MAX_DOMAIN) {
      int ls = i;
      while (i < n && (Chars.isAsciiAlnum(t[i]) || t[i] == '-') && i - ls < 64) {
        i++;
      }
      if (i == ls || t[ls] == '-' || t[i - 1] == '-') {
        break;
      }
      labels++;
      lastLabelStart = ls;
      end = i;
      if (i + 1 < n && t[i] == '.' && Chars.isAsciiAlnum(t[i + 1])) {
        i++;
      } else {
        break;
      }
    }
    if (labels < 2 || end < 0 || !Chars.boundaryAt(t, n, end)) {
      return -1;
    }
    int tldLen = end - lastLabelStart;
    boolean letters = true;
    for (int k = lastLabelStart; k < end; k++) {
      letters &= Chars.isAsciiLetter(t[k]);
    }
    boolean idn = Chars.startsWith(t, n, lastLabelStart, "xn--");
    if (!(idn || (letters && tldLen >= 2 && tldLen <= 24))) {
      return -1;
    }
    return end;
  }

  /** An IPv6 address starting at {@code s}; returns its end, or -1 when there is none. */
  static int ipv6(Scan scan, int s) {
    char[] t = scan.chars;
    int n = scan.length;
    int i = s;
    while (i < n && i - s < 46 && (Chars.isHex(t[i]) || t[i] == ':' || t[i] == '.')) {
      i++;
    }
    int end = i;
    while (end > s
        && (t[end - 1] == '.' || (t[end - 1] == ':' && !(end - 2 >= s && t[end - 2] == ':')))) {
      end--;
    }
    if (end - s < 3
        || i - s >= 46
        || !Chars.boundaryAt(t, n, i)
        || !validIpv6(String.valueOf(t, s, end - s))) {
      return -1;
    }
    if (scan.wants(PiiType.IP)) {
      scan.add(PiiType.IP, s, end, "ipv6", "ipv6");
    }
    return i;
  }

  /** Whether {@code a} is an IPv6 address (with an IPv4 tail or not). */
  static boolean validIpv6(String a) {
    int dbl = a.indexOf("::");
    if (dbl >= 0 && a.indexOf("::", dbl + 1) >= 0) {
      return false;
    }
    int groups = 0;
    boolean digit = false;
    boolean v4tail = false;
    String[] parts = a.split(":", -1);
    for (int k = 0; k < parts.length; k++) {
      String p = parts[k];
      if (p.isEmpty()) {
        continue;
      }
      if (p.indexOf('.') >= 0) {
        if (k != parts.length - 1 || !ipv4(p)) {
          return false;
        }
        v4tail = true;
        groups += 2;
        digit = true;
        continue;
      }
      if (p.length() > 4) {
        return false;
      }
      for (int c = 0; c < p.length(); c++) {
        if (!Chars.isHex(p.charAt(c))) {
          return false;
        }
        digit |= Chars.isAsciiDigit(p.charAt(c));
      }
      groups++;
    }
    if (dbl < 0) {
      // Without "::" every part must be present; an empty part is a stray colon.
      for (String p : parts) {
        if (p.isEmpty()) {
          return false;
        }
      }
      return groups == 8 && digit;
    }
    return groups <= 7 && digit && (groups >= 2 || a.equals("::1") || v4tail);
  }

  private static boolean ipv4(String p) {
    String[] o = p.split("\\.", -1);
    if (o.length != 4) {
      return false;
    }
    for (String x : o) {
      if (x.isEmpty() || x.length() > 3) {
        return false;
      }
      for (int i = 0; i < x.length(); i++) {
        if (!Chars.isAsciiDigit(x.charAt(i))) {
          return false;
        }
      }
      if (Integer.parseInt(x) > 255) {
        return false;
      }
    }
    return true;
  }
}
