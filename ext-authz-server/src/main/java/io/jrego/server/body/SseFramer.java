package io.jrego.server.body;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
  private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
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
          raw.write('\n');
          i++;
          endLine("\r\n", out);
          continue;
        }
        endLine("\r", out);
      }
      // the rest of the line in one copy: byte by byte, the synchronized writes cost more than
      // everything else the filter does with an event
      int end = i;
      while (end < n && bytes[end] != '\n' && bytes[end] != '\r') {
        end++;
      }
      raw.write(bytes, i, end - i);
      line.write(bytes, i, end - i);
      checkSize();
      if (end == n) {
        break;
      }
      raw.write(bytes[end]);
      checkSize();
      if (bytes[end] == '\r') {
        afterCr = true;
      } else {
        endLine("\n", out);
      }
      i = end + 1;
    }
    return out;
  }

  private void checkSize() throws BodyException {
    if (raw.size() > maxBlockBytes) {
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
      endLine("\r", out);
    }
    if (!out.isEmpty()) {
      return Optional.of(out.get(0));
    }
    if (raw.size() == 0) {
      return Optional.empty();
    }
    if (line.size() > 0) {
      lines.add(parse(text(line.toByteArray())));
      line.reset();
    }
    SseBlock rest = new SseBlock(raw.toByteArray(), lines, newline == null ? "\n" : newline, false);
    reset();
    return Optional.of(rest);
  }

  private void endLine(String terminator, List<SseBlock> out) {
    if (newline == null) {
      newline = terminator;
    }
    byte[] bytes = line.toByteArray();
    line.reset();
    String text = text(bytes);
    if (text.isEmpty()) {
      out.add(new SseBlock(raw.toByteArray(), lines, newline, true));
      reset();
      return;
    }
    lines.add(parse(text));
  }

  private void reset() {
    raw.reset();
    lines.clear();
    newline = null;
  }

  private String text(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
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
    String value = text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    return new SseBlock.Line(text, text.substring(0, colon), value, false);
  }
}
