package io.jrego.server.body;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Cuts a {@code text/event-stream} arriving in arbitrary pieces into {@link SseBlock}s, as the
 * WHATWG HTML standard's event-stream parser reads it: lines end in {@code \r\n}, {@code \n} or a
 * lone {@code \r} (a {@code \r} at the end of one piece waits for the next to tell which), a blank
 * line ends a block, a line starting with {@code :} is a comment, {@code field: value} loses one
 * space after the colon, a line without a colon is a field with an empty value, and a byte-order
 * mark at the very start is skipped.
 *
 * <p>Lines are decoded as UTF-8 only once whole, so a character split between pieces is read whole;
 * bytes that are not UTF-8 read as U+FFFD, as browsers read them. Each block keeps its bytes as
 * they came, so blocks nothing changes go out unchanged. A block larger than the limit is an error:
 * the stream cannot be inspected without holding it. Not thread-safe.
 */
public final class SseFramer {

  private final int maxBlockBytes;
  // the block so far, as received; the line being read is its tail from lineStart (no second
  // copy of it, and no synchronized stream: each write to one cost a lock per line)
  private byte[] raw = new byte[512];
  private int size;
  private int lineStart;
  private int lineEnd; // where a line that ended in \r ends, while the next byte is awaited
  private final List<SseBlock.Line> lines = new ArrayList<>();
  private String newline;
  private boolean afterCr;
  private boolean firstLine = true;

  /**
   * @param maxBlockBytes the largest block accepted, in bytes
   */
  public SseFramer(int maxBlockBytes) {
    this.maxBlockBytes = maxBlockBytes;
  }

  /**
   * Takes the next piece of the stream.
   *
   * @return the blocks it completed, in order
   * @throws BodyException when a block grows past the limit
   */
  public List<SseBlock> push(byte[] bytes) throws BodyException {
    List<SseBlock> out = new ArrayList<>();
    int i = 0;
    int n = bytes.length;
    while (i < n) {
      if (afterCr) {
        afterCr = false;
        if (bytes[i] == '\n') {
          append(bytes, i, 1);
          i++;
          endLine("\r\n", lineEnd, out);
          continue;
        }
        endLine("\r", lineEnd, out);
      }
      int end = i;
      while (end < n && bytes[end] != '\n' && bytes[end] != '\r') {
        end++;
      }
      if (end == n) {
        append(bytes, i, end - i);
        break;
      }
      int contentEnd = size + end - i;
      append(bytes, i, end + 1 - i); // the line's rest and its terminator's first byte
      if (bytes[end] == '\r') {
        afterCr = true;
        lineEnd = contentEnd;
      } else {
        endLine("\n", contentEnd, out);
      }
      i = end + 1;
    }
    return out;
  }

  private void append(byte[] bytes, int from, int length) throws BodyException {
    if (size + length > raw.length) {
      raw = Arrays.copyOf(raw, Math.max(raw.length * 2, size + length));
    }
    System.arraycopy(bytes, from, raw, size, length);
    size += length;
    if (size > maxBlockBytes) {
      throw new BodyException("an event of the stream is larger than " + maxBlockBytes + " bytes");
    }
  }

  /**
   * Ends the stream.
   *
   * @return the block the stream ended in, if it ended without a blank line (clients drop it; it is
   *     returned so that it can be inspected and passed on all the same)
   */
  public Optional<SseBlock> finish() {
    List<SseBlock> out = new ArrayList<>();
    if (afterCr) {
      afterCr = false;
      endLine("\r", lineEnd, out);
    }
    if (!out.isEmpty()) {
      return Optional.of(out.get(0));
    }
    if (size == 0) {
      return Optional.empty();
    }
    if (size > lineStart) {
      lines.add(parse(text(lineStart, size)));
    }
    SseBlock rest =
        new SseBlock(Arrays.copyOf(raw, size), lines, newline == null ? "\n" : newline, false);
    reset();
    return Optional.of(rest);
  }

  /** Ends the line from {@link #lineStart} to {@code end} (its terminator follows). */
  private void endLine(String terminator, int end, List<SseBlock> out) {
    if (newline == null) {
      newline = terminator;
    }
    String text = text(lineStart, end);
    lineStart = size;
    if (text.isEmpty()) {
      out.add(new SseBlock(Arrays.copyOf(raw, size), lines, newline, true));
      reset();
      return;
    }
    lines.add(parse(text));
  }

  private void reset() {
    size = 0;
    lineStart = 0;
    lines.clear();
    newline = null;
  }

  private String text(int from, int to) {
    String s = new String(raw, from, to - from, StandardCharsets.UTF_8);
    if (firstLine) {
      firstLine = false;
      if (!s.isEmpty() && s.charAt(0) == '\ufeff') {
        s = s.substring(1);
      }
    }
    return s;
  }

  private static SseBlock.Line parse(String text) {
    if (text.startsWith(":")) {
      return new SseBlock.Line(text, "", text.substring(1), true);
    }
    int colon = text.indexOf(':');
    if (colon < 0) {
      return new SseBlock.Line(text, text, "", false);
    }
    int value = colon + 1;
    if (value < text.length() && text.charAt(value) == ' ') {
      value++;
    }
    return new SseBlock.Line(text, text.substring(0, colon), text.substring(value), false);
  }
}
