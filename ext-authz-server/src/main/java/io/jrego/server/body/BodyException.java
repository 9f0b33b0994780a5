package io.jrego.server.body;

/**
 * A body could not be handled as asked: a decision's edit is malformed or cannot apply, an SSE
 * event or a decompressed body is larger than allowed, compressed data is corrupt. The message
 * names what and where.
 */
public final class BodyException extends Exception {
  private static final long serialVersionUID = 1L;

  public BodyException(String message) {
    super(message);
  }
}
