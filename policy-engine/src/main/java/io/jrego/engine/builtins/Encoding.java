package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import io.jrego.engine.builtins.gocompat.GoFormat;
import io.jrego.engine.builtins.operand.Operands;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** {@code base64.*}, {@code base64url.*}, {@code hex.*} and {@code urlquery.*}, as Go encodes. */
final class Encoding {

  private Encoding() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("base64.decode(x: string) => y: string").categories("encoding"),
        (a, c) -> text(base64Decode(string(a[0], 1), false)));
    r.add(
        Declaration.of("base64.encode(x: string) => y: string").categories("encoding"),
        (a, c) -> StringValue.of(b64(Base64.getEncoder(), reserved(c, a[0], 2))));
    r.add(
        Declaration.of("base64.is_valid(x: string) => result: boolean").categories("encoding"),
        Encoding::base64IsValid);
    r.add(
        Declaration.of("base64url.decode(x: string) => y: string").categories("encoding"),
        Encoding::base64UrlDecode);
    r.add(
        Declaration.of("base64url.encode(x: string) => y: string").categories("encoding"),
        (a, c) -> StringValue.of(b64(Base64.getUrlEncoder(), reserved(c, a[0], 2))));
    r.add(
        Declaration.of("base64url.encode_no_pad(x: string) => y: string").categories("encoding"),
        (a, c) -> StringValue.of(b64(Base64.getUrlEncoder().withoutPadding(), a[0])));
    r.add(
        Declaration.of("hex.decode(x: string) => y: string").categories("encoding"),
        (a, c) -> text(hexDecode(string(a[0], 1))));
    r.add(
        Declaration.of("hex.encode(x: string) => y: string").categories("encoding"),
        (a, c) -> StringValue.of(hexEncode(utf8(string(reserved(c, a[0], 8), 1)))));
    r.add(
        Declaration.of("urlquery.decode(x: string) => y: string").categories("encoding"),
        (a, c) -> StringValue.of(queryUnescape(string(a[0], 1))));
    r.add(
        Declaration.of("urlquery.decode_object(x: string) => object: object[string: array[string]]")
            .categories("encoding"),
        Encoding::decodeObject);
    r.add(
        Declaration.of("urlquery.encode(x: string) => y: string").categories("encoding"),
        (a, c) -> StringValue.of(queryEscape(string(reserved(c, a[0], 6), 1))));
    r.add(
        Declaration.of(
                "urlquery.encode_object(object: object[string: any<string, "
                    + "array[string], set[string]>]) => y: string")
            .categories("encoding"),
        Encoding::encodeObject);
  }

  /**
   * {@code v}, after reserving {@code factor} times its length: an encoding is several times longer
   * than its text, and its bytes are copied on the way.
   */
  private static Value reserved(BuiltinContext c, Value v, int factor) {
    if (v instanceof StringValue s) {
      c.reserve((long) factor * s.value().length());
    }
    return v;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Decoded bytes as a string; invalid UTF-8 becomes U+FFFD. */
  private static StringValue text(byte[] bytes) {
    return StringValue.of(new String(bytes, StandardCharsets.UTF_8));
  }

  private static String b64(Base64.Encoder enc, Value v) throws BuiltinException {
    return enc.encodeToString(utf8(string(v, 1)));
  }

  /**
   * Go's base64 decoding (standard or URL alphabet, padding required): CR and LF are skipped and
   * errors name the offending byte offset, as in {@code illegal base64 data at input byte 4}.
   */
  static byte[] base64Decode(String s, boolean url) throws BuiltinException {
    byte[] in = utf8(s);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 3 / 4);
    int[] quantum = new int[4];
    int n = 0;
    int i = 0;
    while (i < in.length) {
      int ch = in[i] & 0xFF;
      if (ch == '\r' || ch == '\n') {
        i++;
        continue;
      }
      if (ch == '=') {
        // Padding: valid only as the 3rd/4th character of the final quantum.
        if (n < 2) {
          throw illegal(i);
        }
        int j = i + 1;
        if (n == 2) {
          while (j < in.length && (in[j] == '\r' || in[j] == '\n')) {
            j++;
          }
          if (j >= in.length) {
            throw illegal(in.length);
          }
          if (in[j] != '=') {
            throw illegal(j);
          }
          j++;
        }
        while (j < in.length && (in[j] == '\r' || in[j] == '\n')) {
          j++;
        }
        if (j < in.length) {
          throw illegal(j);
        }
        flush(out, quantum, n);
        return out.toByteArray();
      }
      int d = decodeChar(ch, url);
      if (d < 0) {
        throw illegal(i);
      }
      quantum[n++] = d;
      if (n == 4) {
        flush(out, quantum, 4);
        n = 0;
      }
      i++;
    }
    if (n != 0) {
      throw illegal(in.length - n);
    }
    return out.toByteArray();
  }

  private static BuiltinException illegal(int offset) {
    return BuiltinException.error("illegal base64 data at input byte " + offset);
  }

  private static int decodeChar(int ch, boolean url) {
    if (ch >= 'A' && ch <= 'Z') {
      return ch - 'A';
    }
    if (ch >= 'a' && ch <= 'z') {
      return ch - 'a' + 26;
    }
    if (ch >= '0' && ch <= '9') {
      return ch - '0' + 52;
    }
    if (ch == (url ? '-' : '+')) {
      return 62;
    }
    if (ch == (url ? '_' : '/')) {
      return 63;
    }
    return -1;
  }

  private static void flush(ByteArrayOutputStream out, int[] q, int n) {
    int bits = q[0] << 18 | q[1] << 12 | (n > 2 ? q[2] << 6 : 0) | (n > 3 ? q[3] : 0);
    out.write(bits >> 16);
    if (n > 2) {
      out.write(bits >> 8 & 0xFF);
    }
    if (n > 3) {
      out.write(bits & 0xFF);
    }
  }

  private static Value base64IsValid(Value[] a, BuiltinContext c) {
    if (!(a[0] instanceof StringValue s)) {
      return BooleanValue.FALSE;
    }
    try {
      base64Decode(s.value(), false);
      return BooleanValue.TRUE;
    } catch (BuiltinException e) {
      return BooleanValue.FALSE;
    }
  }

  private static Value base64UrlDecode(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1);
    if (!s.endsWith("=")) {
      switch (utf8(s).length % 4) {
        case 0 -> {}
        case 2 -> s += "==";
        case 3 -> s += "=";
        default -> throw BuiltinException.error("illegal base64url string: " + s);
      }
    }
    return text(base64Decode(s, true));
  }

  static String hexEncode(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit(b >> 4 & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }

  private static byte[] hexDecode(String s) throws BuiltinException {
    byte[] in = utf8(s);
    byte[] out = new byte[in.length / 2];
    int i = 0;
    for (; i + 1 < in.length; i += 2) {
      int hi = Character.digit(in[i], 16);
      int lo = Character.digit(in[i + 1], 16);
      if (hi < 0) {
        throw invalidHex(s, i);
      }
      if (lo < 0) {
        throw invalidHex(s, i + 1);
      }
      out[i / 2] = (byte) (hi << 4 | lo);
    }
    if (in.length % 2 == 1) {
      if (Character.digit(in[i], 16) < 0) {
        throw invalidHex(s, i);
      }
      throw BuiltinException.error("encoding/hex: odd length hex string");
    }
    return out;
  }

  private static BuiltinException invalidHex(String s, int byteIndex) {
    byte[] in = utf8(s);
    int b = in[byteIndex] & 0xFF;
    String ch = b < 0x80 ? "'" + (char) b + "'" : "'\\x" + String.format("%02x", b) + "'";
    return BuiltinException.error(
        "encoding/hex: invalid byte: U+" + String.format("%04X", b) + " " + ch);
  }

  /** Go's url.QueryEscape. */
  static String queryEscape(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (byte b : utf8(s)) {
      int ch = b & 0xFF;
      if ((ch >= 'a' && ch <= 'z')
          || (ch >= 'A' && ch <= 'Z')
          || (ch >= '0' && ch <= '9')
          || ch == '-'
          || ch == '_'
          || ch == '.'
          || ch == '~') {
        sb.append((char) ch);
      } else if (ch == ' ') {
        sb.append('+');
      } else {
        sb.append('%').append(String.format("%02X", ch));
      }
    }
    return sb.toString();
  }

  /** Go's url.QueryUnescape. */
  static String queryUnescape(String s) throws BuiltinException {
    byte[] in = utf8(s);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      int ch = in[i] & 0xFF;
      if (ch == '%') {
        if (i + 2 >= in.length
            || Character.digit(in[i + 1], 16) < 0
            || Character.digit(in[i + 2], 16) < 0) {
          String bad = new String(in, i, Math.min(3, in.length - i), StandardCharsets.UTF_8);
          throw BuiltinException.error("invalid URL escape " + GoFormat.quote(bad, false));
        }
        out.write(Character.digit(in[i + 1], 16) << 4 | Character.digit(in[i + 2], 16));
        i += 2;
      } else if (ch == '+') {
        out.write(' ');
      } else {
        out.write(ch);
      }
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  private static Value encodeObject(Value[] a, BuiltinContext c) throws BuiltinException {
    ObjectValue obj = Operands.object(a[0], 1);
    Map<String, List<String>> query = new TreeMap<>();
    for (Value k : obj.keys()) {
      String key = k instanceof StringValue ks ? ks.value() : k.toString();
      Value v = obj.getOrNull(k);
      List<String> values = new ArrayList<>();
      switch (v) {
        case StringValue s -> values.add(s.value());
        case ArrayValue arr -> addStrings(values, arr);
        case SetValue set -> addStrings(values, set);
        default ->
            throw Operands.failure(1, "values must be string, array[string], or set[string]");
      }
      query.put(key, values);
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      for (String v : e.getValue()) {
        if (sb.length() > 0) {
          sb.append('&');
        }
        sb.append(queryEscape(e.getKey())).append('=').append(queryEscape(v));
      }
    }
    return StringValue.of(sb.toString());
  }

  private static void addStrings(List<String> out, Iterable<Value> values) throws BuiltinException {
    for (Value v : values) {
      if (!(v instanceof StringValue s)) {
        throw Operands.failure(1, "values must be string, array[string], or set[string]");
      }
      out.add(s.value());
    }
  }

  private static Value decodeObject(Value[] a, BuiltinContext c) throws BuiltinException {
    String query = string(a[0], 1);
    Map<String, List<String>> params = new LinkedHashMap<>();
    BuiltinException first = null;
    for (String part : query.split("&", -1)) {
      if (part.isEmpty()) {
        continue;
      }
      if (part.contains(";")) {
        if (first == null) {
          first = BuiltinException.error("invalid semicolon separator in query");
        }
        continue;
      }
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? "" : part.substring(eq + 1);
      try {
        key = queryUnescape(key);
        value = queryUnescape(value);
      } catch (BuiltinException e) {
        if (first == null) {
          first = e;
        }
        continue;
      }
      params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    if (first != null) {
      throw first;
    }
    ObjectValue.Builder b = new ObjectValue.Builder();
    params.forEach((k, vs) -> b.put(k, ArrayValue.of(vs.stream().map(StringValue::of).toList())));
    return b.build();
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
