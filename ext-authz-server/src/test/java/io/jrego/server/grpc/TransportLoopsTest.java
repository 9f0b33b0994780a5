package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Finding the event loop a thread runs, among real Netty loops. */
class TransportLoopsTest {

  @Test
  void eachLoopFindsItself_anyOtherThreadNone() throws Exception {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    try {
      TransportLoops loops = new TransportLoops(List.of(boss, workers));
      assertThat(loops.current()).as("the test's own thread").isEmpty();
      for (EventExecutor e : workers) {
        Optional<Executor> found = e.submit(loops::current).get(5, TimeUnit.SECONDS);
        assertThat(found).containsSame(e);
      }
    } finally {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
