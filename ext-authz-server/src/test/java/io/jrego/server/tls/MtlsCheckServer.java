package io.jrego.server.tls;

import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.CheckServer;
import io.jrego.server.grpc.FakePolicy;
import io.jrego.server.grpc.ListenAddress;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * jrego's Check server as the mTLS tests start it: on a loopback port, two check threads, TLS from
 * {@code tls}, and a policy that allows every call and counts its evaluations (so a test can tell a
 * caller refused at the handshake from one the policy saw).
 */
final class MtlsCheckServer {

  private MtlsCheckServer() {}

  /** Started and serving; {@code queue} calls may wait for a check thread. */
  static CheckServer start(TlsConfig tls, int queue, AtomicLong evaluations, ServerMetrics metrics)
      throws IOException {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(FakePolicy.allowing(evaluations::incrementAndGet).asBundle());
    CheckServer server =
        CheckServer.start(
            CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
                .threads(2)
                .queueCapacity(queue)
                .shutdownGrace(Duration.ofSeconds(1))
                .tls(Optional.of(tls))
                .build(),
            new AuthorizationService(
                policies,
                metrics,
                AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(30))),
            policies);
    try {
      server.serve();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }
}
