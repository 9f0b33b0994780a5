package io.jrego.engine.bundle;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The digest OPA records for a bundle file in {@code .signatures.json}: SHA-256 over the bytes,
 * except for structured files ({@code data.json}, {@code data.yaml}, {@code .manifest}, {@code
 * .signatures.json}), whose parsed JSON is hashed in a canonical form so whitespace and key order
 * do not matter: object keys sorted by their UTF-8 bytes, no spaces, strings escaped as Go's
 * encoding/json does without HTML escaping, and numbers written as they appear in the source.
 */
final class FileHash {

  static final String ALGORITHM = "SHA-256";

  private FileHash() {}

  static boolean structured(String path) {
    String base = path.substring(path.lastIndexOf('/') + 1);
    return base.equals("data.json")
        || base.equals("data.yaml")
        || base.equals(BundleLoader.MANIFEST)
        || base.equals(BundleLoader.SIGNATURES);
  }

  /** The lower-case hex digest of {@code content} as OPA computes it for {@code path}. */
  static String hash(String path, byte[] content) throws BundleException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(ALGORITHM);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
    if (!structured(path)) {
      return HexFormat.of().formatHex(md.digest(content));
    }
    StringBuilder sb = new StringBuilder();
    if (path.endsWith(".yaml")) {
      canonical(BundleLoader.readYaml(path, content), sb);
    } else {
      String text = BundleLoader.utf8(path, content);
      DataDepth.checkJson(path, content, BundleLimits.DEFAULT_MAX_DEPTH); // Raw recurses
      Raw r = new Raw(path, text);
      r.skipWs();
      Object tree = r.value();
      r.skipWs();
      if (r.pos != text.length()) {
        throw new BundleException(path + ": trailing data after the JSON value");
      }
      write(tree, sb);
    }
    return HexFormat.of().formatHex(md.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** A number, {@code true}, {@code false} or {@code null}, kept as written. */
  private record Literal(String text) {}

  private static void write(Object node, StringBuilder sb) {
    switch (node) {
      case Literal l -> sb.append(l.text());
      case String s -> string(s, sb);
      case List<?> list -> {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          write(list.get(i), sb);
        }
        sb.append(']');
      }
      case Map<?, ?> map -> {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          string((String) e.getKey(), sb);
          sb.append(':');
          write(e.getValue(), sb);
        }
        sb.append('}');
      }
      default -> throw new IllegalStateException("unexpected node " + node);
    }
  }

  private static void canonical(Value v, StringBuilder sb) {
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(n);
      case StringValue s -> string(s.value(), sb);
      case ArrayValue a -> {
        sb.append('[');
        boolean first = true;
        for (Value e : a) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          canonical(e, sb);
        }
        sb.append(']');
      }
      case SetValue s -> canonical(ArrayValue.of(s.elements().toArray(new Value[0])), sb);
      case ObjectValue o -> {
        Map<String, Object> m = new TreeMap<>(FileHash::compareUtf8);
        o.forEach((k, val) -> m.put(k instanceof StringValue s ? s.value() : k.toString(), val));
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : m.entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          string(e.getKey(), sb);
          sb.append(':');
          canonical((Value) e.getValue(), sb);
        }
        sb.append('}');
      }
    }
  }

  /** Go's sort.Strings order: by UTF-8 bytes, which differs from UTF-16 order above U+FFFF. */
  static int compareUtf8(String a, String b) {
    return java.util.Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static void string(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\u2028', '\u2029' -> sb.append("\\u").append(Integer.toHexString(c));
        default -> {
          if (c < 0x20) {
            sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else if (Character.isSurrogate(c)
              && !(Character.isHighSurrogate(c)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1)))
              && !(Character.isLowSurrogate(c)
                  && i > 0
                  && Character.isHighSurrogate(s.charAt(i - 1)))) {
            sb.append('\ufffd'); // Go replaces invalid UTF-16 (lone surrogates) with U+FFFD
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** A small JSON reader that keeps number literals as written. */
  private static final class Raw {
    private final String file;
    private final String s;
    int pos;

    Raw(String file, String s) {
      this.file = file;
      this.s = s;
    }

    void skipWs() {
      while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    private BundleException error(String what) {
      return new BundleException(file + ": invalid JSON at offset " + pos + ": " + what);
    }

    Object value() throws BundleException {
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      char c = s.charAt(pos);
      switch (c) {
        case '{' -> {
          pos++;
          Map<String, Object> m = new TreeMap<>(FileHash::compareUtf8);
          skipWs();
          if (peek('}')) {
            pos++;
            return m;
          }
          while (true) {
            skipWs();
            if (!peek('"')) {
              throw error("expected a string key");
            }
            String k = str();
            skipWs();
            expect(':');
            skipWs();
            m.put(k, value());
            skipWs();
            if (peek(',')) {
              pos++;
              continue;
            }
            expect('}');
            return m;
          }
        }
        case '[' -> {
          pos++;
          List<Object> l = new ArrayList<>();
          skipWs();
          if (peek(']')) {
            pos++;
            return l;
          }
          while (true) {
            skipWs();
            l.add(value());
            skipWs();
            if (peek(',')) {
              pos++;
              continue;
            }
            expect(']');
            return l;
          }
        }
        case '"' -> {
          return str();
        }
        default -> {
          int start = pos;
          while (pos < s.length() && "{}[],: \t\r\n\"".indexOf(s.charAt(pos)) < 0) {
            pos++;
          }
          String lit = s.substring(start, pos);
          if (!lit.matches("true|false|null|-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
            pos = start;
            throw error("unexpected " + (lit.isEmpty() ? "character" : lit));
          }
          return new Literal(lit);
        }
      }
    }

    private boolean peek(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) throws BundleException {
      if (!peek(c)) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private String str() throws BundleException {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("bad \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }
  }
}
