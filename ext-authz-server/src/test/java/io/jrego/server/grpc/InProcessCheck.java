package io.jrego.server.grpc;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CheckServer} serving one {@link AuthorizationService} on gRPC's in-process transport, as
 * {@code jrego serve} would on a port (check threads, a queue of 16, no warm-up), and a channel to
 * it. {@link #close()} shuts down both.
 */
final class InProcessCheck implements AutoCloseable {

  final CheckServer server;
  final ManagedChannel channel;

  private InProcessCheck(CheckServer server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  /** Starts the server with {@code threads} check threads and opens a channel to it. */
  static InProcessCheck start(AuthorizationService service, PolicyHolder policies, int threads)
      throws IOException {
    return start(service, policies, threads, Duration.ofSeconds(5));
  }

  /** As {@link #start(AuthorizationService, PolicyHolder, int)}, with this shutdown grace. */
  static InProcessCheck start(
      AuthorizationService service, PolicyHolder policies, int threads, Duration grace)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    CheckServer server =
        CheckServer.start(
            InProcessServerBuilder.forName(name),
            CheckServer.Config.builder(new ListenAddress.Tcp("", 0))
                .threads(threads)
                .queueCapacity(16)
                .shutdownGrace(grace)
                .build(),
            service,
            policies);
    server.serve();
    return new InProcessCheck(server, InProcessChannelBuilder.forName(name).build());
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdown();
  }
}
