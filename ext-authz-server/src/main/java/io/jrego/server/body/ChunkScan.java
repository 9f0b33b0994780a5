package io.jrego.server.body;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the answer text of an OpenAI-style chunk ({@code choices[].delta.content}, or {@code
 * choices[].text}) and what the stream filter reads beside it ({@code index}, {@code
 * finish_reason}) in one pass over the event's JSON data. Keys are compared in place against the
 * text (a key is decoded only when it holds an escape); values nothing reads are skipped once. It
 * accepts and refuses what reading the chunk through {@link JsonText} member by member does: the
 * root, {@code choices}, each choice object and its {@code delta} object must be well formed
 * (entries, colons, commas, escapes in keys), values beside them are skipped by counting brackets
 * outside strings, and the same duplicated keys are errors.
 */
final class ChunkScan {

  /**
   * One object of {@code choices}.
   *
   * @param index its {@code index} when that is an integer, else its position in the array
   * @param fromDelta whether the text is {@code delta.content} (else {@code text})
   * @param finishing whether {@code finish_reason} is there and not null
   * @param start where the text's string literal starts (its quote), or -1 when there is no text or
   *     it is not a string
   * @param end just past the literal's closing quote
   */
  record Choice(int index, boolean fromDelta, boolean finishing, int start, int end) {
    boolean hasText() {
      return start >= 0;
    }
  }

  /**
   * The members before {@code choices} of the last chunk a stream's scan read: the chunks of one
   * stream repeat them byte for byte ({@code id}, {@code object}, {@code created}, {@code model},
   * {@code system_fingerprint}), so a chunk that begins with the same characters, up to and with
   * the quote of the {@code choices} key, is read from that key on. What was skipped read the same
   * way then: the same characters parse alike, up to a key at the same place. Not thread-safe: one
   * per stream.
   */
  static final class Prefix {
    String data;
    int choicesKey = -1; // where the choices key's literal starts in data, or -1
    // the last chunk's only choice, when it had one and with a string of text; else null
    Choice shape;

    /**
     * The choices of {@code d} when it is the last chunk with only its text's string literal
     * changed: the same characters up to and with the literal's opening quote, and after its
     * closing quote (a chunk of a streamed answer repeats everything but its text). The scan then
     * reads what it read in the last chunk, the literal aside, and finds what it found there, with
     * the literal's new end. Null when {@code d} is not such a chunk (it is then read as usual).
     */
    List<Choice> sameShape(String d) {
      if (shape == null) {
        return null;
      }
      int start = shape.start();
      if (!d.regionMatches(0, data, 0, start + 1)) {
        return null;
      }
      int end;
      try {
        end = new JsonText(d).skipString(start);
      } catch (BodyException e) {
        return null; // the scan refuses it, at the same place
      }
      int tail = data.length() - shape.end();
      if (d.length() - end != tail || !d.regionMatches(end, data, shape.end(), tail)) {
        return null;
      }
      shape = new Choice(shape.index(), shape.fromDelta(), shape.finishing(), start, end);
      data = d;
      return List.of(shape);
    }
  }

  private final JsonText t;
  private final String s;
  private final int n;
  private int choicesKey = -1;

  private ChunkScan(String s) {
    this.t = new JsonText(s);
    this.s = s;
    this.n = s.length();
  }

  /**
   * The object choices of the chunk in {@code data}, in order; null when it is not a chunk with
   * answer text to look at (its root is not an object, or {@code choices} is missing, not an array
   * or empty).
   *
   * @throws BodyException when the JSON is malformed where it is read, or a key read is repeated
   */
  static List<Choice> scan(String data) throws BodyException {
    return new ChunkScan(data).root(null);
  }

  /**
   * As {@link #scan(String)}, skipping what {@code last} (the stream's previous chunk) shows to be
   * the same (the members before {@code choices}, or everything but the text: {@link
   * Prefix#sameShape}); {@code last} then remembers this chunk.
   */
  static List<Choice> scan(String data, Prefix last) throws BodyException {
    List<Choice> same = last.sameShape(data);
    if (same != null) {
      return same;
    }
    last.shape = null;
    ChunkScan c = new ChunkScan(data);
    List<Choice> choices = c.root(last);
    last.data = data;
    last.choicesKey = c.choicesKey;
    if (choices != null && choices.size() == 1 && choices.get(0).hasText()) {
      last.shape = choices.get(0);
    }
    return choices;
  }

  /** The text of the string literal at {@code [start, end)} of {@code data}. */
  static String text(String data, Choice c) throws BodyException {
    return new JsonText(data).decodeString(new JsonText.Span(c.start(), c.end()));
  }

  private List<Choice> root(Prefix last) throws BodyException {
    int i;
    if (last != null
        && last.choicesKey > 0
        && s.regionMatches(0, last.data, 0, last.choicesKey + 1)) {
      i = last.choicesKey; // the root's members before choices, as the last chunk had them
    } else {
      i = t.skipWs(0);
      if (i >= n || s.charAt(i) != '{') {
        return null;
      }
      i = t.skipWs(i + 1);
      if (at(i) == '}') {
        return null;
      }
    }
    List<Choice> choices = null;
    boolean seen = false;
    while (true) {
      int keyEnd = key(i);
      boolean isChoices = keyIs(i, keyEnd, "choices");
      int keyStart = i;
      i = value(keyEnd);
      if (isChoices) {
        if (seen) {
          throw new BodyException("the body has key \"choices\" twice in the object at \"\"");
        }
        seen = true;
        choicesKey = keyStart;
        if (s.charAt(i) == '[') {
          choices = new ArrayList<>(1);
          i = array(i, choices);
          if (elements == 0) {
            choices = null; // an empty array: as if there were none
          }
        } else {
          i = t.skipValue(i);
        }
      } else {
        i = t.skipValue(i);
      }
      i = separator(i, '}');
      if (s.charAt(i) == '}') {
        return choices;
      }
      i = t.skipWs(i + 1);
    }
  }

  private int elements; // how many elements the last array(...) read

  /**
   * Reads the {@code choices} array at {@code i}, its objects into {@code out}; returns the index
   * past it.
   */
  private int array(int i, List<Choice> out) throws BodyException {
    elements = 0;
    i = t.skipWs(i + 1);
    if (at(i) == ']') {
      return i + 1;
    }
    int position = 0;
    while (true) {
      if (s.charAt(i) == '{') {
        i = choice(i, position, out);
      } else {
        i = t.skipValue(i);
      }
      elements = ++position;
      i = separator(i, ']');
      if (s.charAt(i) == ']') {
        return i + 1;
      }
      i = t.skipWs(i + 1);
      if (i >= n) {
        throw malformed(i);
      }
    }
  }

  /** Reads one choice object at {@code i}; returns the index past it. */
  private int choice(int i, int position, List<Choice> out) throws BodyException {
    int index = -1;
    int indexEnd = -1;
    boolean delta = false;
    boolean deltaObject = false;
    int content = -1; // where delta.content's value starts, or -1 when delta has no content
    int contentEnd = -1;
    int text = -1;
    int textEnd = -1;
    int texts = 0;
    int finish = -1;
    i = t.skipWs(i + 1);
    if (at(i) != '}') {
      while (true) {
        int keyEnd = key(i);
        int key = member(i, keyEnd);
        i = value(keyEnd);
        int start = i;
        switch (key) {
          case INDEX -> {
            if (index >= 0) {
              throw twice("index");
            }
            index = start;
            i = indexEnd = t.skipValue(i);
          }
          case DELTA -> {
            if (delta) {
              throw twice("delta");
            }
            delta = true;
            if (s.charAt(i) == '{') {
              deltaObject = true;
              i = delta(i);
              content = deltaContent;
              contentEnd = deltaContentEnd;
            } else {
              i = t.skipValue(i);
            }
          }
          case TEXT -> {
            texts++;
            text = start;
            i = textEnd = t.skipValue(i);
          }
          case FINISH -> {
            if (finish >= 0) {
              throw twice("finish_reason");
            }
            finish = start;
            i = t.skipValue(i);
          }
          default -> i = t.skipValue(i);
        }
        i = separator(i, '}');
        if (s.charAt(i) == '}') {
          break;
        }
        i = t.skipWs(i + 1);
      }
    }
    int end = i + 1;
    int number = position;
    if (index >= 0 && isNumber(s.charAt(index))) {
      try {
        number = Integer.parseInt(s, index, indexEnd, 10);
      } catch (NumberFormatException e) {
        number = position;
      }
    }
    int from = -1;
    int to = -1;
    boolean fromDelta = true;
    if (deltaObject && content >= 0) {
      from = content;
      to = contentEnd;
    } else {
      if (texts > 1) {
        throw twice("text");
      }
      if (text >= 0) {
        fromDelta = false;
        from = text;
        to = textEnd;
      }
    }
    boolean finishing = finish >= 0 && s.charAt(finish) != 'n';
    boolean string = from >= 0 && s.charAt(from) == '"';
    out.add(new Choice(number, fromDelta, finishing, string ? from : -1, string ? to : -1));
    return end;
  }

  // what the last delta(...) found: its content value's span, start -1 when it has none
  private int deltaContent;
  private int deltaContentEnd;

  /** Reads a {@code delta} object at {@code i}; returns the index past it. */
  private int delta(int i) throws BodyException {
    deltaContent = -1;
    deltaContentEnd = -1;
    i = t.skipWs(i + 1);
    if (at(i) != '}') {
      while (true) {
        int keyEnd = key(i);
        boolean isContent = keyIs(i, keyEnd, "content");
        i = value(keyEnd);
        if (isContent) {
          if (deltaContent >= 0) {
            throw twice("content");
          }
          deltaContent = i;
          i = deltaContentEnd = t.skipValue(i);
        } else {
          i = t.skipValue(i);
        }
        i = separator(i, '}');
        if (s.charAt(i) == '}') {
          break;
        }
        i = t.skipWs(i + 1);
      }
    }
    return i + 1;
  }

  private static final int OTHER = 0;
  private static final int INDEX = 1;
  private static final int DELTA = 2;
  private static final int TEXT = 3;
  private static final int FINISH = 4;

  private boolean escaped; // whether the key key(...) read last holds an escape

  /**
   * The index just past the key literal at {@code i}: keys are short, so a loop over their chars
   * (noting any escape) costs less than a search.
   */
  private int key(int i) throws BodyException {
    if (i >= n || s.charAt(i) != '"') {
      throw malformed(i);
    }
    escaped = false;
    for (int j = i + 1; j < n; j++) {
      char c = s.charAt(j);
      if (c == '"') {
        return j + 1;
      }
      if (c == '\\') {
        escaped = true;
        j++;
      }
    }
    throw malformed(i);
  }

  private int member(int start, int end) throws BodyException {
    if (escaped) {
      return switch (t.decodeString(new JsonText.Span(start, end))) {
        case "text" -> TEXT;
        case "index" -> INDEX;
        case "delta" -> DELTA;
        case "finish_reason" -> FINISH;
        default -> OTHER;
      };
    }
    return switch (end - start - 2) {
      case 4 -> s.startsWith("text", start + 1) ? TEXT : OTHER;
      case 5 ->
          s.startsWith("index", start + 1)
              ? INDEX
              : s.startsWith("delta", start + 1) ? DELTA : OTHER;
      case 13 -> s.startsWith("finish_reason", start + 1) ? FINISH : OTHER;
      default -> OTHER;
    };
  }

  /**
   * Whether the key literal at {@code [start, end)}, just read by {@link #key}, is {@code name}:
   * compared in place; a key with an escape is decoded first (which also checks its escapes, as
   * reading it member by member does).
   */
  private boolean keyIs(int start, int end, String name) throws BodyException {
    if (escaped) {
      return t.decodeString(new JsonText.Span(start, end)).equals(name);
    }
    return end - start - 2 == name.length() && s.startsWith(name, start + 1);
  }

  /** Past the colon after a key ending at {@code keyEnd}: where the value starts. */
  private int value(int keyEnd) throws BodyException {
    int i = t.skipWs(keyEnd);
    if (at(i) != ':') {
      throw malformed(i);
    }
    i = t.skipWs(i + 1);
    if (i >= n) {
      throw malformed(i);
    }
    return i;
  }

  private static boolean isNumber(char c) {
    return c != '{' && c != '[' && c != '"' && c != 't' && c != 'f' && c != 'n';
  }

  /**
   * The index of the {@code close} that ends the object or array a member or element before {@code
   * i} is in, or of the {@code ','} before the next one, past any whitespace; anything else there
   * is malformed.
   */
  private int separator(int i, char close) throws BodyException {
    i = t.skipWs(i);
    char c = at(i);
    if (c != close && c != ',') {
      throw malformed(i);
    }
    return i;
  }

  private char at(int i) throws BodyException {
    if (i >= n) {
      throw malformed(i);
    }
    return s.charAt(i);
  }

  private BodyException malformed(int at) {
    return new BodyException("the body is not valid JSON near character " + at);
  }

  private static BodyException twice(String key) {
    return new BodyException("an event's data has the key \"" + key + "\" twice");
  }
}
