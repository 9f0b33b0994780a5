package io.jrego.engine.builtins;

import static io.jrego.engine.builtins.operand.Operands.string;

import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.regex.Pattern;

/**
 * {@code semver.is_valid} and {@code semver.compare} (SemVer 2.0, an optional {@code v} prefix).
 */
final class Semver {

  private static final Pattern IDENTIFIERS = Pattern.compile("[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*");

  private Semver() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("semver.compare(a: string, b: string) => result: number"), Semver::compare);
    r.add(
        Declaration.of("semver.is_valid(vsn: any) => result: boolean"),
        (a, c) -> BooleanValue.of(a[0] instanceof StringValue s && parse(s.value()) != null));
  }

  private record Version(long major, long minor, long patch, String pre) {}

  /** The version, or null when {@code s} is not valid SemVer. */
  static Version parse(String s) {
    if (s.startsWith("v")) {
      s = s.substring(1);
    }
    int plus = s.indexOf('+');
    if (plus >= 0) {
      if (!IDENTIFIERS.matcher(s.substring(plus + 1)).matches()) {
        return null;
      }
      s = s.substring(0, plus);
    }
    String pre = "";
    int dash = s.indexOf('-');
    if (dash >= 0) {
      pre = s.substring(dash + 1);
      if (!IDENTIFIERS.matcher(pre).matches()) {
        return null;
      }
      for (String id : pre.split("\\.", -1)) {
        if (id.length() > 1 && id.charAt(0) == '0' && id.chars().allMatch(Character::isDigit)) {
          return null;
        }
      }
      s = s.substring(0, dash);
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length != 3) {
      return null;
    }
    long[] nums = new long[3];
    for (int i = 0; i < 3; i++) {
      String p = parts[i];
      if (p.isEmpty()
          || p.charAt(0) == '+'
          || p.charAt(0) == '-'
          || (p.length() > 1 && p.charAt(0) == '0')
          || !p.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        return null;
      }
      try {
        nums[i] = Long.parseLong(p);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return new Version(nums[0], nums[1], nums[2], pre);
  }

  private static Value compare(Value[] a, BuiltinContext c) throws BuiltinException {
    String sa = string(a[0], 1);
    String sb = string(a[1], 2);
    Version va = parse(sa);
    if (va == null) {
      throw BuiltinException.error("operand 1: string " + a[0] + " is not a valid SemVer");
    }
    Version vb = parse(sb);
    if (vb == null) {
      throw BuiltinException.error("operand 2: string " + a[1] + " is not a valid SemVer");
    }
    return NumberValue.of(compare(va, vb));
  }

  private static boolean numeric(String s) {
    return !s.isEmpty() && s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
  }

  static int compare(Version v, Version o) {
    int c = Long.compare(v.major(), o.major());
    if (c == 0) {
      c = Long.compare(v.minor(), o.minor());
    }
    if (c == 0) {
      c = Long.compare(v.patch(), o.patch());
    }
    if (c != 0) {
      return Integer.signum(c);
    }
    if (v.pre().equals(o.pre())) {
      return 0;
    }
    if (v.pre().isEmpty()) {
      return 1;
    }
    if (o.pre().isEmpty()) {
      return -1;
    }
    String[] x = v.pre().split("\\.", -1);
    String[] y = o.pre().split("\\.", -1);
    for (int i = 0; ; i++) {
      if (i >= x.length) {
        return i >= y.length ? 0 : -1;
      }
      if (i >= y.length) {
        return 1;
      }
      boolean nx = numeric(x[i]);
      boolean ny = numeric(y[i]);
      if (nx != ny) {
        return nx ? -1 : 1;
      }
      int d =
          nx
              ? new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i]))
              : io.jrego.engine.value.Values.compareStrings(x[i], y[i]);
      if (d != 0) {
        return Integer.signum(d);
      }
    }
  }
}
