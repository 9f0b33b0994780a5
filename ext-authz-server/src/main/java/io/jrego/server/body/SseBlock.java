package io.jrego.server.body;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One block of a {@code text/event-stream}: the lines up to and including the blank line that ends
 * it, as the bytes that arrived and as parsed fields. A block with {@code data} lines is an event;
 * one without (comments such as {@code : keep-alive}, or a lone {@code retry:}) is passed on as it
 * is.
 */
public final class SseBlock {

  /**
   * One line: a field ({@code data}, {@code event}, {@code id}, {@code retry}, or any other name,
   * which clients ignore) with its value, or a comment (a line starting with {@code :}).
   */
  public record Line(String text, String field, String value, boolean comment) {}

  private final byte[] raw;
  // each line's content in raw, as [start, end) pairs, terminator excluded (a leading byte-order
  // mark of the stream too): lines are decoded only when asked for
  private final int[] spans;
  private List<Line> lines;
  private final String newline;
  private final boolean terminated;
  private int data = -2; // the first byte of the only data line's value; -1: none or several
  private int dataLine = -1; // that line's index in spans
  private boolean several; // whether it has several data lines

  SseBlock(byte[] raw, int[] spans, String newline, boolean terminated) {
    this.raw = raw;
    this.spans = spans;
    this.newline = newline;
    this.terminated = terminated;
  }

  /** The bytes exactly as received, line terminators included (a copy). */
  public byte[] raw() {
    return raw.clone();
  }

  /** The lines, without terminators; the blank line that ends the block is not one of them. */
  public List<Line> lines() {
    if (lines == null) {
      List<Line> out = new ArrayList<>(spans.length / 2);
      for (int k = 0; k < spans.length; k += 2) {
        out.add(parse(new String(raw, spans[k], spans[k + 1] - spans[k], StandardCharsets.UTF_8)));
      }
      lines = List.copyOf(out);
    }
    return lines;
  }

  private static Line parse(String text) {
    if (text.startsWith(":")) {
      return new Line(text, "", text.substring(1), true);
    }
    int colon = text.indexOf(':');
    if (colon < 0) {
      return new Line(text, text, "", false);
    }
    int value = colon + 1;
    if (value < text.length() && text.charAt(value) == ' ') {
      value++;
    }
    return new Line(text, text.substring(0, colon), text.substring(value), false);
  }

  /**
   * Where the value of the block's only {@code data} line starts in {@link #raw}'s bytes (it ends
   * at {@link #dataEnd}), read from the bytes; -1 when the block has no {@code data} line or
   * several.
   */
  int dataStart() {
    if (data == -2) {
      data = -1;
      for (int k = 0; k < spans.length; k += 2) {
        int s = spans[k];
        int n = spans[k + 1] - s;
        if (n >= 4
            && raw[s] == 'd'
            && raw[s + 1] == 'a'
            && raw[s + 2] == 't'
            && raw[s + 3] == 'a'
            && (n == 4 || raw[s + 4] == ':')) {
          if (data >= 0) {
            data = -1; // several: read through lines()
            dataLine = -1;
            several = true;
            break;
          }
          data = n == 4 ? s + 4 : n > 5 && raw[s + 5] == ' ' ? s + 6 : s + 5;
          dataLine = k;
        }
      }
    }
    return data;
  }

  /** Whether the block has a {@code data} line: it is an event. */
  boolean isEvent() {
    return dataStart() >= 0 || several;
  }

  /** Where the value {@link #dataStart} gives ends. */
  int dataEnd() {
    return spans[dataLine + 1];
  }

  /** The bytes as received, not copied: never to be written to. */
  byte[] bytes() {
    return raw;
  }

  /**
   * The first line terminator seen ({@code \n}, {@code \r\n} or {@code \r}), used when the block is
   * rewritten.
   */
  public String newline() {
    return newline;
  }

  /** False for what was left unterminated at the end of the stream (clients drop such a block). */
  public boolean terminated() {
    return terminated;
  }

  /** The event's data: its {@code data} lines joined by {@code \n}; empty when it has none. */
  public Optional<String> data() {
    if (dataStart() >= 0) {
      // one data line (nearly all events): its value decoded from the bytes, nothing else
      return Optional.of(new String(raw, data, dataEnd() - data, StandardCharsets.UTF_8));
    }
    StringBuilder out = null;
    for (Line l : lines()) {
      if (!l.comment() && l.field().equals("data")) {
        if (out == null) {
          out = new StringBuilder(l.value());
        } else {
          out.append('\n').append(l.value());
        }
      }
    }
    return Optional.ofNullable(out == null ? null : out.toString());
  }

  /** The value of the last line of a field ({@code event}, {@code id}, {@code retry}). */
  public Optional<String> field(String name) {
    String v = null;
    for (Line l : lines()) {
      if (!l.comment() && l.field().equals(name)) {
        v = l.value();
      }
    }
    return Optional.ofNullable(v);
  }

  /**
   * The block rewritten with other data: its {@code data} lines replaced, where the first one was,
   * by one line per line of {@code data}; every other line kept as it was.
   */
  public byte[] withData(String data) {
    StringBuilder out = new StringBuilder(data.length() + 128);
    boolean written = false;
    for (Line l : lines()) {
      if (!l.comment() && l.field().equals("data")) {
        if (!written) {
          appendDataLines(out, data, newline);
          written = true;
        }
        continue;
      }
      out.append(l.text()).append(newline);
    }
    if (terminated) {
      out.append(newline);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A new event of the given data lines (and an {@code event} name, if not empty). */
  static byte[] event(String event, String data, String newline) {
    StringBuilder s = new StringBuilder();
    if (!event.isEmpty()) {
      s.append("event: ").append(event).append(newline);
    }
    appendDataLines(s, data, newline);
    s.append(newline);
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One {@code data:} line per line of {@code data} (split at CRLF, CR or LF, as a reader would).
   */
  private static void appendDataLines(StringBuilder out, String data, String newline) {
    if (data.indexOf('\n') < 0 && data.indexOf('\r') < 0) {
      out.append("data: ").append(data).append(newline); // one line, nearly always
      return;
    }
    int start = 0;
    int n = data.length();
    for (int i = 0; i < n; i++) {
      char c = data.charAt(i);
      if (c == '\r' || c == '\n') {
        out.append("data: ").append(data, start, i).append(newline);
        if (c == '\r' && i + 1 < n && data.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    out.append("data: ").append(data, start, n).append(newline);
  }
}
