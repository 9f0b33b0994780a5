package io.jrego.server.envoy;

import com.google.protobuf.UnsafeByteOperations;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Percent-decoding as Go's {@code net/url} does it, which OPA-Envoy uses for {@code parsed_path},
 * {@code parsed_query} and form bodies: a {@code %} must be followed by two hex digits, and only
 * query decoding turns {@code +} into a space.
 */
final class UrlDecoding {

  /**
   * The most {@code &}-separated pairs a query or form body may have: Go's {@code net/url} limit
   * since Go 1.24.12 and 1.25.6 (its {@code urlmaxqueryparams} default), so an OPA-Envoy built with
   * a current Go refuses the same requests.
   */
  static final int MAX_PARAMS = 10_000;

  private UrlDecoding() {}

  /** Thrown for a bad escape or a {@code ;} separator; the message is Go's wording. */
  static final class DecodingException extends Exception {
    private static final long serialVersionUID = 1L;

    DecodingException(String message) {
      super(message);
    }
  }

  /**
   * Refuses a form body of more than {@code maxParams} pairs by counting its {@code &} bytes,
   * before the body is decoded into text: a flood of parameters costs one scan.
   */
  static void checkParams(byte[] form, int maxParams) throws DecodingException {
    int pairs = 1;
    for (byte b : form) {
      if (b == '&' && ++pairs > maxParams) {
        throw tooManyParams(maxParams, "form body");
      }
    }
  }

  /**
   * Go's words at Go's limit (what OPA-Envoy answers); past a lower limit of the server's, the
   * limit and its flag.
   */
  private static DecodingException tooManyParams(int maxParams, String what) {
    if (maxParams >= MAX_PARAMS) {
      return new DecodingException("number of URL query parameters exceeded limit");
    }
    return new DecodingException(
        "the "
            + what
            + " has more than "
            + maxParams
            + " parameters, the most this server takes (--max-form-params)");
  }

  /** {@code parsed_path}: cut at {@code ?}, decode, strip leading slashes, split on {@code /}. */
  static ArrayValue parsedPath(String rawPath) throws DecodingException {
    String decoded = unescape(rawPath, false);
    int from = 0;
    while (from < decoded.length() && decoded.charAt(from) == '/') {
      from++;
    }
    List<Value> segments = new ArrayList<>();
    int start = from;
    for (int i = from; i <= decoded.length(); i++) {
      if (i == decoded.length() || decoded.charAt(i) == '/') {
        segments.add(StringValue.of(decoded.substring(start, i)));
        start = i + 1;
      }
    }
    return ArrayValue.of(segments);
  }

  /**
   * Form decoding ({@code url.ParseQuery}): {@code &}-separated pairs, {@code +} is a space, a key
   * without {@code =} maps to {@code ""}, repeated keys keep their order, empty pairs are skipped;
   * more than {@link #MAX_PARAMS} pairs (empty ones included, as Go counts) are refused.
   */
  static ObjectValue parseQuery(String query) throws DecodingException {
    return parseQuery(query, MAX_PARAMS, "query");
  }

  /**
   * {@link #parseQuery(String)} with at most {@code maxParams} pairs (a server's limit, below Go's
   * {@link #MAX_PARAMS}), counted before anything is decoded; {@code what} names the text in the
   * error ({@code query}, {@code form body}).
   */
  static ObjectValue parseQuery(String query, int maxParams, String what) throws DecodingException {
    return parseQuery(query, false, maxParams, what);
  }

  /**
   * A form body ({@code application/x-www-form-urlencoded}) decoded as Go decodes it: as bytes,
   * turned into text only after the escapes are undone, each byte that is not well-formed UTF-8
   * then read as U+FFFD ({@link BodyParser#decodeUtf8}). A raw byte and the escapes after it can
   * make one character ({@code E2%82%AC} is "€" in Go), so a body that is not well-formed UTF-8 is
   * split and unescaped one byte per char; a well-formed one takes the text path of the query.
   */
  static ObjectValue parseForm(byte[] body, int maxParams) throws DecodingException {
    if (UnsafeByteOperations.unsafeWrap(body).isValidUtf8()) {
      return parseQuery(new String(body, StandardCharsets.UTF_8), false, maxParams, "form body");
    }
    return parseQuery(new String(body, StandardCharsets.ISO_8859_1), true, maxParams, "form body");
  }

  /** {@code bytes}: {@code query} holds one byte per char (ISO-8859-1), see {@link #parseForm}. */
  private static ObjectValue parseQuery(String query, boolean bytes, int maxParams, String what)
      throws DecodingException {
    if (query.isEmpty()) {
      return ObjectValue.EMPTY;
    }
    int pairs = 1;
    for (int i = query.indexOf('&'); i >= 0; i = query.indexOf('&', i + 1)) {
      if (++pairs > maxParams) {
        throw tooManyParams(maxParams, what);
      }
    }
    // keyed by value, not Java string: names chosen to collide in String.hashCode stay cheap
    Map<StringValue, List<Value>> out = new LinkedHashMap<>();
    DecodingException first = null;
    int start = 0;
    while (start <= query.length()) {
      int amp = query.indexOf('&', start);
      int end = amp < 0 ? query.length() : amp;
      String pair = query.substring(start, end);
      start = end + 1;
      if (pair.indexOf(';') >= 0) {
        if (first == null) {
          first = new DecodingException("invalid semicolon separator in query");
        }
      } else if (!pair.isEmpty()) {
        int eq = pair.indexOf('=');
        String k = eq < 0 ? pair : pair.substring(0, eq);
        String v = eq < 0 ? "" : pair.substring(eq + 1);
        try {
          String key = unescape(k, true, bytes);
          String value = unescape(v, true, bytes);
          out.computeIfAbsent(StringValue.ofKey(key), x -> new ArrayList<>())
              .add(StringValue.of(value));
        } catch (DecodingException e) {
          if (first == null) {
            first = e;
          }
        }
      }
      if (amp < 0) {
        break;
      }
    }
    if (first != null) {
      throw first;
    }
    ObjectValue.Builder b = new ObjectValue.Builder();
    out.forEach((k, v) -> b.put(k, ArrayValue.of(v)));
    return b.build();
  }

  /**
   * Go's {@code unescape}: {@code %XX} to a byte, {@code +} to a space in query mode; the bytes
   * that result read as Go reads them (an escaped byte that is not well-formed UTF-8 is one
   * U+FFFD).
   */
  static String unescape(String s, boolean query) throws DecodingException {
    return unescape(s, query, false);
  }

  /** {@code bytes}: {@code s} holds one byte per char (ISO-8859-1), see {@link #parseForm}. */
  private static String unescape(String s, boolean query, boolean bytes) throws DecodingException {
    int pct = s.indexOf('%');
    if (pct < 0 && (!query || s.indexOf('+') < 0)) {
      return bytes ? BodyParser.decodeUtf8(s.getBytes(StandardCharsets.ISO_8859_1)) : s;
    }
    byte[] in = s.getBytes(bytes ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      byte c = in[i];
      if (c == '%') {
        if (i + 2 >= in.length || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) {
          String bad = BodyParser.decodeUtf8(Arrays.copyOfRange(in, i, Math.min(i + 3, in.length)));
          throw new DecodingException("invalid URL escape \"" + bad + "\"");
        }
        out.write(hex(in[i + 1]) << 4 | hex(in[i + 2]));
        i += 2;
      } else if (c == '+' && query) {
        out.write(' ');
      } else {
        out.write(c);
      }
    }
    return BodyParser.decodeUtf8(out.toByteArray());
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
