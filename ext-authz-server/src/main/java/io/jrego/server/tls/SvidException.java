package io.jrego.server.tls;

/** SVID files that cannot be served: the message names the file and what is wrong with it. */
public final class SvidException extends Exception {

  private static final long serialVersionUID = 1L;

  SvidException(String message) {
    super(message);
  }
}
