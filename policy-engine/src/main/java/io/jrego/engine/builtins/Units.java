package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import io.jrego.engine.builtins.gocompat.GoFloat;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;

/** {@code units.parse} (SI and binary suffixes, milli) and {@code units.parse_bytes}. */
final class Units {

  /** The exact value of the double 0.001, which OPA multiplies by for the {@code m} suffix. */
  private static final BigDecimal MILLI =
      new BigDecimal("0.001000000000000000020816681711721685132943093776702880859375");

  private Units() {}

  static void register(BuiltinRegistry r) {
    r.add(Declaration.of("units.parse(x: string) => y: number"), Units::parse);
    r.add(Declaration.of("units.parse_bytes(x: string) => y: number"), Units::parseBytes);
  }

  private static BigDecimal pow(long base, int exp) {
    return new BigDecimal(BigInteger.valueOf(base).pow(exp));
  }

  /** Splits {@code s} into its numeric prefix and unit suffix, as OPA's extractNumAndUnit. */
  private static String[] split(String s, String name) throws BuiltinException {
    int first = -1;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      boolean num = Character.isDigit(ch) || ch == '.';
      if (!num && ch != 'e' && ch != 'E' && ch != '+' && ch != '-') {
        first = i;
        break;
      }
      if (ch == 'e' || ch == 'E') {
        if (i == s.length() - 1
            || (!Character.isDigit(s.charAt(i + 1))
                && s.charAt(i + 1) != '+'
                && s.charAt(i + 1) != '-')) {
          first = i;
          break;
        }
        if (s.charAt(i + 1) == '+' || s.charAt(i + 1) == '-') {
          i++;
        }
        int start = i + 1;
        int end = start;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
          end++;
        }
        if (end - start > 6) {
          throw BuiltinException.error(name + ": exponent too large");
        }
      }
    }
    if (first == -1) {
      return new String[] {s, ""};
    }
    return new String[] {s.substring(0, first), s.substring(first)};
  }

  /** big.Rat's SetString for decimal text; null when it is not a number. */
  private static BigDecimal decimal(String num) {
    try {
      return new BigDecimal(num);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Value parse(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1).replace("\"", "");
    if (s.contains(" ")) {
      throw BuiltinException.error("units.parse: spaces not allowed in resource strings");
    }
    String[] parts = split(s, "units.parse");
    if (parts[0].isEmpty()) {
      throw BuiltinException.error("units.parse: no amount provided");
    }
    String unit = parts[1];
    if (unit.length() > 1) {
      unit = unit.charAt(0) + unit.substring(1).toLowerCase(Locale.ROOT);
    }
    BigDecimal factor =
        switch (unit) {
          case "m" -> MILLI;
          case "" -> BigDecimal.ONE;
          case "k", "K" -> pow(1000, 1);
          case "ki", "Ki" -> pow(1024, 1);
          case "M" -> pow(1000, 2);
          case "mi", "Mi" -> pow(1024, 2);
          case "g", "G" -> pow(1000, 3);
          case "gi", "Gi" -> pow(1024, 3);
          case "t", "T" -> pow(1000, 4);
          case "ti", "Ti" -> pow(1024, 4);
          case "p", "P" -> pow(1000, 5);
          case "pi", "Pi" -> pow(1024, 5);
          case "e", "E" -> pow(1000, 6);
          case "ei", "Ei" -> pow(1024, 6);
          default -> throw BuiltinException.error("units.parse: unit " + unit + " not recognized");
        };
    BigDecimal num = decimal(parts[0]);
    if (num == null) {
      throw BuiltinException.error("units.parse: could not parse amount to a number");
    }
    BigDecimal x = num.multiply(factor);
    if (x.signum() == 0 || x.stripTrailingZeros().scale() <= 0) {
      return NumberValue.of(x.toBigIntegerExact());
    }
    return NumberValue.parse(x.setScale(10, RoundingMode.HALF_UP).toPlainString());
  }

  private static Value parseBytes(Value[] a, BuiltinContext c) throws BuiltinException {
    String s = string(a[0], 1).toLowerCase(Locale.ROOT).replace("\"", "");
    if (s.contains(" ")) {
      throw BuiltinException.error("units.parse_bytes: spaces not allowed in resource strings");
    }
    String[] parts = split(s, "units.parse_bytes");
    if (parts[0].isEmpty()) {
      throw BuiltinException.error("units.parse_bytes: no byte amount provided");
    }
    BigDecimal factor =
        switch (parts[1]) {
          case "" -> BigDecimal.ONE;
          case "kb", "k" -> pow(1000, 1);
          case "kib", "ki" -> pow(1024, 1);
          case "mb", "m" -> pow(1000, 2);
          case "mib", "mi" -> pow(1024, 2);
          case "gb", "g" -> pow(1000, 3);
          case "gib", "gi" -> pow(1024, 3);
          case "tb", "t" -> pow(1000, 4);
          case "tib", "ti" -> pow(1024, 4);
          case "pb", "p" -> pow(1000, 5);
          case "pib", "pi" -> pow(1024, 5);
          case "eb", "e" -> pow(1000, 6);
          case "eib", "ei" -> pow(1024, 6);
          default ->
              throw BuiltinException.error(
                  "units.parse_bytes: byte unit " + parts[1] + " not recognized");
        };
    BigDecimal num = decimal(parts[0]);
    if (num == null) {
      throw BuiltinException.error("units.parse_bytes: could not parse byte amount to a number");
    }
    BigDecimal product = GoFloat.mul(GoFloat.round(num), GoFloat.round(factor));
    return NumberValue.of(product.setScale(0, RoundingMode.DOWN).toBigIntegerExact());
  }
}
