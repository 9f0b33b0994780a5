package io.jrego.engine.builtins.jose;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC as Go computes it, for {@code crypto.hmac.*}, HS* JWTs and AWS request signing. */
public final class Hmac {

  private Hmac() {}

  /** The MAC of {@code data} under {@code key}; an empty key is allowed, as in Go. */
  public static byte[] of(String algorithm, byte[] key, byte[] data) {
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
}
