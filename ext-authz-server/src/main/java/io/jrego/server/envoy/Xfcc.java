package io.jrego.server.envoy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Envoy's {@code x-forwarded-client-cert} header, read strictly. Its grammar (Envoy's "HTTP header
 * manipulation" documentation): elements separated by {@code ,}, one per proxy that added one, the
 * nearest proxy's last; each element {@code key=value} pairs separated by {@code ;}; keys
 * case-insensitive ({@code By}, {@code Hash}, {@code Cert}, {@code Chain}, {@code Subject}, {@code
 * URI}, {@code DNS}); a value holding {@code ,}, {@code ;} or {@code =} double-quoted, with {@code
 * \"} for a quote inside.
 *
 * <p>A header that does not follow it is refused as a whole, never read the best we can: a client
 * that can send the header the proxy appends to (Envoy's {@code APPEND_FORWARD}) could otherwise
 * open a quote in its own element that swallows the proxy's element after it, and have its own
 * element read as the last one. Refused: an unterminated quote, a quote that does not open a value
 * or that is followed by anything but a separator, a pair without {@code =} or with an empty key, a
 * bare {@code =} inside an unquoted value, an empty element.
 */
final class Xfcc {

  /** One {@code key=value} pair; the key lower-cased, the value unquoted. */
  record Pair(String key, String value) {}

  private final String h;
  private int i;

  private Xfcc(String header) {
    this.h = header;
  }

  /** The header's elements in order, or empty when it is malformed. */
  static Optional<List<List<Pair>>> parse(String header) {
    try {
      return Optional.of(new Xfcc(header).elements());
    } catch (Malformed e) {
      return Optional.empty();
    }
  }

  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed() {
      super(null, null, false, false);
    }
  }

  private List<List<Pair>> elements() throws Malformed {
    List<List<Pair>> out = new ArrayList<>();
    List<Pair> element = new ArrayList<>();
    while (true) {
      element.add(pair());
      skipSpace();
      if (i == h.length()) {
        out.add(element);
        return out;
      }
      char separator = h.charAt(i++);
      if (separator == ',') {
        out.add(element);
        element = new ArrayList<>();
      } else if (separator != ';') {
        throw new Malformed();
      }
    }
  }

  private Pair pair() throws Malformed {
    skipSpace();
    int keyStart = i;
    while (i < h.length() && "=,;\"".indexOf(h.charAt(i)) < 0) {
      i++;
    }
    String key = h.substring(keyStart, i).strip();
    if (key.isEmpty() || i == h.length() || h.charAt(i) != '=') {
      throw new Malformed();
    }
    i++; // '='
    skipSpace();
    String value = i < h.length() && h.charAt(i) == '"' ? quoted() : bare();
    return new Pair(key.toLowerCase(Locale.ROOT), value);
  }

  private String quoted() throws Malformed {
    StringBuilder value = new StringBuilder();
    for (i++; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c == '\\' && i + 1 < h.length()) {
        value.append(h.charAt(++i));
      } else if (c == '"') {
        i++;
        return value.toString();
      } else {
        value.append(c);
      }
    }
    throw new Malformed(); // the quote never closed
  }

  private String bare() throws Malformed {
    int start = i;
    while (i < h.length() && h.charAt(i) != ',' && h.charAt(i) != ';') {
      char c = h.charAt(i);
      if (c == '"' || c == '=') {
        throw new Malformed(); // such values must be quoted
      }
      i++;
    }
    return h.substring(start, i).strip();
  }

  private void skipSpace() {
    while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == '\t')) {
      i++;
    }
  }
}
