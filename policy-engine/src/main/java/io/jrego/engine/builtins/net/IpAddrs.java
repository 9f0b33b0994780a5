package io.jrego.engine.builtins.net;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Literal IP addresses and CIDR blocks as Go's {@code net} package reads and prints them, without
 * ever resolving names. IPv4 addresses are 4 bytes; IPv4-mapped IPv6 addresses ({@code
 * ::ffff:a.b.c.d}) are folded to 4 bytes as Go's {@code To4} does.
 */
public final class IpAddrs {

  private IpAddrs() {}

  /** A CIDR block: {@code ip} as written and {@code network} (ip masked to {@code prefix}). */
  public static final class Cidr {
    private final byte[] ip;
    private final byte[] network;
    private final int prefix;

    public Cidr(byte[] ip, byte[] network, int prefix) {
      this.ip = ip;
      this.network = network;
      this.prefix = prefix;
    }

    /** The network address; callers must not modify it. */
    public byte[] network() {
      return network;
    }

    public int prefix() {
      return prefix;
    }

    public int bits() {
      return network.length * 8;
    }

    public boolean contains(byte[] addr) {
      if (addr.length != network.length) {
        return false;
      }
      return Arrays.equals(mask(addr, prefix), network);
    }

    public byte[] last() {
      byte[] out = network.clone();
      for (int i = prefix; i < out.length * 8; i++) {
        out[i / 8] |= (byte) (0x80 >>> (i % 8));
      }
      return out;
    }

    /** Go's {@code IPNet.String()}: the stored address (masked unless built from a bare IP). */
    public String format(boolean useRawIp) {
      return IpAddrs.format(useRawIp ? ip : network) + "/" + prefix;
    }
  }

  /** Parses a literal address as Go's {@code net.ParseIP}; null when it is not one. */
  public static byte[] parseIp(String s) {
    if (s.indexOf(':') >= 0) {
      byte[] v6 = parseIpv6(s);
      if (v6 == null) {
        return null;
      }
      return isMapped(v6) ? Arrays.copyOfRange(v6, 12, 16) : v6;
    }
    return parseIpv4(s);
  }

  /** Parses {@code addr/prefix} as Go's {@code net.ParseCIDR}; null when invalid. */
  public static Cidr parseCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return null;
    }
    String addr = s.substring(0, slash);
    String bitsText = s.substring(slash + 1);
    byte[] ip;
    int bits;
    if (addr.indexOf(':') >= 0) {
      ip = parseIpv6(addr);
      bits = 128;
    } else {
      ip = parseIpv4(addr);
      bits = 32;
    }
    if (ip == null || bitsText.isEmpty() || bitsText.length() > 4) {
      return null;
    }
    int n = 0;
    for (int i = 0; i < bitsText.length(); i++) {
      char c = bitsText.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      n = n * 10 + (c - '0');
    }
    if (n > bits) {
      return null;
    }
    if (bits == 128 && isMapped(ip) && n >= 96) {
      ip = Arrays.copyOfRange(ip, 12, 16); // Go treats a mapped network as IPv4
      n -= 96;
    }
    return new Cidr(ip, mask(ip, n), n);
  }

  public static byte[] mask(byte[] ip, int prefix) {
    byte[] out = ip.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (0xff00 >>> keep);
    }
    return out;
  }

  private static boolean isMapped(byte[] v6) {
    for (int i = 0; i < 10; i++) {
      if (v6[i] != 0) {
        return false;
      }
    }
    return v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
  }

  private static byte[] parseIpv4(String s) {
    byte[] out = new byte[4];
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  private static byte[] parseIpv6(String s) {
    if (s.indexOf('%') >= 0) {
      return null; // zones are not addresses for ParseIP
    }
    byte[] out = new byte[16];
    int ellipsis = -1; // byte position of "::"
    int i = 0;
    int pos = 0;
    if (s.startsWith("::")) {
      ellipsis = 0;
      i = 2;
      if (i == s.length()) {
        return out;
      }
    }
    while (pos < 16) {
      int start = i;
      int v = 0;
      while (i < s.length() && i - start < 5 && Character.digit(s.charAt(i), 16) >= 0) {
        v = v * 16 + Character.digit(s.charAt(i), 16);
        i++;
      }
      int len = i - start;
      if (len == 0 || len > 4) {
        return null;
      }
      if (i < s.length() && s.charAt(i) == '.') {
        // Embedded IPv4 in the last 32 bits.
        if (ellipsis < 0 && pos != 12) {
          return null;
        }
        if (pos + 4 > 16) {
          return null;
        }
        byte[] v4 = parseIpv4(s.substring(start));
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, out, pos, 4);
        pos += 4;
        i = s.length();
        break;
      }
      out[pos] = (byte) (v >> 8);
      out[pos + 1] = (byte) v;
      pos += 2;
      if (i == s.length()) {
        break;
      }
      if (s.charAt(i) != ':' || i + 1 == s.length()) {
        return null;
      }
      i++;
      if (s.charAt(i) == ':') {
        if (ellipsis >= 0) {
          return null;
        }
        ellipsis = pos;
        i++;
        if (i == s.length()) {
          break;
        }
      }
    }
    if (i != s.length()) {
      return null;
    }
    if (pos < 16) {
      if (ellipsis < 0) {
        return null;
      }
      int n = 16 - pos;
      for (int j = pos - 1; j >= ellipsis; j--) {
        out[j + n] = out[j];
      }
      for (int j = ellipsis + n - 1; j >= ellipsis; j--) {
        out[j] = 0;
      }
    } else if (ellipsis >= 0) {
      return null; // "::" must stand for at least one group
    }
    return out;
  }

  /** Go's {@code IP.String()}: dotted IPv4, or RFC 5952 IPv6. */
  public static String format(byte[] ip) {
    if (ip.length == 16 && isMapped(ip)) {
      ip = Arrays.copyOfRange(ip, 12, 16);
    }
    if (ip.length == 4) {
      return (ip[0] & 0xff) + "." + (ip[1] & 0xff) + "." + (ip[2] & 0xff) + "." + (ip[3] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int g = 0; g < 8; ) {
      if (group(ip, g) == 0) {
        int start = g;
        while (g < 8 && group(ip, g) == 0) {
          g++;
        }
        if (g - start > bestLen && g - start >= 2) {
          bestStart = start;
          bestLen = g - start;
        }
      } else {
        g++;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        sb.append("::");
        g += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(group(ip, g)));
    }
    return sb.toString();
  }

  private static int group(byte[] ip, int g) {
    return ((ip[2 * g] & 0xff) << 8) | (ip[2 * g + 1] & 0xff);
  }

  public static BigInteger toBig(byte[] ip) {
    return new BigInteger(1, ip);
  }

  public static byte[] fromBig(BigInteger v, int len) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[len];
    int n = Math.min(raw.length, len);
    System.arraycopy(raw, raw.length - n, out, len - n, n);
    return out;
  }
}
