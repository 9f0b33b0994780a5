package io.jrego.engine.builtins.ai;

import java.util.ArrayList;
import java.util.List;

/**
 * Places in a text that a person reading the rendered text does not see but a model reads: HTML
 * comments, Markdown comment links ({@code [//]: # (...)}), and image links whose target carries
 * data ({@code ![x](https://host/?q=...)}: a rendered image fetches the URL, so a model that fills
 * the query with conversation data exfiltrates it). Found by plain scanning with {@code indexOf},
 * linear in the text.
 */
final class HiddenChannels {

  private HiddenChannels() {}

  /** One hidden construct: its kind, its view indices {@code [from, to)} and its inner text. */
  record Hidden(String kind, int from, int to, String text) {}

  static final int MAX_COMMENT = 65_536;
  static final int MAX_URL = 2_048;

  static List<Hidden> find(String s, int max) {
    List<Hidden> out = new ArrayList<>();
    int i = 0;
    while (out.size() < max && (i = s.indexOf("<!--", i)) >= 0) {
      int end = s.indexOf("-->", i + 4);
      int stop = end < 0 ? Math.min(s.length(), i + 4 + MAX_COMMENT) : end + 3;
      String inner = s.substring(i + 4, end < 0 ? stop : end);
      out.add(new Hidden("html_comment", i, stop, inner.strip()));
      i = stop;
    }
    i = 0;
    while (out.size() < max && (i = s.indexOf("]: #", i)) >= 0) {
      int lineStart = s.lastIndexOf('\n', i) + 1;
      int lineEnd = s.indexOf('\n', i);
      lineEnd = lineEnd < 0 ? s.length() : lineEnd;
      if (s.startsWith("[", lineStart) && i - lineStart <= 32) {
        String rest = s.substring(i + 4, lineEnd).strip();
        out.add(new Hidden("markdown_comment", lineStart, lineEnd, unwrap(rest)));
      }
      i = lineEnd;
    }
    i = 0;
    while (out.size() < max && (i = s.indexOf("![", i)) >= 0) {
      int close = s.indexOf("](", i + 2);
      if (close < 0) {
        break;
      }
      int urlStart = close + 2;
      int urlEnd = urlStart;
      while (urlEnd < s.length()
          && urlEnd - urlStart < MAX_URL
          && s.charAt(urlEnd) != ')'
          && !Character.isWhitespace(s.charAt(urlEnd))) {
        urlEnd++;
      }
      String url = s.substring(urlStart, urlEnd);
      if (close - i <= 512 && carriesData(url)) {
        int end = urlEnd < s.length() && s.charAt(urlEnd) == ')' ? urlEnd + 1 : urlEnd;
        out.add(new Hidden("image_link", i, end, url));
      }
      i = close;
    }
    out.sort((a, b) -> Integer.compare(a.from(), b.from()));
    return out;
  }

  /** An absolute http(s) URL with a query string, or with a long data-like last path segment. */
  static boolean carriesData(String url) {
    String u = url.toLowerCase(java.util.Locale.ROOT);
    if (!(u.startsWith("http://") || u.startsWith("https://"))) {
      return false;
    }
    int q = u.indexOf('?');
    if (q >= 0 && q + 1 < u.length()) {
      return true;
    }
    int slash = u.lastIndexOf('/');
    return u.length() - slash > 40;
  }

  private static String unwrap(String rest) {
    if (rest.length() >= 2
        && ((rest.startsWith("(") && rest.endsWith(")"))
            || (rest.startsWith("\"") && rest.endsWith("\"")))) {
      return rest.substring(1, rest.length() - 1);
    }
    return rest;
  }
}
