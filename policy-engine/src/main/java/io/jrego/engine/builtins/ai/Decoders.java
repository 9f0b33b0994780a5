package io.jrego.engine.builtins.ai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Finds runs of embedded encodings in a view and decodes those that turn into readable text: base64
 * (standard and URL-safe), base32, hex (plain, {@code \xHH}), percent escapes, {@code \\uXXXX}
 * escapes and HTML numeric entities. One linear scan per encoding family; a run that decodes to
 * bytes that are not mostly printable UTF-8 is left alone, so ordinary long words and identifiers
 * cost one failed decode at most.
 */
final class Decoders {

  private Decoders() {}

  static final int MIN_BASE64 = 16;
  static final int MIN_BASE32 = 16;
  static final int MIN_HEX = 16;
  static final int MIN_ESCAPES = 3;

  /** A decoded run: the encoding's name, the run's view indices {@code [from, to)}, the text. */
  record Decoded(String encoding, int from, int to, String text) {}

  /** Every decodable run of {@code view}, in order of position, at most {@code max}. */
  static List<Decoded> find(MappedText view, int max) {
    List<Decoded> out = new ArrayList<>();
    int n = view.length();
    int[] a = view.codePoints();
    int i = 0;
    while (i < n && out.size() < max) {
      int c = a[i];
      if (c == '\\' || c == '%' || c == '&') {
        int end = escapes(view, i, out);
        if (end > i) {
          i = end;
          continue;
        }
      }
      if (isBase64Char(c) && (i == 0 || !isBase64Char(a[i - 1]))) {
        int j = i + 1;
        while (j < n && isBase64Char(a[j])) {
          j++;
        }
        int runEnd = j;
        while (runEnd < n && a[runEnd] == '=' && runEnd - j < 6) {
          runEnd++;
        }
        if (j - i >= MIN_BASE64) {
          // base64-alphabet characters are ASCII: the run is the view's code points as they are
          Decoded d = decodeRun(view.codePoints(), i, j, runEnd);
          if (d != null) {
            out.add(d);
          }
        }
        i = runEnd > i ? runEnd : i + 1;
        continue;
      }
      i++;
    }
    return out;
  }

  /**
   * {@link #find(MappedText, int)} visiting only {@code starts[0, count)}: increasing view indices
   * that include every escape character and the start of every maximal base64-alphabet run of at
   * least {@link #MIN_BASE64}. The answer is the same: {@code find} does nothing elsewhere but step
   * over characters, and a start inside a run already decoded is skipped as {@code find} skips it.
   */
  static List<Decoded> find(MappedText view, int max, int[] starts, int count) {
    List<Decoded> out = new ArrayList<>();
    int n = view.length();
    int[] a = view.codePoints();
    int i = 0;
    for (int k = 0; k < count && out.size() < max; k++) {
      if (starts[k] < i) {
        continue;
      }
      i = starts[k];
      int c = a[i];
      if (c == '\\' || c == '%' || c == '&') {
        int end = escapes(view, i, out);
        i = end > i ? end : i + 1;
        continue;
      }
      int j = i + 1;
      while (j < n && isBase64Char(a[j])) {
        j++;
      }
      int runEnd = j;
      while (runEnd < n && a[runEnd] == '=' && runEnd - j < 6) {
        runEnd++;
      }
      Decoded d = decodeRun(a, i, j, runEnd);
      if (d != null) {
        out.add(d);
      }
      i = runEnd;
    }
    return out;
  }

  /**
   * Tries hex, base32 and base64, in that order, on one run of base64-alphabet characters (at least
   * {@link #MIN_BASE64} long), the view's code points {@code a[from, end)}, covering view indices
   * {@code [from, to)} with its padding; the first that reads as text names the encoding. Read from
   * the code points: the run is made a string only for the base64 decoder, and only when its first
   * bytes may be text.
   */
  private static Decoded decodeRun(int[] a, int from, int end, int to) {
    int length = end - from;
    if (length >= MIN_HEX && length % 2 == 0 && isHex(a, from, end)) {
      String t = printable(hex(a, from, end));
      if (t != null) {
        return new Decoded("hex", from, to, t);
      }
    }
    if (length >= MIN_BASE32 && isBase32(a, from, end)) {
      String t = printable(base32(a, from, end));
      if (t != null) {
        return new Decoded("base32", from, to, t);
      }
    }
    if (!mayBeUtf8AsBase64(a, from, end)) {
      return null;
    }
    String t = printable(base64(new String(a, from, length)));
    return t == null ? null : new Decoded("base64", from, to, t);
  }

  /** Each ASCII character's base64 value (standard and URL-safe alphabets), -1 for none. */
  private static final byte[] BASE64_VALUE = new byte[128];

  static {
    java.util.Arrays.fill(BASE64_VALUE, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int k = 0; k < alphabet.length(); k++) {
      BASE64_VALUE[alphabet.charAt(k)] = (byte) k;
    }
    BASE64_VALUE['+'] = 62;
    BASE64_VALUE['-'] = 62;
    BASE64_VALUE['/'] = 63;
    BASE64_VALUE['_'] = 63;
  }

  /** The bytes the first three quads of a base64 run decode to. */
  private static final int PREFIX_BYTES = 9;

  /**
   * False when {@code run}'s base64 reading is surely not UTF-8, seen from the bytes its first
   * three quads decode to: most runs a scan tries (card numbers, IBANs, keys read as base64) fail
   * there, and decoding the whole run and copying it for that was most of what a PII-dense body's
   * decode attempts cost. A run is at least {@link #MIN_BASE64} long, so its first twelve
   * characters are whole quads, never the padded last one, and decode as {@link #base64} decodes
   * them (a run mixing the two alphabets, which that decoder refuses, has no text either way).
   */
  static boolean mayBeUtf8AsBase64(int[] a, int from, int end) {
    if (end - from < MIN_BASE64) {
      return true; // not a run this class tries: no claim
    }
    byte[] b = new byte[PREFIX_BYTES];
    for (int q = 0; q < 3; q++) {
      int at = from + 4 * q;
      int v0 = BASE64_VALUE[a[at]];
      int v1 = BASE64_VALUE[a[at + 1]];
      int v2 = BASE64_VALUE[a[at + 2]];
      int v3 = BASE64_VALUE[a[at + 3]];
      b[3 * q] = (byte) (v0 << 2 | v1 >> 4);
      b[3 * q + 1] = (byte) ((v1 & 15) << 4 | v2 >> 2);
      b[3 * q + 2] = (byte) ((v2 & 3) << 6 | v3);
    }
    return !illFormedUtf8Prefix(b);
  }

  /**
   * Whether {@code b}, the first bytes of a longer sequence, already breaks UTF-8 whatever follows
   * ({@link #wellFormedUtf8}'s rules up to the end of {@code b}).
   */
  static boolean illFormedUtf8Prefix(byte[] b) {
    return utf8State(b) == ILL_FORMED;
  }

  /** {@code \\uXXXX}, {@code \xHH}, {@code %HH} and {@code &#N;} runs starting at {@code i}. */
  private static int escapes(MappedText v, int i, List<Decoded> out) {
    int n = v.length();
    StringBuilder bytesAsChars = new StringBuilder();
    StringBuilder chars = new StringBuilder();
    int count = 0;
    int j = i;
    String kind = null;
    while (j < n) {
      int c = v.cp(j);
      if (c == '\\' && j + 6 <= n && v.cp(j + 1) == 'u' && hexAt(v, j + 2, 4)) {
        flushBytes(bytesAsChars, chars);
        chars.append((char) Integer.parseInt(slice(v, j + 2, j + 6), 16));
        j += 6;
        count++;
        kind = kind == null ? "unicode_escape" : kind;
      } else if (c == '\\' && j + 4 <= n && v.cp(j + 1) == 'x' && hexAt(v, j + 2, 2)) {
        bytesAsChars.append((char) Integer.parseInt(slice(v, j + 2, j + 4), 16));
        j += 4;
        count++;
        kind = kind == null ? "hex_escape" : kind;
      } else if (c == '%' && j + 3 <= n && hexAt(v, j + 1, 2)) {
        bytesAsChars.append((char) Integer.parseInt(slice(v, j + 1, j + 3), 16));
        j += 3;
        count++;
        kind = kind == null ? "percent" : kind;
      } else if (c == '&' && j + 3 < n && v.cp(j + 1) == '#') {
        int k = j + 2;
        boolean hexForm = k < n && (v.cp(k) == 'x' || v.cp(k) == 'X');
        if (hexForm) {
          k++;
        }
        int digitsStart = k;
        while (k < n && k - digitsStart < 7 && (hexForm ? isHexChar(v.cp(k)) : isDigit(v.cp(k)))) {
          k++;
        }
        if (k == digitsStart || k >= n || v.cp(k) != ';') {
          break;
        }
        int cp = Integer.parseInt(slice(v, digitsStart, k), hexForm ? 16 : 10);
        if (!Character.isValidCodePoint(cp)) {
          break;
        }
        flushBytes(bytesAsChars, chars);
        chars.appendCodePoint(cp);
        j = k + 1;
        count++;
        kind = kind == null ? "html_entity" : kind;
      } else if (count > 0 && c != '\\' && c != '%' && c != '&' && c != '\n' && j - i < 4096) {
        // Plain characters between escapes belong to the run (percent-encoded URLs, mixed text).
        int k = j;
        while (k < n
            && k - j < 64
            && v.cp(k) != '\\'
            && v.cp(k) != '%'
            && v.cp(k) != '&'
            && v.cp(k) != '\n') {
          k++;
        }
        if (k >= n || k - j >= 64 || v.cp(k) == '\n') {
          break;
        }
        flushBytes(bytesAsChars, chars);
        chars.append(slice(v, j, k));
        j = k;
      } else {
        break;
      }
    }
    if (count < MIN_ESCAPES) {
      return i;
    }
    flushBytes(bytesAsChars, chars);
    String text = printable(chars.toString());
    if (text != null) {
      out.add(new Decoded(kind, i, j, text));
    }
    return j;
  }

  /** Pending {@code \xHH}/{@code %HH} bytes decoded as UTF-8 (or Latin-1 when not UTF-8). */
  private static void flushBytes(StringBuilder bytes, StringBuilder chars) {
    if (bytes.length() == 0) {
      return;
    }
    byte[] b = new byte[bytes.length()];
    for (int k = 0; k < b.length; k++) {
      b[k] = (byte) bytes.charAt(k);
    }
    String s = utf8(b);
    chars.append(s != null ? s : new String(b, StandardCharsets.ISO_8859_1));
    bytes.setLength(0);
  }

  private static boolean hexAt(MappedText v, int at, int count) {
    if (at + count > v.length()) {
      return false;
    }
    for (int k = at; k < at + count; k++) {
      if (!isHexChar(v.cp(k))) {
        return false;
      }
    }
    return true;
  }

  private static String slice(MappedText v, int from, int to) {
    StringBuilder b = new StringBuilder(to - from);
    for (int k = from; k < to; k++) {
      b.appendCodePoint(v.cp(k));
    }
    return b.toString();
  }

  private static final boolean[] BASE64_CHAR = new boolean[128];

  static {
    for (int c = 0; c < 128; c++) {
      BASE64_CHAR[c] =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '+'
              || c == '/'
              || c == '-'
              || c == '_';
    }
  }

  static boolean isBase64Char(int c) {
    return c >= 0 && c < 128 && BASE64_CHAR[c];
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isHexChar(int c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isHex(int[] a, int from, int end) {
    for (int k = from; k < end; k++) {
      if (!isHexChar(a[k])) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBase32(int[] a, int from, int end) {
    for (int k = from; k < end; k++) {
      int c = a[k];
      if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) {
        return false;
      }
    }
    return true;
  }

  /** The bytes of a run of hex digits (even length, checked by the caller). */
  private static byte[] hex(int[] a, int from, int end) {
    byte[] b = new byte[(end - from) / 2];
    for (int k = 0; k < b.length; k++) {
      int high = Character.digit(a[from + 2 * k], 16);
      int low = Character.digit(a[from + 2 * k + 1], 16);
      b[k] = (byte) ((high << 4) | low);
    }
    return b;
  }

  private static byte[] base32(int[] a, int from, int end) {
    byte[] out = new byte[(end - from) * 5 / 8];
    long buffer = 0;
    int bits = 0;
    int o = 0;
    for (int k = from; k < end; k++) {
      int c = a[k];
      int v = c >= 'A' && c <= 'Z' ? c - 'A' : c - '2' + 26;
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[o++] = (byte) (buffer >> (bits - 8));
        bits -= 8;
      }
    }
    return out;
  }

  private static byte[] base64(String run) {
    String s = run;
    if (s.length() % 4 == 1) {
      s = s.substring(0, s.length() - 1);
    }
    boolean urlSafe = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
    try {
      return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder())
          .decode(s + "==".substring(0, (4 - s.length() % 4) % 4));
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  /**
   * The bytes as text when they are well-formed UTF-8, else null. Checked here rather than by a
   * reporting {@code CharsetDecoder}: most runs a scan tries (card numbers, keys, identifiers read
   * as base64) are not text, and the decoder answered each of them with an exception.
   */
  static String utf8(byte[] b) {
    return wellFormedUtf8(b) ? new String(b, StandardCharsets.UTF_8) : null;
  }

  /** Whether {@code b} is well-formed UTF-8 (Unicode 15, table 3-7). */
  static boolean wellFormedUtf8(byte[] b) {
    return utf8State(b) == WELL_FORMED;
  }

  private static final int WELL_FORMED = 0;
  private static final int TRUNCATED = 1; // every byte fits, but the last sequence is not whole
  private static final int ILL_FORMED = 2;

  /** How {@code b} reads as UTF-8 (Unicode 15, table 3-7): one of the three states above. */
  private static int utf8State(byte[] b) {
    int n = b.length;
    int i = 0;
    while (i < n) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int need;
      int lo = 0x80;
      int hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) {
          lo = 0xA0;
        } else if (c == 0xED) {
          hi = 0x9F;
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) {
          lo = 0x90;
        } else if (c == 0xF4) {
          hi = 0x8F;
        }
      } else {
        return ILL_FORMED;
      }
      for (int k = 1; k <= need; k++) {
        if (i + k >= n) {
          return TRUNCATED;
        }
        int next = b[i + k] & 0xFF;
        if (k == 1 ? next < lo || next > hi : next < 0x80 || next > 0xBF) {
          return ILL_FORMED;
        }
      }
      i += need + 1;
    }
    return WELL_FORMED;
  }

  private static String printable(byte[] b) {
    String s = utf8(b);
    return s == null ? null : printable(s);
  }

  /** The text when it reads as text: at least 85% printable and at least three letters. */
  private static String printable(String s) {
    if (s.isEmpty()) {
      return null;
    }
    int ok = 0;
    int letters = 0;
    int total = 0;
    for (int k = 0; k < s.length(); ) {
      int c = s.codePointAt(k);
      k += Character.charCount(c);
      total++;
      if (Character.isLetter(c)) {
        letters++;
        ok++;
      } else if (c == '\n'
          || c == '\t'
          || c == '\r'
          || (!Character.isISOControl(c)
              && Character.getType(c) != Character.UNASSIGNED
              && c != 0xFFFD)) {
        ok++;
      }
    }
    return letters >= 3 && ok * 100 >= total * 85 && letters * 2 >= total ? s : null;
  }
}
