package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.stub.StreamObserver;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.process.CheckedDecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up's copies and the carry's gate ({@link CheckedDecision.Gate}): a made-up stream that
 * carries ext_authz's namespace does not open the real server's gate (only Envoy's forwarding may),
 * and the copy of Check writes the entry while the real one still does not, so the warm-up trains
 * the writing before the first real stream opens the gate.
 */
class CarryGateWarmUpTest {

  private static final String POLICY =
      """
      package envoy.authz

      default allow := {"allowed": false}

      allow := {"allowed": true} if input.attributes.request.http.method == "POST"
      """;

  private static final String PROCESS =
      """
      package envoy.process

      request := data.envoy.authz.allow
      """;

  private static final String BODY = "{\"messages\":[]}";

  @TempDir Path dir;

  @Test
  void theWarmUpsCopiesNeitherOpenTheGateNorWaitForIt() throws Exception {
    Files.writeString(dir.resolve("authz.rego"), POLICY);
    Files.writeString(dir.resolve("process.rego"), PROCESS);
    PolicyHolder policies = new PolicyHolder();
    policies.activate(JregoServer.load(dir));
    AuthorizationService.Config config =
        AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(5));
    CheckedDecision.Gate gate = new CheckedDecision.Gate(CheckedDecision.Carrying.AUTO);
    AuthorizationService check =
        new AuthorizationService(policies, new ServerMetrics(), config)
            .carryDecisionsTo("envoy/process", gate);
    ExternalProcessorService process =
        new ExternalProcessorService(
                policies, new ServerMetrics(), config, ExternalProcessorService.Config.defaults())
            .opens(gate);

    CheckResponse real = check(check);
    assertThat(CheckedDecision.carried(real)).isFalse();
    assertThat(CheckedDecision.carried(check(check.forWarmUp()))).isTrue();

    Metadata forwarded =
        Metadata.newBuilder()
            .putFilterMetadata(CheckedDecision.NAMESPACE, real.getDynamicMetadata())
            .build();
    assertThat(requestPhase(process.forWarmUp(), forwarded)).isNotNull();
    assertThat(gate.open()).isFalse();
    assertThat(CheckedDecision.carried(check(check))).isFalse();

    assertThat(requestPhase(process, forwarded)).isNotNull();
    assertThat(gate.open()).isTrue();
    assertThat(CheckedDecision.carried(check(check))).isTrue();

    // never: not even the warm-up writes
    AuthorizationService never =
        new AuthorizationService(policies, new ServerMetrics(), config)
            .carryDecisionsTo(
                "envoy/process", new CheckedDecision.Gate(CheckedDecision.Carrying.NEVER));
    assertThat(CheckedDecision.carried(check(never.forWarmUp()))).isFalse();
  }

  private static CheckResponse check(AuthorizationService service) {
    AttributeContext.HttpRequest http =
        AttributeContext.HttpRequest.newBuilder()
            .setMethod("POST")
            .setPath("/v1/chat/completions")
            .putHeaders(":method", "POST")
            .putHeaders("content-type", "application/json")
            .setBody(BODY)
            .build();
    RecordingObserver<CheckResponse> out = new RecordingObserver<>();
    service.check(
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
            .build(),
        out);
    assertThat(out.responses()).hasSize(1);
    return out.responses().get(0);
  }

  /** A request phase (BUFFERED body) with {@code metadata}; its answer to the body. */
  private static ProcessingResponse requestPhase(
      ExternalProcessorService service, Metadata metadata) {
    RecordingObserver<ProcessingResponse> answers = new RecordingObserver<>();
    StreamObserver<ProcessingRequest> s = service.process(answers);
    HeaderMap.Builder h = HeaderMap.newBuilder();
    Map.of(":method", "POST", ":path", "/v1/chat/completions", "content-type", "application/json")
        .forEach(
            (k, v) ->
                h.addHeaders(
                    HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
    s.onNext(
        ProcessingRequest.newBuilder()
            .setProtocolConfig(
                ProtocolConfiguration.newBuilder()
                    .setRequestBodyMode(BodySendMode.BUFFERED)
                    .setResponseBodyMode(BodySendMode.NONE))
            .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(h))
            .setMetadataContext(metadata)
            .build());
    s.onNext(
        ProcessingRequest.newBuilder()
            .setRequestBody(
                HttpBody.newBuilder().setBody(ByteString.copyFromUtf8(BODY)).setEndOfStream(true))
            .build());
    assertThat(answers.responses()).as("errors %s", answers.errors()).hasSize(2);
    ProcessingResponse body = answers.responses().get(1);
    assertThat(body.hasRequestBody()).as("%s", body).isTrue();
    return body;
  }
}
