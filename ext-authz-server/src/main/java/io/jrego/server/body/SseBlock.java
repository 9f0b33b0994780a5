package io.jrego.server.body;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
  private final List<Line> lines;
  private final String newline;
  private final boolean terminated;

  SseBlock(byte[] raw, List<Line> lines, String newline, boolean terminated) {
    this.raw = raw;
    this.lines = List.copyOf(lines);
    this.newline = newline;
    this.terminated = terminated;
  }

  /** The bytes exactly as received, line terminators included (a copy). */
  public byte[] raw() {
    return raw.clone();
  }

  /** Writes the bytes as received to {@code out} (no copy made first). */
  void writeRaw(ByteArrayOutputStream out) {
    out.write(raw, 0, raw.length);
  }

  /** The lines, without terminators; the blank line that ends the block is not one of them. */
  public List<Line> lines() {
    return lines;
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
    String one = null; // the data of an event with one data line (nearly all), not copied
    StringBuilder out = null;
    for (Line l : lines) {
      if (!l.comment() && l.field().equals("data")) {
        if (one == null && out == null) {
          one = l.value();
        } else {
          if (out == null) {
            out = new StringBuilder(one);
            one = null;
          }
          out.append('\n').append(l.value());
        }
      }
    }
    return Optional.ofNullable(out == null ? one : out.toString());
  }

  /** The value of the last line of a field ({@code event}, {@code id}, {@code retry}). */
  public Optional<String> field(String name) {
    String v = null;
    for (Line l : lines) {
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
    for (Line l : lines) {
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
