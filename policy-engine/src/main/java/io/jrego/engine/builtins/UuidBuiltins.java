package io.jrego.engine.builtins;

import io.jrego.engine.builtins.operand.OperandChecks;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code uuid.rfc4122}, {@code uuid.parse} and {@code rand.intn}. The random ones are fixed per
 * query and per operands through {@link BuiltinContext#cached}, as OPA caches them.
 */
final class UuidBuiltins {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** 100-ns intervals between 1582-10-15 (the UUID epoch) and 1970-01-01. */
  private static final long GREGORIAN_TO_UNIX_100NS = 122_192_928_000_000_000L;

  private UuidBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("uuid.rfc4122(k: string) => output: string").nondeterministic(),
        UuidBuiltins::rfc4122);
    r.add(
        Declaration.of("uuid.parse(uuid: string) => result: object[string: any]"),
        UuidBuiltins::parse);
    r.add(
        Declaration.of("rand.intn(str: string, n: number) => y: number")
            .nondeterministic()
            .categories("numbers"),
        UuidBuiltins::intn);
  }

  private static Value rfc4122(Value[] args, BuiltinContext ctx) {
    return ctx.cached(List.of("uuid.rfc4122", args[0]), k -> StringValue.of(newV4()));
  }

  static String newV4() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    b[6] = (byte) ((b[6] & 0x0f) | 0x40);
    b[8] = (byte) ((b[8] & 0x3f) | 0x80);
    String h = HexFormat.of().formatHex(b);
    return h.substring(0, 8)
        + "-"
        + h.substring(8, 12)
        + "-"
        + h.substring(12, 16)
        + "-"
        + h.substring(16, 20)
        + "-"
        + h.substring(20);
  }

  private static Value intn(Value[] args, BuiltinContext ctx) throws BuiltinException {
    String key = OperandChecks.string(args, 0);
    NumberValue n = OperandChecks.number(args, 1);
    long bound;
    if (!n.isInteger() || n.asLong().isEmpty()) {
      throw new BuiltinException(
          BuiltinException.Kind.TYPE,
          "operand 2 must be integer number but got floating-point number");
    }
    bound = Math.abs(n.asLong().get());
    if (bound == 0) {
      return NumberValue.ZERO;
    }
    long b = bound;
    return ctx.cached(List.of("rand.intn", key, b), k -> NumberValue.of(RANDOM.nextLong(b)));
  }

  private static Value parse(Value[] args, BuiltinContext ctx) throws BuiltinException {
    byte[] u = parseUuid(OperandChecks.string(args, 0));
    if (u == null) {
      return null;
    }
    int version = (u[6] & 0xff) >>> 4;
    ObjectValue.Builder out = new ObjectValue.Builder();
    out.put("version", NumberValue.of(version));
    out.put("variant", StringValue.of(variant(u[8])));
    if (version == 1 || version == 2) {
      long time =
          readLong(u, 0, 4) | (readLong(u, 4, 2) << 32) | ((readLong(u, 6, 2) & 0xfff) << 48);
      long since = time - GREGORIAN_TO_UNIX_100NS;
      long nanos = (since / 10_000_000L) * 1_000_000_000L + (since % 10_000_000L) * 100;
      out.put("time", NumberValue.of(nanos));
      StringBuilder node = new StringBuilder();
      for (int i = 10; i < 16; i++) {
        if (i > 10) {
          node.append('-');
        }
        node.append(String.format("%02x", u[i] & 0xff));
      }
      out.put("nodeid", StringValue.of(node.toString()));
      out.put("macvariables", StringValue.of(macVariables(u[10])));
      out.put("clocksequence", NumberValue.of(readLong(u, 8, 2) & 0x3fff));
      if (version == 2) {
        out.put("id", NumberValue.of(readLong(u, 0, 4)));
        int d = u[9] & 0xff;
        out.put(
            "domain",
            StringValue.of(
                switch (d) {
                  case 0 -> "Person";
                  case 1 -> "Group";
                  case 2 -> "Org";
                  default -> "Domain" + d;
                }));
      }
    }
    return out.build();
  }

  private static long readLong(byte[] b, int off, int len) {
    long v = 0;
    for (int i = 0; i < len; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  private static String variant(byte b) {
    int v = b & 0xff;
    if ((v & 0xc0) == 0x80) {
      return "RFC4122";
    }
    if ((v & 0xe0) == 0xc0) {
      return "Microsoft";
    }
    if ((v & 0xe0) == 0xe0) {
      return "Future";
    }
    return "Reserved";
  }

  private static String macVariables(byte first) {
    if ((first & 0x03) == 0x03) {
      return "local:multicast";
    }
    if ((first & 0x01) == 0x01) {
      return "global:multicast";
    }
    if ((first & 0x02) == 0x02) {
      return "local:unicast";
    }
    return "global:unicast";
  }

  /** The 16 bytes of a UUID in any form google/uuid accepts, or null. */
  private static byte[] parseUuid(String s) {
    String hex;
    switch (s.length()) {
      case 36 -> hex = dashed(s);
      case 38 -> {
        if (s.charAt(0) != '{' || s.charAt(37) != '}') {
          return null;
        }
        hex = dashed(s.substring(1, 37));
      }
      case 45 -> {
        if (!s.substring(0, 9).equalsIgnoreCase("urn:uuid:")) {
          return null;
        }
        hex = dashed(s.substring(9));
      }
      case 32 -> hex = s;
      default -> {
        return null;
      }
    }
    if (hex == null || hex.length() != 32) {
      return null;
    }
    try {
      return HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String dashed(String s) {
    if (s.charAt(8) != '-' || s.charAt(13) != '-' || s.charAt(18) != '-' || s.charAt(23) != '-') {
      return null;
    }
    return s.replace("-", "");
  }
}
