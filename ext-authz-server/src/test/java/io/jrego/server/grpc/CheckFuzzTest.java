package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.envoy.Reason;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Fuzzes the whole Check path, {@code CheckRequest} bytes to {@code CheckResponse}, with the
 * shipped {@code rego-policies/ai-gateway} bundle active, XFCC trusted and {@code --on-error=deny}.
 * Invariants: every request that decodes is answered exactly once with a response, and nothing is
 * thrown (no {@link Error}: the {@link ErrorBoundary} is the last line, not the plan); the answer
 * is one of the documented shapes (OK with an {@code ok_response}, or PERMISSION_DENIED with a
 * {@code denied_response} carrying an HTTP status); a request whose path, query or body does not
 * parse is answered 400 with the parser's message; a failed check names a documented reason other
 * than {@code internal} in {@code x-jrego-error}; each request is answered within {@link #BOUND} of
 * CPU time.
 *
 * <p>Seeds (serialized {@code CheckRequest}s): {@code
 * src/test/resources/io/jrego/server/grpc/CheckFuzzTestInputs/check/}.
 */
class CheckFuzzTest {

  /**
   * Well above the check's own deadline ({@link #EVAL_TIMEOUT}), which it must keep: an evaluation
   * that ran past it would use more CPU than this.
   */
  static final Duration BOUND = Duration.ofSeconds(5);

  /**
   * Times a check on the CPU time of the thread that runs it (a check runs on its caller's thread
   * from input mapping to answer), which a loaded machine does not stretch as it does the wall
   * clock.
   */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Longer than production's, so that the fuzzer's instrumentation does not time checks out. */
  private static final Duration EVAL_TIMEOUT = Duration.ofSeconds(2);

  /** What a failed check may name; {@code internal} is a bug in jrego. */
  private static final Set<String> FAILURE_REASONS =
      EnumSet.of(
              Reason.TIMEOUT, Reason.EVAL_ERROR, Reason.UNDEFINED_DECISION, Reason.INVALID_DECISION)
          .stream()
          .map(Reason::code)
          .collect(Collectors.toUnmodifiableSet());

  private static final InputMapper.Options INPUT =
      InputMapper.Options.defaults().withTrustXfcc(true);

  private static AuthorizationService service;
  private static boolean warm;

  private static final CheckRequest WARM_UP =
      TestRequests.post("/v1/chat/completions?x=1")
          .principal("spiffe://cluster.local/ns/edge/sa/api-gateway")
          .json(
              "{\"model\":\"gpt-4o-mini\",\"messages\":"
                  + "[{\"role\":\"user\",\"content\":\"hi\"}]}")
          .build();

  @FuzzTest
  void check(byte[] bytes) throws Exception {
    CheckRequest request;
    try {
      request = CheckRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return; // gRPC refuses it before the service sees it
    }
    AuthorizationService checks = service();
    if (!warm) { // loads (and, fuzzing, instruments) the whole path before the first timed check
      checks.check(WARM_UP, new RecordingObserver<>());
      warm = true;
    }
    RecordingObserver<CheckResponse> answer = new RecordingObserver<>();
    long start = THREADS.getCurrentThreadCpuTime();
    checks.check(request, answer);
    assertThat(Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - start)).isLessThan(BOUND);

    assertThat(answer.errors()).isEmpty();
    assertThat(answer.completed()).isTrue();
    assertThat(answer.responses()).hasSize(1);
    CheckResponse response = answer.responses().get(0);
    int code = response.getStatus().getCode();
    assertThat(code).isIn(Code.OK_VALUE, Code.PERMISSION_DENIED_VALUE);
    if (code == Code.OK_VALUE) {
      assertThat(response.hasOkResponse()).as(response.toString()).isTrue();
      assertThat(response.hasDeniedResponse()).isFalse();
    } else {
      assertThat(response.hasDeniedResponse()).as(response.toString()).isTrue();
      assertThat(response.getDeniedResponse().getStatus().getCodeValue()).isBetween(100, 599);
    }

    String parseError = parseError(request);
    if (parseError != null) {
      assertThat(code).isEqualTo(Code.PERMISSION_DENIED_VALUE);
      assertThat(response.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(400);
      assertThat(response.getDeniedResponse().getBody()).isEqualTo(parseError);
    }
    for (HeaderValueOption h : response.getDeniedResponse().getHeadersList()) {
      if (h.getHeader().getKey().equals("x-jrego-error")) {
        assertThat(h.getHeader().getValue()).as(response.toString()).isIn(FAILURE_REASONS);
      }
    }
  }

  /** The parser's message when the request's path, query or body does not parse, else null. */
  private static String parseError(CheckRequest request) {
    try {
      new InputMapper(INPUT).map(request);
      return null;
    } catch (CheckException e) {
      return e.reason() == Reason.REQUEST_PARSE_ERROR ? e.getMessage() : null;
    }
  }

  private static AuthorizationService service() throws Exception {
    if (service == null) {
      Path bundle =
          Path.of(System.getProperty("basedir", "."), "..", "rego-policies", "ai-gateway");
      PolicyHolder policies = new PolicyHolder();
      policies.activate(
          ActivePolicy.oneBundle(
              BundleLoader.load(bundle).compile(EngineOptions.defaults()),
              "fuzz",
              "test",
              Instant.now()));
      service =
          new AuthorizationService(
              policies,
              new ServerMetrics(),
              AuthorizationService.Config.builder()
                  .input(INPUT)
                  .onError(OnError.DENY, 403)
                  .maxSendBytes(4 << 20)
                  .evalTimeout(EVAL_TIMEOUT)
                  .build());
    }
    return service;
  }
}
