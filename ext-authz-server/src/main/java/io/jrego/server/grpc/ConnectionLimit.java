package io.jrego.server.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.jrego.server.admin.ServerMetrics;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Bounds the connections open on the gRPC port ({@code --max-connections}). Each connection may
 * hold up to its HTTP/2 flow-control window of request bytes that no call has read yet ({@link
 * CheckServer} fixes it at 1 MiB), which {@link RequestGate} does not count: without a bound,
 * enough connections could fill the heap between them.
 *
 * <p>It sits in the listening socket's pipeline, before Netty's acceptor: a connection accepted
 * beyond the limit is closed there, before HTTP/2 (or TLS) starts on it, so it costs a socket for a
 * moment and nothing else. Its client sees the connection closed (gRPC: UNAVAILABLE, and Envoy
 * applies {@code failure_mode_allow}). Refusals are counted in {@code
 * jrego_requests_refused_total{limit="connections"}} and logged at most every ten seconds.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.grpc");
  private static final long LOG_EVERY = TimeUnit.SECONDS.toNanos(10);

  private final int max;
  private final ServerMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY);

  ConnectionLimit(int max, ServerMetrics metrics) {
    if (max < 1) {
      throw new IllegalArgumentException("--max-connections must be positive: " + max);
    }
    this.max = max;
    this.metrics = metrics;
    metrics.expectRequestsRefused("connections");
  }

  /** The most connections open at once. */
  int max() {
    return max;
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** Listening sockets made by {@code channels}, each with this limit in its pipeline. */
  <C extends ServerChannel> Supplier<C> on(Supplier<C> channels) {
    return () -> {
      C c = channels.get();
      c.pipeline().addLast(this);
      return c;
    };
  }

  /** A connection was accepted (the listening socket's event loop). */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Channel child) {
      if (open.incrementAndGet() > max) {
        open.decrementAndGet();
        Object from = child.remoteAddress();
        child.unsafe().closeForcibly(); // not registered yet: this closes the socket
        refused(from);
        return;
      }
      ChannelFuture unused = child.closeFuture().addListener(f -> open.decrementAndGet());
    }
    ctx.fireChannelRead(msg);
  }

  private void refused(Object from) {
    metrics.requestRefused("connections");
    long n = refused.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_EVERY && lastLog.compareAndSet(last, now)) {
      LOG.log(
          Level.WARNING,
          "connection from {0} closed: {1} connections are open, the most --max-connections"
              + " allows ({2} refused so far)",
          from,
          max,
          n);
    }
  }
}
