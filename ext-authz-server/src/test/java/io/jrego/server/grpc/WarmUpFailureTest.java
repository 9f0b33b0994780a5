package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Status;
import io.jrego.engine.Rego;
import io.jrego.engine.base.RegoException;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.AuthorizationService.MadeUpFailure;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's failing checks: the warm-up copy fails a check carrying its secret, past the
 * check's deadline in the input's mapping or in the policy's evaluation, as a real check that
 * reached its deadline there fails, and answers it as the server is configured to answer a failed
 * check; a real service, or the copy given another value, decides it as any other.
 */
class WarmUpFailureTest {

  /** A real policy: the evaluation variant must reach the engine's deadline check. */
  private static PolicyHolder allowingEverything() throws RegoException {
    PolicyHolder policies = new PolicyHolder();
    policies.activate(
        ActivePolicy.oneBundle(
            Rego.builder().module("allow.rego", "package envoy.authz\nallow := true\n").compile(),
            "r",
            "test",
            Instant.now()));
    return policies;
  }

  private static AuthorizationService service(AuthorizationService.Config config)
      throws RegoException {
    return new AuthorizationService(
        allowingEverything(), new ServerMetrics(), config.withEvalTimeout(Duration.ofSeconds(30)));
  }

  private static final CheckRequest CHAT = WarmUpSamples.checks().getFirst();

  /** The failed RPC's description, for a check the copy fails. */
  private static String failure(AuthorizationService copy, MadeUpFailure where) {
    RecordingObserver<CheckResponse> out = new RecordingObserver<>();
    copy.check(WarmUpRefusals.failing(CHAT, copy.warmUpFailure().orElseThrow(), where), out);
    assertThat(out.responses()).isEmpty();
    Throwable e = out.errors().getFirst();
    assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNKNOWN);
    return e.getMessage();
  }

  @Test
  void theCopyFailsTheMappingVariant_atTheMappersDeadlineCheck() throws Exception {
    AuthorizationService copy = service(AuthorizationService.Config.defaults()).forWarmUp();
    assertThat(failure(copy, MadeUpFailure.MAPPING))
        .contains("the check's deadline passed while mapping the request");
  }

  @Test
  void theCopyFailsTheEvaluationVariant_inThePolicysEvaluation() throws Exception {
    AuthorizationService copy = service(AuthorizationService.Config.defaults()).forWarmUp();
    assertThat(failure(copy, MadeUpFailure.EVALUATION))
        .contains("evaluation passed the check's deadline of 30000 ms");
  }

  @Test
  void theCopysFailuresAreLoggedAtTrace_offUnlessAskedFor() throws Exception {
    AuthorizationService copy = service(AuthorizationService.Config.defaults()).forWarmUp();
    Logger checks = Logger.getLogger("io.jrego.server.check");
    try (LogCapture log = new LogCapture("io.jrego.server.check").attach()) {
      for (MadeUpFailure where : MadeUpFailure.values()) {
        assertThat(failure(copy, where)).isNotEmpty();
      }
      assertThat(log.records).isEmpty();
      Level before = checks.getLevel();
      checks.setLevel(Level.ALL);
      try {
        assertThat(failure(copy, MadeUpFailure.MAPPING)).isNotEmpty();
      } finally {
        checks.setLevel(before);
      }
      assertThat(log.records)
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getLevel()).isEqualTo(Level.FINER);
                assertThat(r.getMessage()).contains("failed");
              });
    }
  }

  @Test
  void theCopyDecidesOtherValuesAsAnyCheck() throws Exception {
    AuthorizationService copy = service(AuthorizationService.Config.defaults()).forWarmUp();
    String secret = copy.warmUpFailure().orElseThrow();
    for (String value : List.of("guess", secret, "guess/mapping", secret + "/other")) {
      CheckRequest.Builder b = CHAT.toBuilder();
      b.getAttributesBuilder()
          .getRequestBuilder()
          .getHttpBuilder()
          .putHeaders(AuthorizationService.WARM_UP_FAILURE, value);
      CheckRequest c = b.build();
      assertThat(RecordingObserver.check(copy, c).getStatus().getCode()).as(value).isZero();
    }
  }

  @Test
  void withOnErrorDeny_theCopyAnswersTheErrorDenial() throws Exception {
    AuthorizationService copy =
        service(AuthorizationService.Config.defaults().withOnError(OnError.DENY, 503)).forWarmUp();
    for (MadeUpFailure where : MadeUpFailure.values()) {
      CheckResponse r =
          RecordingObserver.check(
              copy, WarmUpRefusals.failing(CHAT, copy.warmUpFailure().orElseThrow(), where));
      assertThat(r.getDeniedResponse().getStatus().getCodeValue()).as(where.name()).isEqualTo(503);
      assertThat(r.getDeniedResponse().getHeadersList())
          .anySatisfy(
              h -> {
                assertThat(h.getHeader().getKey()).isEqualTo("x-jrego-error");
                assertThat(h.getHeader().getValue()).isEqualTo("timeout");
              });
    }
  }

  @Test
  void aRealServiceHasNoSecret_andDecidesTheHeaderAsAnyOther() throws Exception {
    AuthorizationService real = service(AuthorizationService.Config.defaults());
    assertThat(real.warmUpFailure()).isEmpty();
    String copysSecret = real.forWarmUp().warmUpFailure().orElseThrow();
    for (CheckRequest c : WarmUpRefusals.failing(CHAT, copysSecret)) {
      assertThat(RecordingObserver.check(real, c).getStatus().getCode()).isZero();
    }
    // each copy has a secret of its own
    assertThat(real.forWarmUp().warmUpFailure()).isNotEqualTo(Optional.of(copysSecret));
  }

  @Test
  void eachWarmUpRoundFailsOneCheckInMappingAndOneInEvaluation_onlyForTheCopy() throws Exception {
    AuthorizationService real = service(AuthorizationService.Config.defaults());
    AuthorizationService copy = real.forWarmUp();
    List<CheckRequest> failing =
        WarmUp.checks(copy, 4 << 20).stream().filter(WarmUpFailureTest::asksToFail).toList();
    assertThat(failing).hasSize(2);
    assertThat(failing)
        .allSatisfy(
            c -> assertThat(RecordingObserver.check(copy, c)).as("failed: no response").isNull());
    RecordingObserver<CheckResponse> mapping = new RecordingObserver<>();
    copy.check(failing.get(0), mapping);
    RecordingObserver<CheckResponse> evaluation = new RecordingObserver<>();
    copy.check(failing.get(1), evaluation);
    assertThat(mapping.errors().getFirst()).hasMessageContaining("while mapping the request");
    assertThat(evaluation.errors().getFirst()).hasMessageContaining("evaluation passed");
    assertThat(WarmUp.checks(real, 4 << 20)).noneMatch(WarmUpFailureTest::asksToFail);
  }

  private static boolean asksToFail(CheckRequest c) {
    return c.getAttributes()
        .getRequest()
        .getHttp()
        .getHeadersMap()
        .containsKey(AuthorizationService.WARM_UP_FAILURE);
  }
}
