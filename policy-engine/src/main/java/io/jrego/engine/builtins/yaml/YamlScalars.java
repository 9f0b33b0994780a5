package io.jrego.engine.builtins.yaml;

import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * How Go's yaml.v3 types a plain scalar (null, booleans, Go's integer forms, floats, timestamps),
 * shared by {@code yaml.unmarshal} and the emitter behind {@code yaml.marshal}, which must quote
 * exactly the strings the resolver would read as something else.
 */
public final class YamlScalars {

  private YamlScalars() {}

  /** Go's yaml.v3 float syntax, checked before parsing a plain scalar as a float. */
  private static final Pattern YAML_FLOAT =
      Pattern.compile("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");

  /** Go yaml.v3's resolution of a plain scalar, with floats going through Go's JSON encoding. */
  public static Value resolvePlain(String text) throws BuiltinException {
    switch (text) {
      case "", "~", "null", "Null", "NULL" -> {
        return NullValue.INSTANCE;
      }
      case "true", "True", "TRUE" -> {
        return BooleanValue.TRUE;
      }
      case "false", "False", "FALSE" -> {
        return BooleanValue.FALSE;
      }
      case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" ->
          throw BuiltinException.error("json: unsupported value: +Inf");
      case "-.inf", "-.Inf", "-.INF" ->
          throw BuiltinException.error("json: unsupported value: -Inf");
      case ".nan", ".NaN", ".NAN" -> throw BuiltinException.error("json: unsupported value: NaN");
      default -> {}
    }
    char c0 = text.charAt(0);
    if ("+-.0123456789".indexOf(c0) < 0) {
      return StringValue.of(text);
    }
    if (isTimestamp(text)) {
      return StringValue.of(text);
    }
    String plain = text.replace("_", "");
    BigInteger i = goParseInt(plain);
    if (i != null) {
      return NumberValue.of(i);
    }
    if (YAML_FLOAT.matcher(plain).matches()) {
      double d;
      try {
        d = Double.parseDouble(plain);
      } catch (NumberFormatException e) {
        return StringValue.of(text);
      }
      if (Double.isInfinite(d)) {
        return StringValue.of(text);
      }
      return NumberValue.parse(GoFloats.jsonText(d));
    }
    return StringValue.of(text);
  }

  private static final Pattern TIMESTAMP =
      Pattern.compile("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?$");

  public static boolean isTimestamp(String s) {
    return TIMESTAMP.matcher(s).matches();
  }

  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /**
   * Go's {@code strconv.ParseInt(s, 0, 64)}, falling back to {@code ParseUint}: sign, then {@code
   * 0x}/{@code 0o}/{@code 0b}/leading-zero octal prefixes; null when it is not such an integer or
   * out of range.
   */
  public static BigInteger goParseInt(String s) {
    boolean neg = false;
    String body = s;
    if (body.startsWith("+") || body.startsWith("-")) {
      neg = body.charAt(0) == '-';
      body = body.substring(1);
    }
    int radix = 10;
    if (body.length() > 1 && body.charAt(0) == '0') {
      char p = Character.toLowerCase(body.charAt(1));
      switch (p) {
        case 'x' -> {
          radix = 16;
          body = body.substring(2);
        }
        case 'o' -> {
          radix = 8;
          body = body.substring(2);
        }
        case 'b' -> {
          radix = 2;
          body = body.substring(2);
        }
        default -> {
          radix = 8;
          body = body.substring(1);
        }
      }
    }
    if (body.isEmpty()) {
      return null;
    }
    for (int k = 0; k < body.length(); k++) {
      if (Character.digit(body.charAt(k), radix) < 0) {
        return null;
      }
    }
    BigInteger v = new BigInteger(body, radix);
    if (neg) {
      v = v.negate();
      return v.compareTo(INT64_MIN) >= 0 ? v : null;
    }
    return v.compareTo(UINT64_MAX) <= 0 ? v : null;
  }

  /** Go's float formatting, as yaml.v3 and encoding/json write a float64. */
  public static final class GoFloats {
    private GoFloats() {}

    /** Shortest round-trip digits and decimal point position of {@code d} (not zero). */
    private static String[] digits(double d) {
      BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
      String ds = b.unscaledValue().toString();
      int dp = ds.length() - b.scale();
      return new String[] {ds, Integer.toString(dp)};
    }

    /** {@code strconv.FormatFloat(d, 'g', -1, 64)}. */
    public static String g(double d) {
      if (d == 0) {
        return (1 / d < 0) ? "-0" : "0";
      }
      String[] dd = digits(d);
      int exp = Integer.parseInt(dd[1]) - 1;
      if (exp < -4 || exp >= 6) {
        return e(d, dd);
      }
      return f(d, dd);
    }

    /**
     * encoding/json's float64: {@code 'f'} within [1e-6, 1e21), else {@code 'e'} with e-7 not e-07.
     */
    static String jsonText(double d) {
      if (d == 0) {
        return (1 / d < 0) ? "-0" : "0";
      }
      String[] dd = digits(d);
      double abs = Math.abs(d);
      if (abs < 1e-6 || abs >= 1e21) {
        String s = e(d, dd);
        int n = s.length();
        if (n >= 4 && s.charAt(n - 4) == 'e' && s.charAt(n - 3) == '-' && s.charAt(n - 2) == '0') {
          s = s.substring(0, n - 2) + s.charAt(n - 1);
        }
        return s;
      }
      return f(d, dd);
    }

    private static String e(double d, String[] dd) {
      String ds = dd[0];
      int exp = Integer.parseInt(dd[1]) - 1;
      StringBuilder sb = new StringBuilder();
      if (d < 0) {
        sb.append('-');
      }
      sb.append(ds.charAt(0));
      if (ds.length() > 1) {
        sb.append('.').append(ds, 1, ds.length());
      }
      sb.append('e').append(exp < 0 ? '-' : '+');
      int ax = Math.abs(exp);
      if (ax < 10) {
        sb.append('0');
      }
      sb.append(ax);
      return sb.toString();
    }

    private static String f(double d, String[] dd) {
      String ds = dd[0];
      int dp = Integer.parseInt(dd[1]);
      StringBuilder sb = new StringBuilder();
      if (d < 0) {
        sb.append('-');
      }
      if (dp <= 0) {
        sb.append("0.").append("0".repeat(-dp)).append(ds);
      } else if (dp >= ds.length()) {
        sb.append(ds).append("0".repeat(dp - ds.length()));
      } else {
        sb.append(ds, 0, dp).append('.').append(ds, dp, ds.length());
      }
      return sb.toString();
    }
  }
}
