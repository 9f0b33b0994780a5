package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the warm-up sends a message just over the server's size limit over the wire, so that
 * gRPC's refusal of it (RESOURCE_EXHAUSTED from the deframer) is compiled before a client's
 * oversized request sets it off (the fault matrix's hash and body phases did), and the warm-up goes
 * on after it: the refused stream does not end the connection.
 */
class WarmUpOversizedTest {

  private static final int LIMIT = 64 << 10;

  @Test
  void theOversizedRequestIsSentAndTheWarmUpGoesOnAfterIt() throws Exception {
    List<CheckRequest> mix = WarmUpRefusals.mixedInto(WarmUpSamples.checks(), LIMIT + 1024);
    assertThat(mix.getLast().getSerializedSize()).isBetween(LIMIT + 1, WarmUp.MAX_SENT);

    PolicyHolder policies = new PolicyHolder();
    policies.activate(JregoServer.load(Path.of("..", "rego-policies", "ai-gateway")));
    AuthorizationService service =
        new AuthorizationService(
            policies, new ServerMetrics(), AuthorizationService.Config.defaults());
    CheckServer.Config config =
        CheckServer.Config.builder(new ListenAddress.Tcp("127.0.0.1", 0))
            .maxRecvBytes(LIMIT)
            .threads(2)
            .queueCapacity(16)
            .build();
    WarmUp.Result r =
        WarmUp.run(config, service, Optional.empty(), policies, Duration.ofMillis(2_500));
    assertThat(r.how()).isEqualTo("over loopback gRPC");
    // past the oversized request (the mix's last) twice: a GOAWAY would have ended the run there
    assertThat(r.checks()).isGreaterThan(2L * mix.size());
  }
}
