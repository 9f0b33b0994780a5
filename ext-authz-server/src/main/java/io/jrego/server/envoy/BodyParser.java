package io.jrego.server.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.Value;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code parsed_body} and {@code truncated_body}, with OPA-Envoy's checks in its order: the
 * partial-body header, then the content type (JSON, form, multipart; anything else is {@code
 * null}), then the declared {@code content-length} against the payload's bytes.
 */
final class BodyParser {

  static final String PARTIAL_BODY = "x-envoy-auth-partial-body";

  /** The parsed body (or {@code null}) and whether Envoy cut the body short. */
  record Parsed(Value body, BooleanValue truncated) {
    static final Parsed NONE = new Parsed(NullValue.INSTANCE, BooleanValue.FALSE);
    static final Parsed TRUNCATED = new Parsed(NullValue.INSTANCE, BooleanValue.TRUE);
  }

  /** How Jackson names a reader it was given, in the messages that quote the input. */
  private static final String JACKSON_SOURCE = "[Source: (" + GoUtf8Reader.class.getName() + ")";

  private BodyParser() {}

  static Parsed parse(Map<String, String> headers, String body, ByteString rawBody)
      throws UrlDecoding.DecodingException {
    return parse(headers, body, rawBody, UrlDecoding.MAX_PARAMS);
  }

  /**
   * {@link #parse(Map, String, ByteString)} with at most {@code maxParams} pairs in a form body.
   */
  static Parsed parse(Map<String, String> headers, String body, ByteString rawBody, int maxParams)
      throws UrlDecoding.DecodingException {
    if ("true".equals(headers.get(PARTIAL_BODY))) {
      return Parsed.TRUNCATED;
    }
    String contentType = headers.get("content-type");
    if (contentType == null) {
      return Parsed.NONE;
    }
    boolean json = contentType.contains("application/json");
    if (!json && contentType.contains("application/grpc")) {
      // Needs a descriptor set, which jrego does not take yet: null, as OPA-Envoy answers
      // without one.
      return Parsed.NONE;
    }
    boolean form = !json && contentType.contains("application/x-www-form-urlencoded");
    boolean multipart = !json && !form && contentType.contains("multipart/form-data");
    if (!json && !form && !multipart) {
      return Parsed.NONE;
    }
    byte[] payload;
    if (!body.isEmpty()) {
      payload = body.getBytes(StandardCharsets.UTF_8);
    } else if (!rawBody.isEmpty()) {
      payload = rawBody.toByteArray();
    } else {
      return Parsed.NONE;
    }
    String contentLength = headers.get("content-length");
    if (contentLength != null && truncated(contentLength, payload.length)) {
      return Parsed.TRUNCATED;
    }
    if (json) {
      return new Parsed(parseJson(payload), BooleanValue.FALSE);
    }
    if (form) {
      UrlDecoding.checkParams(payload, maxParams);
      return new Parsed(UrlDecoding.parseForm(payload, maxParams), BooleanValue.FALSE);
    }
    String boundary = MediaType.parse(contentType).params().get("boundary");
    if (boundary == null) {
      return Parsed.NONE;
    }
    return new Parsed(Multipart.parse(payload, boundary), BooleanValue.FALSE);
  }

  /**
   * A JSON body, parsed once, as Go's JSON decoder (OPA-Envoy's) reads it: a string's byte that
   * does not belong to well-formed UTF-8 is read as U+FFFD, one per byte. Jackson's byte parser
   * reads overlong forms ({@code C0 80}), encoded surrogates ({@code ED A0 80}) and sequences above
   * U+10FFFF as characters, and stops at other bad bytes, so it only gets bodies that are
   * well-formed throughout; any other body is read through {@link GoUtf8Reader}.
   *
   * <p>The check costs a pass over the bytes (protobuf's validator, which steps over ASCII eight
   * bytes at a time) and stops at the first bad byte. Before, the byte parser ran first and a body
   * it refused was parsed again; a body it accepted with such bytes gave the policy a different
   * input document than OPA-Envoy's. The reader replaces as it reads, so a body that fails early (a
   * gzip stream sent as JSON: the fault matrix's 400 KB bomb) is read only as far as its first bad
   * token, never copied (load-tests/README.md, "Fault matrix", session 11).
   */
  static Value parseJson(byte[] payload) throws UrlDecoding.DecodingException {
    if (!UnsafeByteOperations.unsafeWrap(payload).isValidUtf8()) {
      return parseReplaced(payload);
    }
    try {
      return Json.parse(payload);
    } catch (Json.JsonException e) {
      throw new UrlDecoding.DecodingException(e.getMessage());
    }
  }

  /**
   * {@code payload} parsed with each byte that is not well-formed UTF-8 read as U+FFFD, read
   * through {@link GoUtf8Reader}: the value, or the error, of parsing {@link #replaceInvalidUtf8}'s
   * copy.
   */
  static Value parseReplaced(byte[] payload) throws UrlDecoding.DecodingException {
    try {
      return Json.parse(new GoUtf8Reader(payload));
    } catch (Json.JsonException again) {
      String message = again.getMessage();
      if (message.contains(JACKSON_SOURCE)) {
        // An array or object left open: Jackson quotes the text where it started, and names a
        // reader by its class; the quote from the copy is the one reported, as before.
        try {
          Json.parse(replaceInvalidUtf8(payload));
        } catch (Json.JsonException copied) {
          message = copied.getMessage();
        }
      }
      throw new UrlDecoding.DecodingException(message);
    }
  }

  /** Where the first byte of {@code bytes[0, end)} that is not well-formed UTF-8 is; -1 if none. */
  static int firstInvalidUtf8(byte[] bytes, int end) {
    int i = 0;
    while (i < end) {
      int n = wellFormed(bytes, i);
      if (n == 0) {
        return i;
      }
      i += n;
    }
    return -1;
  }

  /**
   * The length of the well-formed UTF-8 sequence at {@code bytes[i]}, 0 if there is none (Go's
   * rules: surrogates and overlong forms are not well-formed).
   */
  private static int wellFormed(byte[] bytes, int i) {
    int b = bytes[i] & 0xff;
    if (b < 0x80) {
      return 1;
    }
    int n =
        b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > bytes.length) {
      return 0;
    }
    int cp = n == 2 ? b & 0x1f : n == 3 ? b & 0x0f : b & 0x07;
    for (int j = 1; j < n; j++) {
      int c = bytes[i + j] & 0xff;
      if ((c & 0xc0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    boolean ok =
        !(n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            && !(n == 4 && (cp < 0x10000 || cp > 0x10ffff));
    return ok ? n : 0;
  }

  /**
   * UTF-8 bytes read as characters the way Go's decoder reads them: each byte that does not belong
   * to a well-formed sequence ({@link #wellFormed}) is one U+FFFD. What {@link #replaceInvalidUtf8}
   * returns, read lazily and without a copy of the bytes.
   */
  static final class GoUtf8Reader extends Reader {
    private final byte[] bytes;
    private int next;
    private char pendingLow; // the second half of a surrogate pair that did not fit; 0 if none

    GoUtf8Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(char[] buf, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = 0;
      if (pendingLow != 0) {
        buf[off + n++] = pendingLow;
        pendingLow = 0;
      }
      while (n < len && next < bytes.length) {
        int b = bytes[next] & 0xff;
        if (b < 0x80) {
          buf[off + n++] = (char) b;
          next++;
          continue;
        }
        int size = wellFormed(bytes, next);
        if (size == 0) {
          buf[off + n++] = '\ufffd';
          next++;
          continue;
        }
        int cp = size == 2 ? b & 0x1f : size == 3 ? b & 0x0f : b & 0x07;
        for (int j = 1; j < size; j++) {
          cp = (cp << 6) | (bytes[next + j] & 0x3f);
        }
        next += size;
        if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
          buf[off + n++] = (char) cp;
        } else {
          buf[off + n++] = Character.highSurrogate(cp);
          if (n < len) {
            buf[off + n++] = Character.lowSurrogate(cp);
          } else {
            pendingLow = Character.lowSurrogate(cp);
          }
        }
      }
      return n == 0 ? -1 : n;
    }

    @Override
    public void close() {}
  }

  /**
   * {@code bytes} as text the way Go turns a byte string into text: each byte that does not belong
   * to a well-formed UTF-8 sequence is one U+FFFD. Java's decoder gives one U+FFFD per maximal bad
   * subpart instead ({@code E2 82 41}: one where Go gives two), so form values, percent-decoded
   * query and path parts and multipart text parts are decoded here, as the JSON body is.
   */
  static String decodeUtf8(byte[] bytes) {
    if (UnsafeByteOperations.unsafeWrap(bytes).isValidUtf8()) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return replaceInvalidUtf8(bytes);
  }

  /**
   * {@code bytes} as text with every byte that does not belong to a well-formed UTF-8 sequence
   * replaced by U+FFFD, one per byte as Go decodes (surrogates and overlong forms are not
   * well-formed); null when all of it is well-formed.
   */
  static String replaceInvalidUtf8(byte[] bytes) {
    int bad = firstInvalidUtf8(bytes, bytes.length);
    if (bad < 0) {
      return null;
    }
    StringBuilder out = new StringBuilder(bytes.length);
    int run = 0; // where the well-formed bytes not yet appended start
    int i = bad;
    while (i < bytes.length) {
      int n = wellFormed(bytes, i);
      if (n > 0) {
        i += n;
      } else {
        out.append(new String(bytes, run, i - run, StandardCharsets.UTF_8)).append('\ufffd');
        run = ++i;
      }
    }
    return out.append(new String(bytes, run, bytes.length - run, StandardCharsets.UTF_8))
        .toString();
  }

  private static boolean truncated(String contentLength, long payloadBytes)
      throws UrlDecoding.DecodingException {
    long declared;
    try {
      declared = Long.parseLong(contentLength);
    } catch (NumberFormatException e) {
      throw new UrlDecoding.DecodingException(
          "strconv.ParseInt: parsing \"" + contentLength + "\": invalid syntax");
    }
    return declared != -1 && declared > payloadBytes;
  }
}
