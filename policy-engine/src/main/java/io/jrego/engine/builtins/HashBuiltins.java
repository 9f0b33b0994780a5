package io.jrego.engine.builtins;

import io.jrego.engine.builtins.jose.Hmac;
import io.jrego.engine.builtins.operand.OperandChecks;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.builtins.spi.Declaration;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/** {@code crypto.md5/sha1/sha256} and {@code crypto.hmac.*}: lowercase hex digests of UTF-8. */
public final class HashBuiltins {

  private HashBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.add(
        Declaration.of("crypto.md5(x: string) => y: string"),
        (args, ctx) -> digest("MD5", OperandChecks.string(args, 0)));
    r.add(
        Declaration.of("crypto.sha1(x: string) => y: string"),
        (args, ctx) -> digest("SHA-1", OperandChecks.string(args, 0)));
    r.add(
        Declaration.of("crypto.sha256(x: string) => y: string"),
        (args, ctx) -> digest("SHA-256", OperandChecks.string(args, 0)));
    r.add(
        Declaration.of("crypto.hmac.md5(x: string, key: string) => y: string"),
        (args, ctx) -> hmac("HmacMD5", args));
    r.add(
        Declaration.of("crypto.hmac.sha1(x: string, key: string) => y: string"),
        (args, ctx) -> hmac("HmacSHA1", args));
    r.add(
        Declaration.of("crypto.hmac.sha256(x: string, key: string) => y: string"),
        (args, ctx) -> hmac("HmacSHA256", args));
    r.add(
        Declaration.of("crypto.hmac.sha512(x: string, key: string) => y: string"),
        (args, ctx) -> hmac("HmacSHA512", args));
    r.add(
        Declaration.of("crypto.hmac.equal(mac1: string, mac2: string) => result: boolean"),
        HashBuiltins::hmacEqual);
  }

  private static Value digest(String algorithm, String input) {
    try {
      byte[] d =
          MessageDigest.getInstance(algorithm).digest(input.getBytes(StandardCharsets.UTF_8));
      return StringValue.of(HexFormat.of().formatHex(d));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK lacks " + algorithm, e);
    }
  }

  private static Value hmac(String algorithm, Value[] args) throws BuiltinException {
    String message = OperandChecks.string(args, 0);
    String key = OperandChecks.string(args, 1);
    return StringValue.of(
        HexFormat.of()
            .formatHex(
                Hmac.of(
                    algorithm,
                    key.getBytes(StandardCharsets.UTF_8),
                    message.getBytes(StandardCharsets.UTF_8))));
  }

  private static Value hmacEqual(Value[] args, BuiltinContext ctx) throws BuiltinException {
    byte[] a = OperandChecks.string(args, 0).getBytes(StandardCharsets.UTF_8);
    byte[] b = OperandChecks.string(args, 1).getBytes(StandardCharsets.UTF_8);
    return BooleanValue.of(MessageDigest.isEqual(a, b));
  }
}
