package io.jrego.engine.builtins.gocompat;

/**
 * Go's {@code netip.ParseAddr} as a validator, with its error messages ({@code ParseAddr("1.2.3"):
 * IPv4 address too short}), for the URL parser's check of bracketed hosts.
 */
public final class GoNetip {

  private GoNetip() {}

  /** Thrown with Go's message, prefixed {@code invalid host: } as net/url reports it. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String in, String msg, String at) {
      super(
          "invalid host: ParseAddr("
              + GoFormat.quote(in, false)
              + "): "
              + msg
              + (at.isEmpty() ? "" : " (at " + GoFormat.quote(at, false) + ")"),
          null,
          false,
          false);
    }
  }

  /**
   * Checks an address; returns 4 for IPv4, 6 for IPv6.
   *
   * @throws Invalid with Go's message when {@code s} is no address
   */
  static int parseAddr(String s) throws Invalid {
    for (int i = 0; i < s.length(); i++) {
      switch (s.charAt(i)) {
        case '.' -> {
          ipv4Fields(s, 0, s.length());
          return 4;
        }
        case ':' -> {
          ipv6(s);
          return 6;
        }
        case '%' -> throw new Invalid(s, "missing IPv6 address", "");
        default -> {}
      }
    }
    throw new Invalid(s, "unable to parse IP", "");
  }

  private static void ipv4Fields(String in, int off, int end) throws Invalid {
    String s = in.substring(off, end);
    int val = 0;
    int pos = 0;
    int digits = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        if (digits == 1 && val == 0) {
          throw new Invalid(in, "IPv4 field has octet with leading zero", "");
        }
        val = val * 10 + (c - '0');
        digits++;
        if (val > 255) {
          throw new Invalid(in, "IPv4 field has value >255", "");
        }
      } else if (c == '.') {
        if (i == 0 || i == s.length() - 1 || s.charAt(i - 1) == '.') {
          throw new Invalid(in, "IPv4 field must have at least one digit", s.substring(i));
        }
        if (pos == 3) {
          throw new Invalid(in, "IPv4 address too long", "");
        }
        pos++;
        val = 0;
        digits = 0;
      } else {
        throw new Invalid(in, "unexpected character", s.substring(i));
      }
    }
    if (pos < 3) {
      throw new Invalid(in, "IPv4 address too short", "");
    }
  }

  private static void ipv6(String in) throws Invalid {
    String s = in;
    String zone = "";
    int pct = s.indexOf('%');
    if (pct >= 0) {
      zone = s.substring(pct + 1);
      s = s.substring(0, pct);
      if (zone.isEmpty()) {
        throw new Invalid(in, "zone must be a non-empty string", "");
      }
    }
    int ellipsis = -1;
    if (s.startsWith("::")) {
      ellipsis = 0;
      s = s.substring(2);
      if (s.isEmpty()) {
        return;
      }
    }
    int i = 0;
    while (i < 16) {
      int off = 0;
      int acc = 0;
      for (; off < s.length(); off++) {
        int d = Character.digit(s.charAt(off), 16);
        if (d < 0 || s.charAt(off) > 'f') {
          break;
        }
        acc = (acc << 4) + d;
        if (off > 3) {
          throw new Invalid(in, "each group must have 4 or less digits", s);
        }
      }
      if (off == 0) {
        throw new Invalid(in, "each colon-separated field must have at least one digit", s);
      }
      if (off < s.length() && s.charAt(off) == '.') {
        if (ellipsis < 0 && i != 12) {
          throw new Invalid(
              in, "embedded IPv4 address must replace the final 2 fields of the address", s);
        }
        if (i + 4 > 16) {
          throw new Invalid(
              in, "too many hex fields to fit an embedded IPv4 at the end of the address", s);
        }
        int end = in.length() - (zone.isEmpty() ? 0 : zone.length() + 1);
        ipv4Fields(in, end - s.length(), end);
        s = "";
        i += 4;
        break;
      }
      i += 2;
      s = s.substring(off);
      if (s.isEmpty()) {
        break;
      }
      if (s.charAt(0) != ':') {
        throw new Invalid(in, "unexpected character, want colon", s);
      } else if (s.length() == 1) {
        throw new Invalid(in, "colon must be followed by more characters", s);
      }
      s = s.substring(1);
      if (s.charAt(0) == ':') {
        if (ellipsis >= 0) {
          throw new Invalid(in, "multiple :: in address", s);
        }
        ellipsis = i;
        s = s.substring(1);
        if (s.isEmpty()) {
          break;
        }
      }
    }
    if (!s.isEmpty()) {
      throw new Invalid(in, "trailing garbage after address", s);
    }
    if (i < 16 && ellipsis < 0) {
      throw new Invalid(in, "address string too short", "");
    }
    if (i >= 16 && ellipsis >= 0) {
      throw new Invalid(in, "the :: must expand to at least one field of zeros", "");
    }
  }
}
