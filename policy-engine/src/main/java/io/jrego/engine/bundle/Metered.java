package io.jrego.engine.bundle;

import io.jrego.engine.base.AllocationMeter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;

/**
 * A data file's bytes (or characters) handed to a parser in the chunks it asks for, checking the
 * load's {@link AllocationMeter} before each chunk: parsing allocates in proportion to what it has
 * read, so a document whose values would fill the heap stops within one chunk of the limit.
 */
final class Metered extends InputStream {

  /** The meter passed its limit; the loader turns it into a {@link BundleException#limit}. */
  static final class OverBudget extends IOException {
    private static final long serialVersionUID = 1L;

    OverBudget() {
      super("over the bundle's memory limit", null);
    }
  }

  private final byte[] bytes;
  private final AllocationMeter meter;
  private int pos;

  Metered(byte[] bytes, AllocationMeter meter) {
    this.bytes = bytes;
    this.meter = meter;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (pos >= bytes.length) {
      return -1;
    }
    if (meter.exceeded(0)) {
      throw new OverBudget();
    }
    int n = Math.min(len, bytes.length - pos);
    System.arraycopy(bytes, pos, b, off, n);
    pos += n;
    return n;
  }

  /** The same over a string, for SnakeYAML. */
  static final class Chars extends Reader {
    private final String text;
    private final AllocationMeter meter;
    private int pos;

    Chars(String text, AllocationMeter meter) {
      this.text = text;
      this.meter = meter;
    }

    @Override
    public int read(char[] b, int off, int len) throws IOException {
      if (pos >= text.length()) {
        return -1;
      }
      if (meter.exceeded(0)) {
        throw new OverBudget();
      }
      int n = Math.min(len, text.length() - pos);
      text.getChars(pos, pos + n, b, off);
      pos += n;
      return n;
    }

    @Override
    public void close() {}
  }
}
