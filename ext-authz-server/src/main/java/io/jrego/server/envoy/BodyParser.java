package io.jrego.server.envoy;

import com.google.protobuf.ByteString;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.Value;
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
      try {
        return new Parsed(Json.parse(payload), BooleanValue.FALSE);
      } catch (Json.JsonException e) {
        // Go's JSON decoder, which OPA-Envoy uses, reads a string holding bytes that are not
        // UTF-8 with each such byte as U+FFFD; only then is it worth a second try.
        String replaced = replaceInvalidUtf8(payload);
        if (replaced == null) {
          throw new UrlDecoding.DecodingException(e.getMessage());
        }
        try {
          return new Parsed(Json.parse(replaced), BooleanValue.FALSE);
        } catch (Json.JsonException again) {
          throw new UrlDecoding.DecodingException(again.getMessage());
        }
      }
    }
    if (form) {
      UrlDecoding.checkParams(payload, maxParams);
      return new Parsed(
          UrlDecoding.parseQuery(
              new String(payload, StandardCharsets.UTF_8), maxParams, "form body"),
          BooleanValue.FALSE);
    }
    String boundary = MediaType.parse(contentType).params().get("boundary");
    if (boundary == null) {
      return Parsed.NONE;
    }
    return new Parsed(Multipart.parse(payload, boundary), BooleanValue.FALSE);
  }

  /**
   * {@code bytes} as text with every byte that does not belong to a well-formed UTF-8 sequence
   * replaced by U+FFFD, one per byte as Go decodes (surrogates and overlong forms are not
   * well-formed); null when all of it is well-formed.
   */
  static String replaceInvalidUtf8(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length);
    boolean replacedAny = false;
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xff;
      int n =
          b < 0x80
              ? 1
              : b >= 0xc2 && b <= 0xdf
                  ? 2
                  : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      int cp = n == 1 ? b : n == 2 ? b & 0x1f : n == 3 ? b & 0x0f : b & 0x07;
      boolean ok = n > 0 && i + n <= bytes.length;
      for (int j = 1; ok && j < n; j++) {
        int c = bytes[i + j] & 0xff;
        ok = (c & 0xc0) == 0x80;
        cp = (cp << 6) | (c & 0x3f);
      }
      ok =
          ok
              && !(n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
              && !(n == 4 && (cp < 0x10000 || cp > 0x10ffff));
      if (ok) {
        out.appendCodePoint(cp);
        i += n;
      } else {
        out.append('\ufffd');
        replacedAny = true;
        i++;
      }
    }
    return replacedAny ? out.toString() : null;
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
