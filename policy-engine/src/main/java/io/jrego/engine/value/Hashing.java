package io.jrego.engine.value;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Hash codes for values that arrive from outside (strings and numbers), keyed so that a client
 * cannot choose keys that collide.
 *
 * <p>Every hash table the engine builds (objects, sets, the evaluator's caches) is keyed by values
 * taken from requests. With Java's {@code String.hashCode}, anyone can write thousands of distinct
 * keys with one hash ({@code "Aa"} and {@code "BB"} combined), and since values are not mutually
 * {@code Comparable} in the way {@code HashMap}'s tree bins need, each insert then walks the whole
 * chain: quadratic. Here strings and numbers are hashed with SipHash-1-3 (the keyed hash Rust's and
 * Python's tables use against the same attack) under a 128-bit key drawn once per process, and
 * containers combine their members' hashes through a non-linear mix, so equal-sum tricks over
 * permuted members do not collide either. No output depends on hash order: objects and sets are
 * iterated and printed in sorted order.
 */
final class Hashing {

  private static final long K0;
  private static final long K1;

  static {
    SecureRandom random = new SecureRandom();
    K0 = random.nextLong();
    K1 = random.nextLong();
  }

  private Hashing() {}

  /** The hash of a string's UTF-16 code units. */
  static int string(String s) {
    Sip sip = new Sip();
    int n = s.length();
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      sip.absorb(
          s.charAt(i)
              | (long) s.charAt(i + 1) << 16
              | (long) s.charAt(i + 2) << 32
              | (long) s.charAt(i + 3) << 48);
    }
    long last = (long) (n << 1) << 56; // the byte length's low byte, as SipHash pads
    for (int shift = 0; i < n; i++, shift += 16) {
      last |= (long) s.charAt(i) << shift;
    }
    return sip.finish(last);
  }

  /** The hash of an integer. */
  static int integer(long v) {
    Sip sip = new Sip();
    sip.absorb(v);
    return sip.finish(8L << 56);
  }

  /** The hash of the number {@code unscaled * 10^-scale}, given in its canonical form. */
  static int decimal(BigInteger unscaled, int scale) {
    Sip sip = new Sip();
    sip.absorb(0x5ca1e00000000000L ^ scale);
    byte[] bytes = unscaled.toByteArray();
    int i = 0;
    for (; i + 8 <= bytes.length; i += 8) {
      long m = 0;
      for (int j = 7; j >= 0; j--) {
        m = m << 8 | (bytes[i + j] & 0xff);
      }
      sip.absorb(m);
    }
    long last = (long) (bytes.length + 8) << 56;
    for (int shift = 0; i < bytes.length; i++, shift += 8) {
      last |= (long) (bytes[i] & 0xff) << shift;
    }
    return sip.finish(last);
  }

  /** A non-linear, invertible mix of 32 bits (MurmurHash3's finaliser). */
  static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ h >>> 16;
  }

  /** An object entry's contribution to the object's hash. */
  static int entry(int key, int value) {
    return mix(key + mix(value) * 0x9e3779b9);
  }

  /** SipHash-1-3's state: one compression round per word, three to finish. */
  private static final class Sip {
    private long v0 = K0 ^ 0x736f6d6570736575L;
    private long v1 = K1 ^ 0x646f72616e646f6dL;
    private long v2 = K0 ^ 0x6c7967656e657261L;
    private long v3 = K1 ^ 0x7465646279746573L;

    void absorb(long m) {
      v3 ^= m;
      round();
      v0 ^= m;
    }

    int finish(long last) {
      absorb(last);
      v2 ^= 0xff;
      round();
      round();
      round();
      long h = v0 ^ v1 ^ v2 ^ v3;
      return (int) (h ^ h >>> 32);
    }

    private void round() {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13) ^ v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16) ^ v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21) ^ v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17) ^ v2;
      v2 = Long.rotateLeft(v2, 32);
    }
  }
}
