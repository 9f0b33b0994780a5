package io.jrego.server.grpc;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The Netty event loops a server's transport runs on, to find the one running the calling thread. A
 * task given to that loop runs after the tasks already queued on it, among them the flush of the
 * answers written so far ({@link StreamLane}).
 */
final class TransportLoops {

  private final List<EventLoopGroup> groups;

  TransportLoops(List<EventLoopGroup> groups) {
    this.groups = List.copyOf(groups);
  }

  /** The event loop the calling thread is, or empty on any other thread. */
  Optional<Executor> current() {
    for (EventLoopGroup g : groups) {
      for (EventExecutor e : g) {
        if (e.inEventLoop()) {
          return Optional.of(e);
        }
      }
    }
    return Optional.empty();
  }
}
