package io.jrego.server.body;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds where values sit in a JSON text, so an edit can splice one value and leave every other byte
 * as it was (key order, spacing, number spelling). The text has already been parsed once (it is a
 * body the policy saw), so this scanner only has to be right for valid JSON; on anything else it
 * throws {@link BodyException} rather than guess.
 */
final class JsonText {

  /** A stretch {@code [start, end)} of the text. */
  record Span(int start, int end) {}

  /** One entry of an object or array: its whole extent and its value's. */
  record Entry(String key, Span whole, Span value) {}

  /** Where a pointer leads: the value, the container holding it and the entry's place there. */
  record Location(Span value, Span container, List<Entry> siblings, int entry) {}

  private final String s;
  // the text never changes, so each container is split into entries once however many pointers
  // pass through it (several edits of one body walk the same objects and arrays)
  private Map<Integer, List<Entry>> parsed;
  private Span root;

  JsonText(String s) {
    this.s = s;
  }

  String text() {
    return s;
  }

  /** The span of the whole document's value. */
  Span root() throws BodyException {
    if (root == null) {
      int start = skipWs(0);
      root = new Span(start, skipValue(start));
    }
    return root;
  }

  /**
   * Follows a pointer. Empty when a token names no member or element; an error when the path passes
   * through an object that holds the same key twice (the policy and the upstream might read
   * different copies) or through a scalar.
   */
  Optional<Location> locate(JsonPointer pointer) throws BodyException {
    Span value = root();
    Span container = null;
    List<Entry> siblings = List.of();
    int entry = -1;
    List<String> tokens = pointer.tokens();
    for (int t = 0; t < tokens.size(); t++) {
      String token = tokens.get(t);
      char open = s.charAt(value.start());
      if (open != '{' && open != '[') {
        return Optional.empty();
      }
      List<Entry> entries = entries(value);
      int found = -1;
      if (open == '{') {
        for (int i = 0; i < entries.size(); i++) {
          if (entries.get(i).key().equals(token)) {
            if (found >= 0) {
              throw new BodyException(
                  "the body has key \""
                      + token
                      + "\" twice in the object at \""
                      + prefix(pointer, t)
                      + "\"");
            }
            found = i;
          }
        }
      } else {
        int index = JsonPointer.index(token);
        found = index >= 0 && index < entries.size() ? index : -1;
      }
      if (found < 0) {
        return Optional.empty();
      }
      container = value;
      siblings = entries;
      entry = found;
      value = entries.get(found).value();
    }
    return Optional.of(new Location(value, container, siblings, entry));
  }

  private static String prefix(JsonPointer p, int tokens) {
    JsonPointer out = JsonPointer.ROOT;
    for (int i = 0; i < tokens; i++) {
      out = out.child(p.tokens().get(i));
    }
    return out.text();
  }

  /** The entries of the object or array at {@code span}; object keys decoded. */
  List<Entry> entries(Span span) throws BodyException {
    if (parsed == null) {
      parsed = new HashMap<>();
    }
    List<Entry> known = parsed.get(span.start());
    if (known == null) {
      known = Collections.unmodifiableList(parse(span));
      parsed.put(span.start(), known);
    }
    return known;
  }

  private List<Entry> parse(Span span) throws BodyException {
    List<Entry> out = new ArrayList<>();
    boolean object = s.charAt(span.start()) == '{';
    int i = skipWs(span.start() + 1);
    if (s.charAt(i) == (object ? '}' : ']')) {
      return out;
    }
    while (true) {
      int entryStart = i;
      String key = null;
      if (object) {
        int keyEnd = skipString(i);
        key = decodeString(new Span(i, keyEnd));
        i = skipWs(keyEnd);
        expect(i, ':');
        i = skipWs(i + 1);
      }
      int valueEnd = skipValue(i);
      out.add(new Entry(key, new Span(entryStart, valueEnd), new Span(i, valueEnd)));
      i = skipWs(valueEnd);
      if (i >= s.length()) {
        throw malformed(i);
      }
      char c = s.charAt(i);
      if (c == ',') {
        i = skipWs(i + 1);
      } else if (c == (object ? '}' : ']')) {
        return out;
      } else {
        throw malformed(i);
      }
    }
  }

  /** The kind of value at a span: {@code object}, {@code array}, {@code string}, ... */
  String kind(Span span) {
    return switch (s.charAt(span.start())) {
      case '{' -> "object";
      case '[' -> "array";
      case '"' -> "string";
      case 't', 'f' -> "boolean";
      case 'n' -> "null";
      default -> "number";
    };
  }

  int skipWs(int i) {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return i;
      }
      i++;
    }
    return i;
  }

  /** The index just past the value starting at {@code i}. */
  int skipValue(int i) throws BodyException {
    if (i >= s.length()) {
      throw malformed(i);
    }
    char c = s.charAt(i);
    switch (c) {
      case '"' -> {
        return skipString(i);
      }
      case '{', '[' -> {
        // Iterative, so depth costs no stack: count brackets outside strings.
        int depth = 0;
        while (i < s.length()) {
          char d = s.charAt(i);
          if (d == '"') {
            i = skipString(i);
            continue;
          }
          if (d == '{' || d == '[') {
            depth++;
          } else if (d == '}' || d == ']') {
            depth--;
            if (depth == 0) {
              return i + 1;
            }
          }
          i++;
        }
        throw malformed(i);
      }
      default -> {
        int j = i;
        while (j < s.length() && !ends(s.charAt(j))) {
          j++;
        }
        if (j == i) {
          throw malformed(i);
        }
        return j;
      }
    }
  }

  /** Whether {@code c} ends a number or a literal ({@code true}, {@code null} ...). */
  private static boolean ends(char c) {
    return switch (c) {
      case '{', '}', '[', ']', ',', ':', ' ', '\t', '\r', '\n', '"' -> true;
      default -> false;
    };
  }

  /**
   * The index just past the string literal starting at {@code i}: the first quote after it that an
   * even number of backslashes precedes (an odd number escapes it). Found with {@link
   * String#indexOf(int, int)}, which the JVM compiles to a vector search: every container a pointer
   * passes through is skipped over again, so this is most of the time a stream's events take.
   */
  int skipString(int i) throws BodyException {
    if (i >= s.length() || s.charAt(i) != '"') {
      throw malformed(i);
    }
    int from = i + 1;
    while (true) {
      int q = s.indexOf('"', from);
      if (q < 0) {
        throw malformed(i);
      }
      int b = q - 1;
      while (b > i && s.charAt(b) == '\\') {
        b--;
      }
      if (((q - 1 - b) & 1) == 0) {
        return q + 1;
      }
      from = q + 1;
    }
  }

  private void expect(int i, char c) throws BodyException {
    if (i >= s.length() || s.charAt(i) != c) {
      throw malformed(i);
    }
  }

  private BodyException malformed(int at) {
    return new BodyException("the body is not valid JSON near character " + at);
  }

  /** The text of the string literal at {@code span} (quotes included in the span). */
  String decodeString(Span span) throws BodyException {
    int end = span.end() - 1;
    int escape = s.indexOf('\\', span.start() + 1, end);
    if (escape < 0) {
      return s.substring(span.start() + 1, end); // nothing escaped: the text as it is
    }
    StringBuilder out = new StringBuilder(span.end() - span.start());
    out.append(s, span.start() + 1, escape);
    for (int i = escape; i < end; i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          // four hex digits (Integer.parseInt would also take a sign)
          int code = 0;
          for (int k = i + 1; k <= i + 4; k++) {
            int digit = k < end ? Character.digit(s.charAt(k), 16) : -1;
            if (digit < 0 || s.charAt(k) > 'f') {
              throw malformed(i);
            }
            code = code << 4 | digit;
          }
          out.append((char) code);
          i += 4;
        }
        default -> throw malformed(i);
      }
    }
    return out.toString();
  }

  /**
   * {@code v} as a JSON string literal: quotes, backslashes and control characters escaped,
   * everything else (non-ASCII included) written as it is, so {@code <EMAIL_1>} stays readable. A
   * lone surrogate is written as an escape, keeping the output valid UTF-8.
   */
  static String encodeString(String v) {
    return appendString(new StringBuilder(v.length() + 2), v).toString();
  }

  /** Appends {@code v} as a JSON string literal (see {@link #encodeString}) to {@code out}. */
  static StringBuilder appendString(StringBuilder out, String v) {
    out.append('"');
    int plain = 0;
    while (plain < v.length()) {
      char c = v.charAt(plain);
      if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        break;
      }
      plain++;
    }
    out.append(v, 0, plain); // nearly always all of it: nothing to escape
    for (int i = plain; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          boolean lone =
              Character.isSurrogate(c)
                  && !(Character.isHighSurrogate(c)
                      && i + 1 < v.length()
                      && Character.isLowSurrogate(v.charAt(i + 1)));
          if (Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(v.charAt(i - 1))) {
            lone = false;
          }
          if (c < 0x20 || lone) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"');
  }
}
