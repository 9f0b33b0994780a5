package io.jrego.server.body;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON Pointer (RFC 6901): {@code ""} is the whole document, {@code "/messages/0/content"} a
 * value inside it; {@code ~1} stands for {@code /} and {@code ~0} for {@code ~} within a token.
 *
 * @param text the pointer as written
 * @param tokens its reference tokens, unescaped
 */
public record JsonPointer(String text, List<String> tokens) {

  public JsonPointer {
    tokens = List.copyOf(tokens);
  }

  /** The pointer to the whole document. */
  public static final JsonPointer ROOT = new JsonPointer("", List.of());

  /**
   * Parses a pointer.
   *
   * @throws IllegalArgumentException if it does not start with {@code /} (and is not empty) or
   *     holds a {@code ~} not followed by {@code 0} or {@code 1}
   */
  public static JsonPointer parse(String text) {
    if (text.isEmpty()) {
      return ROOT;
    }
    if (text.charAt(0) != '/') {
      throw new IllegalArgumentException("JSON pointer must start with '/': \"" + text + "\"");
    }
    List<String> tokens = new ArrayList<>();
    StringBuilder token = new StringBuilder();
    for (int i = 1; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '/';
      if (c == '/') {
        tokens.add(token.toString());
        token.setLength(0);
      } else if (c == '~') {
        char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
        if (next != '0' && next != '1') {
          throw new IllegalArgumentException(
              "JSON pointer \"" + text + "\" has '~' not followed by 0 or 1 at " + i);
        }
        token.append(next == '0' ? '~' : '/');
        i++;
      } else {
        token.append(c);
      }
    }
    return new JsonPointer(text, tokens);
  }

  /** The pointer one token deeper. */
  public JsonPointer child(String token) {
    List<String> t = new ArrayList<>(tokens);
    t.add(token);
    return new JsonPointer(text + "/" + token.replace("~", "~0").replace("/", "~1"), t);
  }

  /** The array index a token names, or -1 when it is not a canonical non-negative integer. */
  static int index(String token) {
    if (token.isEmpty() || token.length() > 9 || (token.length() > 1 && token.charAt(0) == '0')) {
      return -1;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    return Integer.parseInt(token);
  }

  @Override
  public String toString() {
    return text;
  }
}
