package io.jrego.engine.pem;

/**
 * One PEM block as Go's {@code encoding/pem} decodes it: its type (the word after {@code BEGIN},
 * e.g. {@code CERTIFICATE}), its decoded bytes, and the text after the block.
 */
public final class PemBlock {
  private final String type;
  private final byte[] bytes;
  private final String rest;

  PemBlock(String type, byte[] bytes, String rest) {
    this.type = type;
    this.bytes = bytes;
    this.rest = rest;
  }

  /** The block's type, e.g. {@code PRIVATE KEY} or {@code CERTIFICATE}. */
  public String type() {
    return type;
  }

  /** The decoded bytes (DER); callers must not modify them. */
  public byte[] bytes() {
    return bytes;
  }

  /** The text after the block's END line. */
  public String rest() {
    return rest;
  }
}
