package io.jrego.engine.builtins.spi;

/**
 * Guards a string a builtin builds piece by piece (a format, a template, a replacement) against the
 * query's allocation limit: a large piece is reserved before it is appended, and the limit is
 * checked again after every 64 KiB of growth, so one call cannot fill the heap before it returns.
 * {@link #NONE} checks nothing.
 */
public final class BoundedOutput {

  private static final int STEP = 1 << 16;

  /** No limit: for callers outside a query. */
  public static final BoundedOutput NONE = new BoundedOutput(null);

  private final BuiltinContext ctx;
  private long nextCheck = STEP;

  public BoundedOutput(BuiltinContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Once per step of a loop whose length the operands decide, {@code units} being the step's work
   * (the patterns tried at one position): the query's limit checkpoint ({@link
   * BuiltinContext#checkpoint(int)}), so the loop ends once its deadline has passed.
   */
  public void step(int units) {
    if (ctx != null) {
      ctx.checkpoint(units);
    }
  }

  /**
   * Before appending {@code chars} characters to a builder now {@code length} long.
   *
   * @throws LimitExceededException when the query would pass its allocation limit
   */
  public void adding(long length, long chars) {
    if (ctx == null) {
      return;
    }
    if (chars >= STEP || length + chars >= nextCheck) {
      ctx.reserve(2 * chars); // a UTF-16 builder may take two bytes a character
      nextCheck = length + chars + STEP;
    }
  }
}
