package io.jrego.engine.value;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Optional;

/**
 * A number, kept exact as OPA keeps JSON numbers: integers of any size and decimals of any
 * precision. Integers that fit a {@code long} are stored as one, so the common case allocates no
 * {@link BigDecimal}.
 *
 * <p>Equality is numeric: {@code 1}, {@code 1.0} and {@code 1e0} are equal and hash alike.
 */
public final class NumberValue implements Value {

  private static final int CACHE_LOW = -128;
  private static final int CACHE_HIGH = 1024;
  private static final NumberValue[] CACHE = new NumberValue[CACHE_HIGH - CACHE_LOW + 1];

  static {
    for (int i = 0; i < CACHE.length; i++) {
      CACHE[i] = new NumberValue(i + CACHE_LOW, null);
    }
  }

  public static final NumberValue ZERO = of(0);
  public static final NumberValue ONE = of(1);

  private final long small;
  // null when the value is the integer `small`; for an integer read from its digits ({@link
  // #ofDigits}), null until first needed (see big()). Not final for that reason only: a
  // BigDecimal's own fields are final, so a thread that sees it set sees it whole.
  private BigDecimal big;
  // The literal as written (1e2, -0, 2.50) when it differs from how toString() writes the value;
  // null otherwise. OPA keeps a number's text, and prints it back as written. For an integer
  // read from its digits, those digits.
  private final String text;
  // An integer read from its digits whose exact value is not computed until first needed.
  private final boolean digits;

  private NumberValue(long small, BigDecimal big) {
    this(small, big, null);
  }

  private NumberValue(long small, BigDecimal big, String text) {
    this.small = small;
    this.big = big;
    this.text = text;
    this.digits = false;
  }

  private NumberValue(String digits) {
    this.small = 0;
    this.text = digits;
    this.digits = true;
  }

  /**
   * The integer written as {@code digits} (an optional minus sign and decimal digits, no leading
   * zero, beyond a {@code long}), with its exact value computed only when first needed: for
   * comparing, hashing or arithmetic, never for printing. Why: converting decimal digits to binary
   * takes time that grows with the square of their count, and a request body can carry hundreds of
   * such numbers its policy never reads (the fault matrix's number class: 300 integers of 999
   * digits, most of a check's time on input mapping); Go's decoder (OPA's) keeps such a number as
   * its text too. The caller has checked the syntax (the JSON parser).
   */
  static NumberValue ofDigits(String digits) {
    return new NumberValue(digits);
  }

  /** Whether this number's exact value has been computed (an integer read from its digits). */
  boolean exactValueRead() {
    return !digits || big != null;
  }

  /**
   * The exact value when it is not the integer {@code small}: computed from the digits at the first
   * call for an integer read from them.
   */
  private BigDecimal big() {
    BigDecimal b = big;
    if (b == null && digits) {
      b = new BigDecimal(text);
      big = b;
    }
    return b;
  }

  /** The integer {@code n}. */
  public static NumberValue of(long n) {
    if (n >= CACHE_LOW && n <= CACHE_HIGH) {
      return CACHE[(int) n - CACHE_LOW];
    }
    return new NumberValue(n, null);
  }

  /** The exact value of {@code d}; stored as a {@code long} when it is an integer that fits. */
  public static NumberValue of(BigDecimal d) {
    if (d.scale() <= 0 && d.precision() - d.scale() <= 18) {
      return of(d.longValueExact());
    }
    // Decimals keep their written scale (2.50 prints as 2.50) but compare numerically.
    return new NumberValue(0, d);
  }

  /** The exact value of {@code i}. */
  public static NumberValue of(BigInteger i) {
    if (i.bitLength() < 64) {
      return of(i.longValue());
    }
    return new NumberValue(0, new BigDecimal(i));
  }

  /**
   * The value of a double. Non-finite doubles have no Rego number.
   *
   * @throws ArithmeticException if {@code d} is NaN or infinite
   */
  public static NumberValue of(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new ArithmeticException("not a finite number: " + d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 9.0e15) {
      return of((long) d);
    }
    return of(new BigDecimal(Double.toString(d)));
  }

  /**
   * Parses a JSON or Rego number literal.
   *
   * @throws NumberFormatException if {@code text} is not a number
   */
  public static NumberValue parse(String text) {
    int n = text.length();
    if (n > 0 && n <= 18) {
      boolean digits = true;
      for (int i = (text.charAt(0) == '-' ? 1 : 0); i < n; i++) {
        char c = text.charAt(i);
        if (c < '0' || c > '9') {
          digits = false;
          break;
        }
      }
      if (digits && !(n == 1 && text.charAt(0) == '-')) {
        return of(Long.parseLong(text));
      }
    }
    return of(new BigDecimal(text));
  }

  /**
   * Whether {@code d} is a number OPA refuses as "number too big": its binary exponent is beyond
   * &plusmn;100,000, so {@code |d| >= 2^100000} or {@code 0 < |d| < 2^-100001} (about {@code
   * 1e30103} and {@code 5e-30104}). Such numbers are cheap to write ({@code 1e100000000}) but make
   * exact arithmetic on them expand to that many digits; readers of outside text refuse them.
   */
  public static boolean tooBig(BigDecimal d) {
    long adjusted = (long) d.precision() - d.scale() - 1; // 10^adjusted <= |d| < 10^(adjusted+1)
    // the range first, zeros written plainly included (0 and 0.0 are in it): a test of zero first
    // was compiled for the checks' floats, which are never zero, and a module's literal 0 set off
    // its trap on the bundle thread (fault matrix, cpu-policy swap, session 18)
    if (adjusted >= -30_103 && adjusted <= 30_101) {
      return false;
    }
    if (d.signum() == 0) {
      return false; // a zero written with a large exponent (0e100000)
    }
    if (adjusted > 30_102 || adjusted < -30_104) {
      return true;
    }
    BigDecimal abs = d.abs();
    return adjusted == 30_102
        ? abs.compareTo(Bounds.TWO_TO_THE_MAX) >= 0
        : abs.compareTo(Bounds.TWO_TO_THE_MIN) < 0;
  }

  /** The bounds of {@link #tooBig}, computed on first use. */
  private static final class Bounds {
    static final BigDecimal TWO_TO_THE_MAX = new BigDecimal(BigInteger.ONE.shiftLeft(100_000));
    // 2^-100001 = 5^100001 / 10^100001, exactly
    static final BigDecimal TWO_TO_THE_MIN =
        new BigDecimal(BigInteger.valueOf(5).pow(100_001), 100_001);
  }

  /**
   * Parses a number literal as {@link #parse} does, and keeps its written text for output: {@code
   * 1e2} equals {@code 100} but prints as {@code 1e2}, as OPA prints it. Arithmetic on the result
   * gives numbers without text.
   *
   * @throws NumberFormatException if {@code text} is not a number
   */
  public static NumberValue literal(String text) {
    return written(parse(text), text);
  }

  /**
   * As {@link #literal} for a number written with a fraction or an exponent (a JSON float), read
   * without {@link #parse}'s test for digits only, which such a number always fails: the checks'
   * JSON floats and a Rego module's integer literals then do not share that test, whose compiled
   * code for the one threw out at the other's first call (a swap's module, fault matrix, session
   * 18). Any other text gives the same number as {@link #literal}, only without the fast path.
   *
   * @throws NumberFormatException if {@code text} is not a number
   */
  public static NumberValue decimalLiteral(String text) {
    return written(of(new BigDecimal(text)), text);
  }

  /** {@code n}, keeping {@code text} for output when it prints otherwise. */
  private static NumberValue written(NumberValue n, String text) {
    return n.toString().equals(text) ? n : new NumberValue(n.small, n.big(), text);
  }

  /** Whether this number has no fractional part. */
  public boolean isInteger() {
    BigDecimal b = big;
    if (b == null || digits) { // digits are an integer's
      return true;
    }
    return b.signum() == 0 || b.scale() <= 0 || b.stripTrailingZeros().scale() <= 0;
  }

  /** This number as a {@code long}, when it is an integer in range. */
  public Optional<Long> asLong() {
    BigDecimal b = big();
    if (b == null) {
      return Optional.of(small);
    }
    try {
      return Optional.of(b.longValueExact());
    } catch (ArithmeticException e) {
      return Optional.empty();
    }
  }

  /** This number as an {@code int}, when it is an integer in range. */
  public Optional<Integer> asInt() {
    BigDecimal b = big();
    if (b == null) {
      return small >= Integer.MIN_VALUE && small <= Integer.MAX_VALUE
          ? Optional.of((int) small)
          : Optional.empty();
    }
    try {
      return Optional.of(b.intValueExact());
    } catch (ArithmeticException e) {
      return Optional.empty();
    }
  }

  /** Whether the value is stored as a {@code long}; then {@link #longValue()} is exact. */
  public boolean isSmall() {
    return big == null && !digits;
  }

  /** The value as a {@code long}; exact only when {@link #isSmall()}. */
  public long longValue() {
    BigDecimal b = big();
    return b == null ? small : b.longValue();
  }

  /** The exact value. */
  public BigDecimal bigDecimal() {
    BigDecimal b = big();
    return b == null ? BigDecimal.valueOf(small) : b;
  }

  /** The nearest double. */
  public double doubleValue() {
    BigDecimal b = big();
    return b == null ? (double) small : b.doubleValue();
  }

  @Override
  public int kindOrder() {
    return 2;
  }

  @Override
  public String typeName() {
    return "number";
  }

  /** Numeric comparison. */
  public int compareNumber(NumberValue o) {
    if (isSmall() && o.isSmall()) {
      return Long.compare(small, o.small);
    }
    return bigDecimal().compareTo(o.bigDecimal());
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof NumberValue other)) {
      return false;
    }
    if (isSmall() && other.isSmall()) {
      return small == other.small;
    }
    return compareNumber(other) == 0;
  }

  /**
   * A keyed hash (see {@link Hashing}) of the number's value, equal for equal numbers whatever
   * their form. Never expands the exponent: {@code 1e100000000} hashes as fast as {@code 1}.
   */
  @Override
  public int hashCode() {
    BigDecimal b = big();
    if (b == null) {
      return Hashing.integer(small);
    }
    BigDecimal s = b.stripTrailingZeros();
    if (s.scale() <= 0 && s.precision() - s.scale() <= 19) {
      try {
        return Hashing.integer(s.longValueExact()); // as the same integer stored as a long
      } catch (ArithmeticException e) {
        // beyond a long
      }
    }
    return Hashing.decimal(s.unscaledValue(), s.scale());
  }

  /**
   * The number as JSON writes it: as written for a {@link #literal}, else no exponent for integers
   * and plain decimals where short.
   */
  @Override
  public String toString() {
    if (text != null) {
      return text;
    }
    BigDecimal b = big;
    if (b == null) {
      return Long.toString(small);
    }
    int exponent = b.precision() - b.scale() - 1;
    if (exponent > -7 && exponent < 21) {
      return b.toPlainString();
    }
    return b.toString().replace("E+", "e+").replace("E-", "e-");
  }
}
