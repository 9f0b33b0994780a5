package io.jrego.server.body;

import io.jrego.engine.builtins.ai.ValueStarts;

/**
 * How much of a streamed text no later text can change: the end of the prefix whose findings (which
 * values are found there, where, with which confidence) are the same whatever text follows. {@link
 * StreamText} releases that prefix at once and holds back only the rest.
 *
 * <p>The text is read as chunks (runs of characters between whitespace). A <em>plain</em> chunk is
 * prose: letters without digits, upper case at most as its first letter of two or more, apostrophes
 * and a few punctuation marks ({@code . , ; ! ? * ( ) [ ] "} and typographic quotes), symbols such
 * as emoji. Every value the scanner finds lies in chunks that are not plain, or in a plain chunk in
 * a value's place (after a chunk ending in {@code :}, {@code =} or {@code >}, or naming {@code
 * bearer}, {@code basic} or {@code token}): none of its detectors reads a value across a plain
 * chunk (a digit group, an IBAN or NINO group, a key's alphabet, a PEM label all need digits, upper
 * case past the first letter, or marks a plain chunk has not). Chunks are linked into groups where
 * a value could run from one into the next: two chunks that are not plain, a chunk in a value's
 * place and the one before it, and a chunk beginning with a mark ({@code :}, {@code =}, {@code (},
 * {@code +}, a quote) and the one before it (an assignment's operator after its name, a phone's
 * area code in brackets).
 *
 * <p>A group is settled when a later chunk has begun (so no value can grow out of it, and a
 * detector started in it has read what it needs), and, when it has a chunk that is not plain, when
 * that later chunk is plain and has ended and two words have ended after the group, or 40
 * characters have come after it (the context words read after a finding: two words within 40
 * characters; a word there can raise a finding's confidence, so they must be there first). An open
 * private-key block ({@code -----BEGIN ... PRIVATE KEY-----} without its {@code -----END} line) is
 * never settled. The safe prefix ends where the first group that is not settled begins: the last
 * group never is.
 */
final class SafePrefix {

  private SafePrefix() {}

  /** Characters after a value within which the context words that can raise it are read. */
  private static final int CONTEXT_AFTER = 40;

  /** Words after a value that can raise it. */
  private static final int WORDS_AFTER = 2;

  private static final String PEM_BEGIN = "-----BEGIN ";
  private static final int PEM_LABEL_MAX = 64;

  /**
   * The end of the prefix of {@code text} that no text appended to it can change, at or after
   * {@code from} (the text before {@code from} is already out: only chunks from there are read).
   */
  static int end(String text, int from) {
    int n = text.length();
    int pem = openPemChunk(text, from);
    int limit = pem >= 0 ? pem : n;
    int i = skipSpace(text, from, n);
    if (i >= n) {
      return n;
    }
    int complete = lastWhitespace(text, n); // chunks before it have ended
    // the current group: where it starts, whether it has a chunk that is not plain
    int groupStart = i;
    boolean groupSuspect = false;
    // the chunk before the current one
    boolean prevSuspect = false;
    boolean prevOpensValue = false;
    boolean first = true;
    int groupEnd = -1;
    while (i < n) {
      int end = chunkEnd(text, i, n);
      boolean valuePlace = !first && prevOpensValue;
      boolean plain = !valuePlace && plain(text, i, end);
      boolean suspect = !plain;
      boolean linked =
          !first && (valuePlace || !isAlnum(text.codePointAt(i)) || (prevSuspect && suspect));
      if (!first && !linked) {
        // the group before this chunk has ended: settled?
        if (!settled(text, groupEnd, groupSuspect, end, n, complete) || groupStart >= limit) {
          return Math.min(groupStart, limit);
        }
        groupStart = i;
        groupSuspect = false;
      }
      groupSuspect |= suspect;
      groupEnd = end;
      prevSuspect = suspect;
      prevOpensValue = opensValue(text, i, end);
      first = false;
      i = skipSpace(text, end, n);
    }
    return Math.min(groupStart, limit); // the last group: a later chunk may still link to it
  }

  /**
   * Whether the text from {@code from} on (held: what is before it has gone out) holds part of a
   * value of the types {@code starts} describes, or may hold one's start once more text comes, so
   * that a value it finds later would have begun in this text. Read per chunk (the chunk holding
   * {@code from} whole, and the chunk before it for whether the first is in a value's place):
   *
   * <ul>
   *   <li>a fixed start (a key's prefix, {@code eyJ}, {@code -----BEGIN }, ...) where the scanner
   *       tries it, whole or with the text ending inside it ({@code sk} may become {@code
   *       sk-proj-...});
   *   <li>for values assigned to secret-sounding names: a chunk in a value's place (after a chunk
   *       ending in {@code :}, {@code =} or {@code >}, or naming {@code bearer}, {@code basic} or
   *       {@code token}), or with {@code :} or {@code =} before its last character (a value after
   *       its operator in the same chunk, {@code password=hunter2}, {@code user:pass@host});
   *   <li>for personal data: a chunk that is not plain or is in a value's place (no value of it
   *       lies in a plain chunk), and, for e-mail and IP addresses, the last chunk while it is
   *       still being written (a local part or an IPv6 group may be letters only).
   * </ul>
   *
   * A value found only in text that comes later (a key written after the held words) is not in this
   * text: that is for the text after it.
   */
  static boolean mayHold(String t, int from, ValueStarts starts) {
    int n = t.length();
    int i = skipSpace(t, from, n);
    if (i >= n || starts.isEmpty()) {
      return false;
    }
    int s = chunkStart(t, 0, i);
    int prevEnd = s;
    while (prevEnd > 0 && Character.isWhitespace(t.charAt(prevEnd - 1))) {
      prevEnd--;
    }
    boolean valuePlace = prevEnd > 0 && opensValue(t, chunkStart(t, 0, prevEnd), prevEnd);
    while (s < n) {
      int e = chunkEnd(t, s, n);
      if (starts.personal() && (valuePlace || !plain(t, s, e))) {
        return true;
      }
      if (starts.assignments() && (valuePlace || hasOperator(t, s, e))) {
        return true;
      }
      for (int p = s; p < e; p++) {
        if (starts.startsAt(t, p)) {
          return true;
        }
      }
      if (e == n && starts.letters()) {
        return true;
      }
      valuePlace = opensValue(t, s, e);
      s = skipSpace(t, e, n);
    }
    return false;
  }

  /** Whether chunk {@code [s, e)} has {@code :} or {@code =} with something after it. */
  private static boolean hasOperator(String t, int s, int e) {
    for (int i = s; i < e - 1; i++) {
      char c = t.charAt(i);
      if (c == ':' || c == '=') {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a group ending at {@code groupEnd} is settled, the next chunk (not linked to it) ending
   * at {@code nextEnd}, the chunks before {@code complete} having ended.
   */
  private static boolean settled(
      String t, int groupEnd, boolean suspect, int nextEnd, int n, int complete) {
    if (!suspect) {
      return true; // prose: the next chunk's first character is there, so its link is known
    }
    if (nextEnd >= n) {
      return false; // the next chunk may still become one that links
    }
    if (n - groupEnd >= CONTEXT_AFTER) {
      return true;
    }
    // two words ended after the group: the context words after any of its values are all there
    int words = 0;
    int i = groupEnd;
    while (i < complete && words < WORDS_AFTER) {
      while (i < complete && !isContextWordChar(t.charAt(i))) {
        i++;
      }
      int s = i;
      while (i < complete && isContextWordChar(t.charAt(i))) {
        i++;
      }
      if (i > s) {
        words++;
      }
    }
    return words >= WORDS_AFTER;
  }

  /** Where the last whitespace run begins: what is before it is in chunks that have ended. */
  private static int lastWhitespace(String t, int n) {
    int i = n;
    while (i > 0 && !Character.isWhitespace(t.charAt(i - 1))) {
      i--;
    }
    return i;
  }

  /** The characters context words are made of ({@code ContextWords}: letters, digits, - and #). */
  private static boolean isContextWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-' || c == '#';
  }

  /**
   * Whether chunk {@code [s, e)} puts the next chunk in a value's place: it ends in an assignment's
   * operator ({@code :}, {@code =}, {@code =>}) or names an authorization scheme.
   */
  private static boolean opensValue(String t, int s, int e) {
    char last = t.charAt(e - 1);
    if (last == ':' || last == '=' || last == '>') {
      return true;
    }
    return containsIgnoreCase(t, s, e, "bearer")
        || containsIgnoreCase(t, s, e, "basic")
        || containsIgnoreCase(t, s, e, "token");
  }

  private static boolean containsIgnoreCase(String t, int s, int e, String word) {
    int w = word.length();
    char first = word.charAt(0); // a lower-case ASCII letter no other character folds to
    for (int i = s; i + w <= e; i++) {
      if ((t.charAt(i) | 0x20) == first && t.regionMatches(true, i, word, 0, w)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code [s, e)} is a plain chunk (see the class comment). */
  static boolean plain(String t, int s, int e) {
    int letters = 0;
    boolean firstUpper = false;
    int i = s;
    while (i < e) {
      char c = t.charAt(i);
      if (c < 0x80) { // ASCII, as below: letters are a-z and A-Z, digits 0-9
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
          if (c <= 'Z') {
            if (letters > 0) {
              return false;
            }
            firstUpper = true;
          }
          letters++;
        } else if ((c >= '0' && c <= '9') || !safeMark(c)) {
          return false;
        }
        i++;
        continue;
      }
      int cp = t.codePointAt(i);
      if (Character.isLetter(cp)) {
        if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
          if (letters > 0) {
            return false;
          }
          firstUpper = true;
        }
        letters++;
      } else if (Character.isDigit(cp) || !safeMark(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return letters > 0 && !(firstUpper && letters < 2);
  }

  /** Marks a plain chunk may have: none of them is read into a value by any detector. */
  private static boolean safeMark(int cp) {
    switch (cp) {
      case '.',
          ',',
          ';',
          '!',
          '?',
          '*',
          '(',
          ')',
          '[',
          ']',
          '"',
          '\'',
          '\u2018',
          '\u2019',
          '\u201c',
          '\u201d',
          '\u00ab',
          '\u00bb',
          '\u2026',
          '\u00bf',
          '\u00a1' -> {
        return true;
      }
      default -> {
        int type = Character.getType(cp);
        return type == Character.OTHER_SYMBOL || type == Character.NON_SPACING_MARK;
      }
    }
  }

  private static boolean isAlnum(int cp) {
    return Character.isLetterOrDigit(cp);
  }

  private static int skipSpace(String t, int i, int n) {
    while (i < n && Character.isWhitespace(t.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int chunkEnd(String t, int i, int n) {
    while (i < n && !Character.isWhitespace(t.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The start of the chunk holding {@code at} (not before {@code from}). */
  private static int chunkStart(String t, int from, int at) {
    int i = at;
    while (i > from && !Character.isWhitespace(t.charAt(i - 1))) {
      i--;
    }
    return i;
  }

  /** The start of the chunk in which {@link #openPem} begins, or -1. */
  static int openPemChunk(String t, int from) {
    int p = openPem(t, from);
    return p < 0 ? -1 : chunkStart(t, from, p);
  }

  /**
   * Where the first private-key block from {@code from} on begins that more text could still make
   * or extend (its label unfinished, or a private key's label and no {@code -----END} line with the
   * same label yet), or -1.
   */
  static int openPem(String t, int from) {
    int n = t.length();
    int p = t.indexOf(PEM_BEGIN, from);
    while (p >= 0) {
      int labelStart = p + PEM_BEGIN.length();
      int labelEnd = t.indexOf("-----", labelStart);
      if (labelEnd < 0) {
        if (n - labelStart <= PEM_LABEL_MAX + 4) {
          return p; // the label may still end
        }
      } else if (labelEnd - labelStart <= PEM_LABEL_MAX) {
        String label = t.substring(labelStart, labelEnd);
        if (label.endsWith("PRIVATE KEY") || label.endsWith("PRIVATE KEY BLOCK")) {
          int at = t.indexOf("-----END ", labelEnd + 5);
          String endLine = "-----END " + label + "-----";
          if (at < 0) {
            return p;
          }
          if (!t.startsWith(endLine, at) && n - at < endLine.length()) {
            if (endLine.startsWith(t.substring(at))) {
              return p; // its END line is still arriving
            }
          }
        }
      }
      p = t.indexOf(PEM_BEGIN, p + 1);
    }
    // a "-----BEGIN" not yet followed by its space is an open chunk: held as such
    return -1;
  }
}
