package io.jrego.engine.builtins.gocompat;

import io.jrego.engine.value.NumberValue;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * OPA's non-integer arithmetic: Go's {@code math/big.Float} with a 64-bit mantissa, rounding to
 * nearest even, and results printed as {@code Float.Text('g', -1)} (or {@code 'f'} for integral
 * results), the shortest decimal that reads back to the same 64-bit value.
 *
 * <p>A float here is the exact {@link BigDecimal} value of a 64-bit-mantissa binary number; every
 * operation computes the exact result and rounds it once, which is what big.Float does.
 */
public final class GoFloat {

  private static final int PREC = 64;

  private GoFloat() {}

  /** The 64-bit float nearest to {@code n}. */
  public static BigDecimal of(NumberValue n) {
    if (n.isSmall()) {
      return round(BigInteger.valueOf(n.longValue()), BigInteger.ONE);
    }
    return round(n.bigDecimal());
  }

  public static BigDecimal round(BigDecimal exact) {
    if (exact.scale() > 0) {
      return round(exact.unscaledValue(), BigInteger.TEN.pow(exact.scale()));
    }
    return round(exact.toBigIntegerExact(), BigInteger.ONE);
  }

  public static BigDecimal add(BigDecimal a, BigDecimal b) {
    return round(a.add(b));
  }

  public static BigDecimal sub(BigDecimal a, BigDecimal b) {
    return round(a.subtract(b));
  }

  public static BigDecimal mul(BigDecimal a, BigDecimal b) {
    return round(a.multiply(b));
  }

  public static BigDecimal quo(BigDecimal a, BigDecimal b) {
    BigInteger num = a.unscaledValue();
    BigInteger den = b.unscaledValue();
    int scale = a.scale() - b.scale(); // a/b = num/den * 10^-scale
    if (scale > 0) {
      den = den.multiply(BigInteger.TEN.pow(scale));
    } else if (scale < 0) {
      num = num.multiply(BigInteger.TEN.pow(-scale));
    }
    if (den.signum() < 0) {
      num = num.negate();
      den = den.negate();
    }
    return round(num, den);
  }

  /** Rounds num/den (den &gt; 0) to a 64-bit mantissa, ties to even. */
  public static BigDecimal round(BigInteger num, BigInteger den) {
    if (num.signum() == 0) {
      return BigDecimal.ZERO;
    }
    boolean negative = num.signum() < 0;
    num = num.abs();
    int k = PREC - (num.bitLength() - den.bitLength());
    BigInteger q;
    BigInteger r;
    BigInteger d;
    while (true) {
      BigInteger n = k >= 0 ? num.shiftLeft(k) : num;
      d = k >= 0 ? den : den.shiftLeft(-k);
      BigInteger[] qr = n.divideAndRemainder(d);
      q = qr[0];
      r = qr[1];
      if (q.bitLength() > PREC) {
        k--;
      } else if (q.bitLength() < PREC) {
        k++;
      } else {
        break;
      }
    }
    int c = r.shiftLeft(1).compareTo(d);
    if (c > 0 || (c == 0 && q.testBit(0))) {
      q = q.add(BigInteger.ONE);
    }
    if (negative) {
      q = q.negate();
    }
    return k > 0
        ? new BigDecimal(q.multiply(BigInteger.valueOf(5).pow(k)), k)
        : new BigDecimal(q.shiftLeft(-k));
  }

  static boolean isInt(BigDecimal x) {
    return x.signum() == 0 || x.stripTrailingZeros().scale() <= 0;
  }

  /** OPA's FloatToNumber: {@code Text('f', -1)} for integral values, else {@code Text('g', -1)}. */
  public static NumberValue toNumber(BigDecimal x) {
    return NumberValue.parse(text(x));
  }

  static String text(BigDecimal x) {
    if (x.signum() == 0) {
      return "0";
    }
    String sign = x.signum() < 0 ? "-" : "";
    BigDecimal abs = x.abs();
    Dec d = shortest(abs);
    if (isInt(abs)) {
      return sign + fmtF(d, Math.max(d.digits.length() - d.exp, 0));
    }
    int exp = d.exp - 1;
    if (exp < -4 || exp >= 6) {
      return sign + fmtE(d, d.digits.length() - 1);
    }
    return sign + fmtF(d, Math.max(d.digits.length() - d.exp, 0));
  }

  /** Decimal mantissa digits (no trailing zeros) with value 0.digits × 10^exp. */
  private static final class Dec {
    String digits;
    int exp;

    Dec(BigDecimal v) {
      BigDecimal t = v.stripTrailingZeros();
      digits = t.unscaledValue().toString();
      exp = digits.length() - t.scale();
    }

    char at(int i) {
      return i >= 0 && i < digits.length() ? digits.charAt(i) : '0';
    }

    void roundDown(int n) {
      digits = trimZeros(digits.substring(0, Math.min(n, digits.length())));
    }

    void roundUp(int n) {
      int i = Math.min(n, digits.length()) - 1;
      while (i >= 0 && digits.charAt(i) == '9') {
        i--;
      }
      if (i < 0) {
        digits = "1";
        exp++;
      } else {
        digits = digits.substring(0, i) + (char) (digits.charAt(i) + 1);
      }
    }

    void round(int n) {
      if (n < 0 || n >= digits.length()) {
        return;
      }
      boolean up;
      if (digits.charAt(n) == '5' && n + 1 == digits.length()) {
        up = n > 0 && ((digits.charAt(n - 1) - '0') & 1) != 0;
      } else {
        up = digits.charAt(n) >= '5';
      }
      if (up) {
        roundUp(n);
      } else {
        roundDown(n);
      }
    }

    private static String trimZeros(String s) {
      int end = s.length();
      while (end > 0 && s.charAt(end - 1) == '0') {
        end--;
      }
      return s.substring(0, end);
    }
  }

  /** Go's big.Float roundShortest for a positive 64-bit value. */
  private static Dec shortest(BigDecimal x) {
    Dec d = new Dec(x);
    // x = m * 2^e with m a normalized 64-bit mantissa.
    BigInteger m;
    int e;
    if (x.scale() <= 0) {
      m = x.toBigIntegerExact();
      e = 0;
    } else {
      m = x.unscaledValue().divide(BigInteger.valueOf(5).pow(x.scale()));
      e = -x.scale();
    }
    int shift = PREC - m.bitLength();
    m = shift >= 0 ? m.shiftLeft(shift) : m.shiftRight(-shift);
    e -= shift;
    BigInteger twice = m.shiftLeft(1);
    Dec lower = new Dec(scaled(twice.subtract(BigInteger.ONE), e - 1));
    Dec upper = new Dec(scaled(twice.add(BigInteger.ONE), e - 1));
    boolean inclusive = !m.testBit(0);
    for (int i = 0; i < d.digits.length(); i++) {
      char l = lower.at(i);
      char u = upper.at(i);
      char c = d.digits.charAt(i);
      boolean okDown = l != c || (inclusive && i + 1 == lower.digits.length());
      boolean okUp = c != u && (inclusive || c + 1 < u || i + 1 < upper.digits.length());
      if (okDown && okUp) {
        d.round(i + 1);
        return d;
      } else if (okDown) {
        d.roundDown(i + 1);
        return d;
      } else if (okUp) {
        d.roundUp(i + 1);
        return d;
      }
    }
    return d;
  }

  private static BigDecimal scaled(BigInteger m, int e) {
    return e >= 0
        ? new BigDecimal(m.shiftLeft(e))
        : new BigDecimal(m.multiply(BigInteger.valueOf(5).pow(-e)), -e);
  }

  private static String fmtE(Dec d, int prec) {
    StringBuilder sb = new StringBuilder().append(d.at(0));
    if (prec > 0) {
      sb.append('.');
      for (int i = 1; i <= prec; i++) {
        sb.append(d.at(i));
      }
    }
    int exp = d.exp - 1;
    sb.append('e').append(exp < 0 ? '-' : '+');
    int abs = Math.abs(exp);
    if (abs < 10) {
      sb.append('0');
    }
    return sb.append(abs).toString();
  }

  private static String fmtF(Dec d, int prec) {
    StringBuilder sb = new StringBuilder();
    if (d.exp > 0) {
      for (int i = 0; i < d.exp; i++) {
        sb.append(d.at(i));
      }
    } else {
      sb.append('0');
    }
    if (prec > 0) {
      sb.append('.');
      for (int i = 0; i < prec; i++) {
        sb.append(d.at(d.exp + i));
      }
    }
    return sb.toString();
  }
}
