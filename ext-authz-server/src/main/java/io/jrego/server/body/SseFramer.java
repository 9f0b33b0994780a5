package io.jrego.server.body;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
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
 * <p>A block keeps its bytes as they came and where each line lies in them; lines are decoded as
 * UTF-8 only when read, whole, so a character split between pieces is read whole; bytes that are
 * not UTF-8 read as U+FFFD, as browsers read them. Blocks nothing changes go out unchanged, and an
 * event whose answer text changes keeps every other byte. A block larger than the limit is an
 * error: the stream cannot be inspected without holding it. Not thread-safe.
 */
public final class SseFramer {

  private final int maxBlockBytes;
  // the block so far, as received; the line being read is its tail from lineStart (no second
  // copy of it, and no synchronized stream: each write to one cost a lock per line)
  private byte[] raw = new byte[512];
  private int size;
  private int lineStart;
  private int lineEnd; // where a line that ended in \r ends, while the next byte is awaited
  private int[] spans = new int[16]; // the block's lines so far, [start, end) pairs in raw
  private int lines;
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
      int end = nextBreak(bytes, i, n);
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

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long LFS = ONES * '\n';
  private static final long CRS = ONES * '\r';

  /**
   * The index of the first {@code \n} or {@code \r} in {@code bytes[from, to)}, or {@code to}:
   * eight bytes at a time (a byte equal to one of them is a zero byte of the word XORed with it,
   * which the borrow of subtracting one from each byte marks; the lowest mark is exact), where a
   * loop over the bytes looked at each one with two compares.
   */
  static int nextBreak(byte[] bytes, int from, int to) {
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long w = (long) LONGS.get(bytes, i);
      long lf = w ^ LFS;
      long cr = w ^ CRS;
      long marks = (((lf - ONES) & ~lf) | ((cr - ONES) & ~cr)) & HIGH_BITS;
      if (marks != 0) {
        return i + (Long.numberOfTrailingZeros(marks) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (bytes[i] == '\n' || bytes[i] == '\r') {
        return i;
      }
    }
    return to;
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
      addLine(size);
    }
    SseBlock rest =
        new SseBlock(
            Arrays.copyOf(raw, size),
            Arrays.copyOf(spans, 2 * lines),
            newline == null ? "\n" : newline,
            false);
    reset();
    return Optional.of(rest);
  }

  /** Ends the line from {@link #lineStart} to {@code end} (its terminator follows). */
  private void endLine(String terminator, int end, List<SseBlock> out) {
    if (newline == null) {
      newline = terminator;
    }
    int start = lineStart;
    lineStart = size;
    if (firstLine) {
      start = skipBom(start, end);
    }
    if (start == end) {
      out.add(
          new SseBlock(Arrays.copyOf(raw, size), Arrays.copyOf(spans, 2 * lines), newline, true));
      reset();
      return;
    }
    addSpan(start, end);
  }

  /** Adds the line from {@link #lineStart} to {@code end} (the unterminated end of the stream). */
  private void addLine(int end) {
    addSpan(firstLine ? skipBom(lineStart, end) : lineStart, end);
  }

  private void addSpan(int start, int end) {
    if (2 * lines + 2 > spans.length) {
      spans = Arrays.copyOf(spans, spans.length * 2);
    }
    spans[2 * lines] = start;
    spans[2 * lines + 1] = end;
    lines++;
  }

  /** Past a byte-order mark at the start of the stream's first line. */
  private int skipBom(int start, int end) {
    firstLine = false;
    if (end - start >= 3
        && raw[start] == (byte) 0xEF
        && raw[start + 1] == (byte) 0xBB
        && raw[start + 2] == (byte) 0xBF) {
      return start + 3;
    }
    return start;
  }

  private void reset() {
    size = 0;
    lineStart = 0;
    lines = 0;
    newline = null;
  }
}
