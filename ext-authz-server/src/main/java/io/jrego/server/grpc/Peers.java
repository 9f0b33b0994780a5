package io.jrego.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Puts the caller's transport address in the call's {@link Context}, for the decision log's {@code
 * requested_by}: OPA fills that field with the address of whoever asked for the decision ({@code
 * ip:port}).
 */
final class Peers implements ServerInterceptor {

  private static final Context.Key<String> ADDRESS = Context.key("jrego-peer-address");

  /** The address of the call running on this thread, empty outside a call or when unknown. */
  static String current() {
    String a = ADDRESS.get();
    return a == null ? "" : a;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String address = format(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    return Contexts.interceptCall(
        Context.current().withValue(ADDRESS, address), call, headers, next);
  }

  /** {@code ip:port} ({@code [ip]:port} for IPv6) as Go prints it, or the socket's own text. */
  static String format(SocketAddress a) {
    if (a == null) {
      return "";
    }
    if (a instanceof InetSocketAddress i && i.getAddress() != null) {
      String host = i.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    String s = a.toString();
    return s.isEmpty() ? "@" : s;
  }
}
