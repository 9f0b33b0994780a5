package io.jrego.server.grpc;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Where a server listens: {@code host:port}, {@code :port} (every interface), {@code
 * grpc://host:port}, {@code http://host:port}, or {@code unix:///path/to/socket}.
 */
public sealed interface ListenAddress {

  /** A TCP address; an empty host means every interface. */
  record Tcp(String host, int port) implements ListenAddress {
    public InetSocketAddress socketAddress() {
      return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** A Unix domain socket. */
  record Unix(Path path) implements ListenAddress {
    @Override
    public String toString() {
      return "unix://" + path;
    }
  }

  /**
   * Parses an address.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static ListenAddress parse(String text) {
    String s = text.strip();
    if (s.startsWith("unix://")) {
      String path = s.substring("unix://".length());
      if (path.isEmpty()) {
        throw new IllegalArgumentException("address " + text + ": empty socket path");
      }
      return new Unix(Path.of(path));
    }
    for (String scheme : new String[] {"grpc://", "http://", "tcp://"}) {
      if (s.startsWith(scheme)) {
        s = s.substring(scheme.length());
        break;
      }
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("address " + text + ": expected host:port or :port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("address " + text + ": bad port", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("address " + text + ": port out of range");
    }
    return new Tcp(host, port);
  }
}
