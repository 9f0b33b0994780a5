package io.jrego.engine.builtins;

import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
                hmacBytes(
                    algorithm,
                    key.getBytes(StandardCharsets.UTF_8),
                    message.getBytes(StandardCharsets.UTF_8))));
  }

  /** The raw HMAC of {@code data} under {@code key}; an empty key is allowed, as in Go. */
  public static byte[] hmacBytes(String algorithm, byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      // SecretKeySpec rejects empty keys; HMAC pads any key to the block size, so one zero byte
      // gives the same MAC as no key at all.
      mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK lacks " + algorithm, e);
    }
  }

  private static Value hmacEqual(Value[] args, BuiltinContext ctx) throws BuiltinException {
    byte[] a = OperandChecks.string(args, 0).getBytes(StandardCharsets.UTF_8);
    byte[] b = OperandChecks.string(args, 1).getBytes(StandardCharsets.UTF_8);
    return BooleanValue.of(MessageDigest.isEqual(a, b));
  }
}
