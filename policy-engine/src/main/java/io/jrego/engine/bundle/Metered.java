package io.jrego.engine.bundle;

import io.jrego.engine.base.AllocationMeter;
import java.io.IOException;
import java.io.Reader;

/**
 * A YAML data file's characters handed to SnakeYAML in the chunks it asks for, checking the load's
 * {@link AllocationMeter} before each chunk: parsing allocates in proportion to what it has read,
 * so a document whose values would fill the heap stops within one chunk of the limit. (JSON data is
 * parsed from its bytes with the meter asked between values: {@link BundleLoader#readJson}.)
 */
final class Metered extends Reader {

  /** The meter passed its limit; the loader turns it into a {@link BundleException#limit}. */
  static final class OverBudget extends IOException {
    private static final long serialVersionUID = 1L;

    OverBudget() {
      super("over the bundle's memory limit", null);
    }
  }

  private final String text;
  private final AllocationMeter meter;
  private int pos;

  Metered(String text, AllocationMeter meter) {
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
