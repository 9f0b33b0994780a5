package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Status;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's failing check: the warm-up copy fails a check carrying its secret, as the server is
 * configured to answer a failed check; a real service, or the copy given another value, decides it
 * as any other.
 */
class WarmUpFailureTest {

  private static AuthorizationService service(AuthorizationService.Config config) {
    PolicyHolder policies = FakePolicy.holderAllowingEverything();
    return new AuthorizationService(
        policies, new ServerMetrics(), config.withEvalTimeout(Duration.ofSeconds(30)));
  }

  private static final CheckRequest CHAT = WarmUpSamples.checks().getFirst();

  @Test
  void theCopyFailsTheCheckCarryingItsSecret_asAFailedRpc() {
    AuthorizationService real = service(AuthorizationService.Config.defaults());
    AuthorizationService copy = real.forWarmUp();
    String secret = copy.warmUpFailure().orElseThrow();

    RecordingObserver<CheckResponse> out = new RecordingObserver<>();
    copy.check(WarmUpRefusals.failing(CHAT, secret), out);
    assertThat(out.responses()).isEmpty();
    assertThat(out.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNKNOWN);
              assertThat(e).hasMessageContaining("warm-up");
            });

    assertThat(RecordingObserver.check(copy, WarmUpRefusals.failing(CHAT, "guess")).getStatus())
        .satisfies(s -> assertThat(s.getCode()).isZero());
  }

  @Test
  void withOnErrorDeny_theCopyAnswersTheErrorDenial() {
    AuthorizationService copy =
        service(AuthorizationService.Config.defaults().withOnError(OnError.DENY, 503)).forWarmUp();
    CheckResponse r =
        RecordingObserver.check(
            copy, WarmUpRefusals.failing(CHAT, copy.warmUpFailure().orElseThrow()));
    assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
    assertThat(r.getDeniedResponse().getHeadersList())
        .anySatisfy(
            h -> {
              assertThat(h.getHeader().getKey()).isEqualTo("x-jrego-error");
              assertThat(h.getHeader().getValue()).isEqualTo("timeout");
            });
  }

  @Test
  void aRealServiceHasNoSecret_andDecidesTheHeaderAsAnyOther() {
    AuthorizationService real = service(AuthorizationService.Config.defaults());
    assertThat(real.warmUpFailure()).isEmpty();
    String copysSecret = real.forWarmUp().warmUpFailure().orElseThrow();
    assertThat(RecordingObserver.check(real, WarmUpRefusals.failing(CHAT, copysSecret)).getStatus())
        .satisfies(s -> assertThat(s.getCode()).isZero());
    // each copy has a secret of its own
    assertThat(real.forWarmUp().warmUpFailure()).isNotEqualTo(Optional.of(copysSecret));
  }

  @Test
  void eachWarmUpRoundHasOneFailingCheck_onlyForTheCopy() {
    AuthorizationService real = service(AuthorizationService.Config.defaults());
    AuthorizationService copy = real.forWarmUp();
    List<CheckRequest> round = WarmUp.checks(copy, 4 << 20);
    assertThat(round)
        .filteredOn(
            c ->
                c.getAttributes()
                    .getRequest()
                    .getHttp()
                    .getHeadersMap()
                    .containsKey(AuthorizationService.WARM_UP_FAILURE))
        .singleElement()
        .satisfies(
            c -> assertThat(RecordingObserver.check(copy, c)).as("failed: no response").isNull());
    assertThat(WarmUp.checks(real, 4 << 20))
        .noneMatch(
            c ->
                c.getAttributes()
                    .getRequest()
                    .getHttp()
                    .getHeadersMap()
                    .containsKey(AuthorizationService.WARM_UP_FAILURE));
  }
}
