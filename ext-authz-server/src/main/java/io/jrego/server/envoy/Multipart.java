package io.jrego.server.envoy;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@code multipart/form-data} body into form name to values, following Go's {@code
 * mime/multipart} reader as OPA-Envoy uses it: a preamble is skipped, {@code \r\n} or bare {@code
 * \n} line ends, parts without a form name are skipped, a part whose {@code Content-Type} contains
 * {@code application/json} is parsed as JSON and every other part (files too) is kept as a string.
 * A body that ends before the closing boundary is an error, and so is one of more than {@link
 * #MAX_PARTS} parts or {@link #MAX_HEADERS} header lines in all (Go's limits for a form, {@code
 * multipart: message too large}): each part and header costs objects far beyond its bytes.
 */
final class Multipart {

  /** The most parts a body may have, Go's {@code multipartmaxparts} default. */
  static final int MAX_PARTS = 1_000;

  /** The most header lines all parts together may have, Go's {@code multipartmaxheaders}. */
  static final int MAX_HEADERS = 10_000;

  private int headerLines;

  private final byte[] in;
  private final byte[] dashBoundary;
  private byte[] nl = {'\r', '\n'};
  private int pos;

  private Multipart(byte[] in, String boundary) {
    this.in = in;
    this.dashBoundary = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
  }

  static ObjectValue parse(byte[] body, String boundary) throws UrlDecoding.DecodingException {
    if (boundary.isEmpty()) {
      throw new UrlDecoding.DecodingException("multipart: boundary is empty");
    }
    return new Multipart(body, boundary).read();
  }

  private ObjectValue read() throws UrlDecoding.DecodingException {
    Map<StringValue, List<Value>> values = new LinkedHashMap<>(); // see UrlDecoding.parseQuery
    int partsRead = 0;
    boolean expectNewPart = false;
    while (true) {
      int lineStart = pos;
      int lf = indexOf((byte) '\n', pos);
      int lineEnd = lf < 0 ? in.length : lf + 1;
      pos = lineEnd;
      if (lf < 0 && isFinalBoundary(lineStart, lineEnd)) {
        break;
      }
      if (lf < 0) {
        throw new UrlDecoding.DecodingException("multipart: NextPart: EOF");
      }
      if (isDelimiter(lineStart, lineEnd, partsRead)) {
        if (partsRead == MAX_PARTS) {
          throw tooLarge("more than " + MAX_PARTS + " parts");
        }
        partsRead++;
        expectNewPart = false;
        readPart(values);
        continue;
      }
      if (isFinalBoundary(lineStart, lineEnd)) {
        break;
      }
      if (expectNewPart) {
        throw new UrlDecoding.DecodingException("multipart: expecting a new Part");
      }
      if (partsRead == 0) {
        continue; // preamble
      }
      if (Arrays.equals(in, lineStart, lineEnd, nl, 0, nl.length)) {
        expectNewPart = true;
        continue;
      }
      throw new UrlDecoding.DecodingException("multipart: unexpected line in Next()");
    }
    ObjectValue.Builder b = new ObjectValue.Builder();
    values.forEach((k, v) -> b.put(k, ArrayValue.of(v)));
    return b.build();
  }

  private void readPart(Map<StringValue, List<Value>> values) throws UrlDecoding.DecodingException {
    Map<String, String> headers = readHeaders();
    int bodyStart = pos;
    int bodyEnd = findBoundary(bodyStart);
    if (bodyEnd < 0) {
      throw new UrlDecoding.DecodingException("unexpected EOF");
    }
    pos = bodyEnd;
    String name = formName(headers.get("content-disposition"));
    if (name.isEmpty()) {
      return;
    }
    byte[] content = Arrays.copyOfRange(in, bodyStart, bodyEnd);
    Value v;
    if (headers.getOrDefault("content-type", "").contains("application/json")) {
      v = BodyParser.parseJson(content); // as Go reads it, like the whole body
    } else {
      v = StringValue.of(BodyParser.decodeUtf8(content)); // bad bytes as Go reads them
    }
    values.computeIfAbsent(StringValue.ofKey(name), k -> new ArrayList<>()).add(v);
  }

  /** MIME headers up to the blank line; names lower-cased, the first of a repeated name kept. */
  private Map<String, String> readHeaders() throws UrlDecoding.DecodingException {
    Map<String, String> headers = new LinkedHashMap<>();
    String last = null;
    while (true) {
      int lf = indexOf((byte) '\n', pos);
      if (lf < 0) {
        throw new UrlDecoding.DecodingException("multipart: NextPart: EOF");
      }
      int end = lf > pos && in[lf - 1] == '\r' ? lf - 1 : lf;
      String line = new String(in, pos, end - pos, StandardCharsets.UTF_8);
      pos = lf + 1;
      if (line.isEmpty()) {
        return headers;
      }
      if (++headerLines > MAX_HEADERS) {
        throw tooLarge("more than " + MAX_HEADERS + " header lines");
      }
      if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && last != null) {
        headers.put(last, headers.get(last) + " " + line.strip());
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new UrlDecoding.DecodingException("malformed MIME header line: " + line);
      }
      last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      headers.putIfAbsent(last, line.substring(colon + 1).strip());
    }
  }

  private static UrlDecoding.DecodingException tooLarge(String what) {
    return new UrlDecoding.DecodingException("multipart: message too large (" + what + ")");
  }

  private static String formName(String disposition) {
    if (disposition == null) {
      return "";
    }
    try {
      MediaType d = MediaType.parse(disposition);
      return d.type().equals("form-data") ? d.params().getOrDefault("name", "") : "";
    } catch (UrlDecoding.DecodingException e) {
      return "";
    }
  }

  /** Where the part's content ends: before {@code nl--boundary}, or at once for an empty part. */
  private int findBoundary(int from) {
    if (startsWith(from, dashBoundary) && boundaryEnds(from + dashBoundary.length)) {
      return from;
    }
    for (int i = from; i + nl.length + dashBoundary.length <= in.length; i++) {
      if (startsWith(i, nl)
          && startsWith(i + nl.length, dashBoundary)
          && boundaryEnds(i + nl.length + dashBoundary.length)) {
        return i;
      }
    }
    return -1;
  }

  private boolean boundaryEnds(int i) {
    if (i >= in.length) {
      return true;
    }
    byte c = in[i];
    return c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private boolean isDelimiter(int start, int end, int partsRead) {
    if (!startsWith(start, dashBoundary)) {
      return false;
    }
    int rest = skipLinearSpace(start + dashBoundary.length, end);
    if (partsRead == 0 && end - rest == 1 && in[rest] == '\n') {
      nl = new byte[] {'\n'};
    }
    return Arrays.equals(in, rest, end, nl, 0, nl.length);
  }

  private boolean isFinalBoundary(int start, int end) {
    if (!startsWith(start, dashBoundary)
        || !startsWith(start + dashBoundary.length, new byte[] {'-', '-'})) {
      return false;
    }
    int rest = skipLinearSpace(start + dashBoundary.length + 2, end);
    return rest == end || Arrays.equals(in, rest, end, nl, 0, nl.length);
  }

  private int skipLinearSpace(int i, int end) {
    while (i < end && (in[i] == ' ' || in[i] == '\t')) {
      i++;
    }
    return i;
  }

  private boolean startsWith(int at, byte[] prefix) {
    return at + prefix.length <= in.length
        && Arrays.equals(in, at, at + prefix.length, prefix, 0, prefix.length);
  }

  private int indexOf(byte b, int from) {
    for (int i = from; i < in.length; i++) {
      if (in[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
