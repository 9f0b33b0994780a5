package io.jrego.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.grpc.OnError;
import io.jrego.server.grpc.RecordingObserver;
import io.jrego.server.policy.PolicyHolder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ext_proc stream without sockets: Envoy's messages are fed to the real service (real Rego
 * policy, real decision core) in the order Envoy sends them, and every answer is recorded. What
 * Envoy would do with each answer is what these tests assert: the kind of answer in each phase, the
 * mode override, the body sent on, and how limits, malformed bodies and policy errors end.
 */
class ProcessStreamTest {

  /** A request rule that redacts e-mail addresses; a response rule that blocks keys. */
  static final String REDACTING =
      """
      package envoy.process

      request := {"allowed": true,
        "headers": {"x-seen": "yes"},
        "body_edits": [{"op": "pii", "path": "/messages/0/content", "action": "redact",
                        "types": ["email"]}]} if input.parsed_body.messages

      request := {"allowed": true} if not input.parsed_body.messages

      response := {"allowed": true,
        "body_edits": [{"op": "pii", "path": "/answer", "action": "block", "types": ["secret"]}]}
        if not input.response.stream

      response := {"allowed": true, "stream": {"pii": [{"action": "redact", "types": ["email"]}]}}
        if input.response.stream
      """;

  @TempDir Path dir;

  // ---- phase ordering and mode override --------------------------------------------------

  @Test
  void bufferedRequest_isAnsweredOnce_atTheBody_withTheRedactedBodyAndItsLength() {
    Stream s = stream(REDACTING, defaults());
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    // the headers are let through at once (a buffered body follows), with the mode for the rest
    ProcessingResponse h = s.only();
    assertThat(h.hasRequestHeaders()).isTrue();
    assertThat(h.getModeOverride())
        .isEqualTo(
            mode(BodySendMode.BUFFERED, HeaderSendMode.SEND, BodySendMode.FULL_DUPLEX_STREAMED));
    s.send(requestBody("{\"messages\":[{\"content\":\"mail ann@example.com now\"}]}", true));
    ProcessingResponse b = s.only();
    assertThat(b.hasRequestBody()).isTrue();
    CommonResponse c = b.getRequestBody().getResponse();
    String body = c.getBodyMutation().getBody().toStringUtf8();
    assertThat(body).isEqualTo("{\"messages\":[{\"content\":\"mail <EMAIL_1> now\"}]}");
    assertThat(headers(c.getHeaderMutation().getSetHeadersList()))
        .containsEntry("content-length", String.valueOf(body.length()))
        .containsEntry("x-seen", "yes");
  }

  @Test
  void jsonAnswer_inFullDuplex_holdsItsHeadersUntilTheBodyIsDecided() {
    Stream s = requestDone(REDACTING, defaults());
    s.send(responseHeaders("application/json", false));
    assertThat(s.out()).as("headers are held while the body may still be refused").isEmpty();
    s.send(responseBody("{\"answer\":", false));
    assertThat(s.out()).isEmpty();
    s.send(responseBody("\"fine\"}", true));
    // now: the headers answer, then the body as one full-duplex piece that ends the stream
    assertThat(s.out()).hasSize(2);
    assertThat(s.out().get(0).hasResponseHeaders()).isTrue();
    assertThat(s.out().get(0).getResponseHeaders().getResponse().getHeaderMutation())
        .satisfies(m -> assertThat(m.getRemoveHeadersList()).contains("content-length"));
    var piece = s.out().get(1).getResponseBody().getResponse().getBodyMutation();
    assertThat(piece.getStreamedResponse().getBody().toStringUtf8())
        .isEqualTo("{\"answer\":\"fine\"}");
    assertThat(piece.getStreamedResponse().getEndOfStream()).isTrue();
  }

  @Test
  void jsonAnswerCarryingAKey_isRefusedBeforeItsHeaders() {
    Stream s = requestDone(REDACTING, defaults());
    s.send(responseHeaders("application/json", false));
    s.send(responseBody("{\"answer\":\"AKIAIOSFODNN7EXAMPLE\"}", true));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(502);
    assertThat(r.getBody().toStringUtf8()).doesNotContain("AKIAIOSFODNN7EXAMPLE");
    assertThat(s.failed()).isNull();
  }

  @Test
  void policyWithoutProcessRules_asksEnvoyForNothingMore() throws IOException {
    Stream s = stream("package other\n\nx := 1\n", defaults());
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    ProcessingResponse h = s.only();
    assertThat(h.hasRequestHeaders()).isTrue();
    assertThat(h.getModeOverride())
        .isEqualTo(mode(BodySendMode.NONE, HeaderSendMode.SKIP, BodySendMode.NONE));
  }

  @Test
  void requestRuleOnly_leavesTheResponseAlone() {
    Stream s = stream("package envoy.process\n\nrequest := {\"allowed\": true}\n", defaults());
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    assertThat(s.only().getModeOverride())
        .isEqualTo(mode(BodySendMode.BUFFERED, HeaderSendMode.SEND, BodySendMode.NONE));
    s.send(requestBody("{}", true));
    assertThat(s.only().hasRequestBody()).isTrue();
    s.send(responseHeaders("application/json", false));
    // not evaluated, answered at once
    assertThat(s.only().hasResponseHeaders()).isTrue();
  }

  @Test
  void streamedStrategy_overridesTheResponseBodyModeAtTheResponseHeaders() {
    Stream s = requestDone(REDACTING, config(ProcessStream.Strategy.STREAMED, 1 << 20));
    s.send(responseHeaders("text/event-stream", false));
    ProcessingResponse h = s.only();
    assertThat(h.hasResponseHeaders()).isTrue();
    assertThat(h.getModeOverride().getResponseBodyMode()).isEqualTo(BodySendMode.STREAMED);
    // each streamed piece gets one answer: its replacement
    s.send(responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n", false));
    assertThat(s.only().hasResponseBody()).isTrue();
    s.send(
        responseBody(
            """
            data: {"choices":[{"delta":{"content":" bob@example.org"}}]}

            data: [DONE]

            """,
            true));
    String out =
        s.only().getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8();
    assertThat(out).doesNotContain("bob@example.org").contains("data: [DONE]");
  }

  // ---- limits ----------------------------------------------------------------------------

  @Test
  void requestBodyOverTheLimit_is413NamingTheLimit_andNeverEvaluated() {
    Stream s = stream(REDACTING, config(ProcessStream.Strategy.FULL_DUPLEX, 64));
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    s.clear();
    s.send(requestBody("{\"messages\":[{\"content\":\"" + "x".repeat(100) + "\"}]}", true));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(413);
    ObjectValue body = (ObjectValue) Json.parse(r.getBody().toStringUtf8());
    assertThat(body.get("code")).contains(StringValue.of("body_too_large"));
    assertThat(((StringValue) body.get("reason").orElseThrow()).value())
        .contains("exceeds the limit of 64");
    // the stream is done: later messages are ignored
    s.send(responseHeaders("application/json", false));
    assertThat(s.out()).isEmpty();
  }

  @Test
  void streamedRequestBody_isCollectedAcrossPieces_andCountedAgainstTheLimit() {
    Stream s = stream(REDACTING, config(ProcessStream.Strategy.FULL_DUPLEX, 80));
    s.send(requestHeaders(BodySendMode.STREAMED, false, "application/json"));
    s.clear();
    s.send(requestBody("{\"messages\":[{\"content\":\"", false));
    // a STREAMED piece is held (cleared) until the body is complete
    assertThat(s.only().getRequestBody().getResponse().getBodyMutation().getClearBody()).isTrue();
    s.send(requestBody("x".repeat(60), false));
    assertThat(s.only().getImmediateResponse().getStatus().getCodeValue()).isEqualTo(413);
  }

  @Test
  void jsonAnswerOverTheLimit_is502BeforeItsHeaders() {
    Stream s = requestDone(REDACTING, config(ProcessStream.Strategy.FULL_DUPLEX, 100));
    s.send(responseHeaders("application/json", false));
    s.send(responseBody("{\"answer\":\"" + "y".repeat(200) + "\"}", true));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(502);
    assertThat(r.getBody().toStringUtf8()).contains("body_too_large");
  }

  // ---- malformed bodies ------------------------------------------------------------------

  @Test
  void requestBodyThatIsNotJson_is400AsCheckAnswersIt() {
    Stream s = stream(REDACTING, defaults());
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    s.clear();
    s.send(requestBody("{\"messages\": [", true));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(400);
    assertThat(r.getDetails()).isEqualTo("jrego_request_parse_error");
  }

  @Test
  void gzipAnswerThatDoesNotDecompress_isRefusedAndNeverPassedOn() throws IOException {
    Stream s = requestDone(REDACTING, defaults());
    s.send(responseHeaders("application/json", false, Map.of("content-encoding", "gzip")));
    byte[] gz = gzip("{\"answer\":\"fine\"}");
    byte[] broken = java.util.Arrays.copyOf(gz, gz.length - 6); // the trailer cut off
    broken[12] ^= 0x55;
    s.send(responseBody(ByteString.copyFrom(broken), true));
    assertThat(s.out()).noneMatch(ProcessingResponse::hasResponseBody);
    boolean refused =
        s.out().stream()
                .anyMatch(
                    p ->
                        p.hasImmediateResponse()
                            && p.getImmediateResponse().getStatus().getCodeValue() >= 500)
            || s.failed() != null;
    assertThat(refused).as("refused: " + s.out() + " / " + s.failed()).isTrue();
  }

  @Test
  void gzipAnswer_isDecompressedAndSentOnWithoutItsEncoding() throws IOException {
    Stream s = requestDone(REDACTING, defaults());
    s.send(responseHeaders("application/json", false, Map.of("content-encoding", "gzip")));
    s.send(responseBody(ByteString.copyFrom(gzip("{\"answer\":\"fine\"}")), true));
    assertThat(s.out()).hasSize(2);
    assertThat(s.out().get(0).getResponseHeaders().getResponse().getHeaderMutation())
        .satisfies(m -> assertThat(m.getRemoveHeadersList()).contains("content-encoding"));
    assertThat(
            s.out()
                .get(1)
                .getResponseBody()
                .getResponse()
                .getBodyMutation()
                .getStreamedResponse()
                .getBody()
                .toStringUtf8())
        .isEqualTo("{\"answer\":\"fine\"}");
  }

  /** An SSE rule that can block (so the response headers wait for the first judged text). */
  static final String BLOCKING_STREAM =
      """
      package envoy.process

      request := {"allowed": true}

      response := {"allowed": true, "stream": {"hold_back": 16,
        "pii": [{"action": "block", "types": ["secret"]}, {"action": "redact", "types": ["email"]}]}}
      """;

  static String chunk(String content) {
    return "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content
        + "\"},\"finish_reason\":null}]}\n\n";
  }

  @Test
  void sseWithABlockingRule_sendsItsHeadersAtTheFirstJudgedText_notAfterTheWholePiece() {
    Stream s = requestDone(BLOCKING_STREAM, defaults());
    s.send(responseHeaders("text/event-stream", false));
    assertThat(s.out()).as("headers wait while the answer could still be refused").isEmpty();
    StringBuilder piece = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      piece.append(chunk("the quick brown fox number " + i + ","));
    }
    // one network piece of 40 events: the headers and the first events leave before the rest
    s.send(responseBody(piece.toString(), false));
    assertThat(s.out().get(0).hasResponseHeaders()).isTrue();
    assertThat(s.out()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(bodyOf(s.out().get(1)).length())
        .as("the first output is the first events, not the whole piece")
        .isLessThan(piece.length() / 10);
    StringBuilder all = new StringBuilder();
    for (ProcessingResponse p : s.out().subList(1, s.out().size())) {
      all.append(bodyOf(p));
    }
    s.clear();
    s.send(responseBody("data: [DONE]\n\n", true));
    for (ProcessingResponse p : s.out()) {
      all.append(bodyOf(p));
    }
    assertThat(contentOf(all.toString())).isEqualTo(contentOf(piece.toString()));
    assertThat(all.toString()).endsWith("data: [DONE]\n\n");
    assertThat(s.failed()).isNull();
  }

  @Test
  void sseHeldHeaders_areTimed_fromTheirArrivalToTheirAnswer() throws Exception {
    ServerMetrics metrics = new ServerMetrics();
    PolicyHolder policies = new PolicyHolder();
    Path bundle = Files.createDirectories(dir.resolve("held"));
    Files.writeString(bundle.resolve("policy.rego"), BLOCKING_STREAM);
    policies.activate(JregoServer.load(bundle));
    Stream s =
        new Stream(
            new ExternalProcessorService(
                policies, metrics, AuthorizationService.Config.defaults(), defaults()));
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    s.send(requestBody("{\"messages\":[{\"content\":\"hello\"}]}", true));
    s.clear();
    s.send(responseHeaders("text/event-stream", false));
    s.send(responseBody(chunk("short "), false)); // within the 16-character hold-back
    assertThat(s.out()).isEmpty();
    long waited = System.nanoTime();
    while (System.nanoTime() - waited < 20_000_000L) {
      Thread.onSpinWait(); // 20 ms between pieces in which nothing of the stream is handled
    }
    s.send(responseBody(chunk("and now enough text to release some of it "), false));
    assertThat(s.out().get(0).hasResponseHeaders()).isTrue();
    String text = metrics.scrape();
    double total = sample(text, "jrego_ext_proc_headers_held_seconds_sum{part=\"total\"}");
    double handling = sample(text, "jrego_ext_proc_headers_held_seconds_sum{part=\"handling\"}");
    assertThat(sample(text, "jrego_ext_proc_headers_held_seconds_count{part=\"total\"}"))
        .isEqualTo(1.0);
    assertThat(sample(text, "jrego_ext_proc_headers_held_seconds_count{part=\"handling\"}"))
        .isEqualTo(1.0);
    assertThat(total).isGreaterThanOrEqualTo(0.020);
    assertThat(handling).isGreaterThan(0).isLessThan(total - 0.019);
    // the rest of the answer is not held: nothing more is timed
    s.send(responseBody(chunk("more "), true));
    assertThat(
            sample(metrics.scrape(), "jrego_ext_proc_headers_held_seconds_count{part=\"total\"}"))
        .isEqualTo(1.0);
  }

  private static double sample(String metrics, String series) {
    for (String line : metrics.lines().toList()) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    throw new AssertionError("no " + series + " in\n" + metrics);
  }

  @Test
  void sseKeyInTheFirstEvents_ofALargePiece_isStillACleanRefusal() {
    Stream s = requestDone(BLOCKING_STREAM, defaults());
    s.send(responseHeaders("text/event-stream", false));
    // no text before the key: nothing is judged clean before it, so the headers wait for it
    StringBuilder piece = new StringBuilder(chunk("AKIAIOSFODNN7EXAMPLE is the key"));
    for (int i = 0; i < 40; i++) {
      piece.append(chunk("the quick brown fox number " + i + ","));
    }
    s.send(responseBody(piece.toString(), false));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(502);
    assertThat(s.failed()).isNull();
  }

  /** The answer text of a run of chunks: their {@code delta.content} values, joined. */
  static String contentOf(String sse) {
    StringBuilder out = new StringBuilder();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"content\":\"([^\"]*)\"").matcher(sse);
    while (m.find()) {
      out.append(m.group(1));
    }
    return out.toString();
  }

  static String bodyOf(ProcessingResponse p) {
    return p.getResponseBody()
        .getResponse()
        .getBodyMutation()
        .getStreamedResponse()
        .getBody()
        .toStringUtf8();
  }

  @Test
  void sseEventWhoseDataIsNotJson_passesAsItCame() {
    Stream s = requestDone(REDACTING, defaults());
    s.send(responseHeaders("text/event-stream", false));
    String odd = "data: not json at all\n\n: a comment\n\n";
    s.send(responseBody(odd, false));
    s.send(responseBody("data: [DONE]\n\n", true));
    StringBuilder out = new StringBuilder();
    for (ProcessingResponse p : s.out()) {
      if (p.hasResponseBody()) {
        out.append(
            p.getResponseBody()
                .getResponse()
                .getBodyMutation()
                .getStreamedResponse()
                .getBody()
                .toStringUtf8());
      }
    }
    assertThat(out.toString()).isEqualTo(odd + "data: [DONE]\n\n");
    assertThat(s.failed()).isNull();
  }

  // ---- errors in a phase -----------------------------------------------------------------

  /** Two complete definitions of the response rule that disagree: an evaluation error. */
  static final String FAILING_RESPONSE =
      """
      package envoy.process

      request := {"allowed": true}

      response := {"allowed": true}

      response := {"allowed": false} if input.phase == "response"
      """;

  @Test
  void responsePhaseError_failsTheStream_withTheDefaultOnError() {
    Stream s = requestDone(FAILING_RESPONSE, defaults());
    s.send(responseHeaders("text/plain", false));
    assertThat(s.out()).isEmpty();
    assertThat(s.failed()).isNotNull();
    assertThat(s.failed().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(s.failed().getDescription()).contains("eval_");
  }

  @Test
  void responsePhaseError_withOnErrorDeny_isTheConfiguredStatusNamingTheReason() {
    Stream s =
        requestDone(
            FAILING_RESPONSE,
            ExternalProcessorService.Config.defaults(),
            AuthorizationService.Config.defaults().withOnError(OnError.DENY, 503));
    s.send(responseHeaders("text/plain", false));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(503);
    assertThat(headers(r.getHeaders().getSetHeadersList())).containsKey("x-jrego-error");
  }

  @Test
  void decisionWithAnEditOfTheWrongKindOfValue_isAnInvalidDecision() {
    Stream s =
        stream(
            """
            package envoy.process

            request := {"allowed": true,
              "body_edits": [{"op": "redact", "path": "/a",
                              "spans": [{"start": 0, "end": 1, "replacement": "x"}]}]}
            """,
            defaults());
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    s.clear();
    s.send(requestBody("{\"a\":1}", true));
    assertThat(s.out()).isEmpty();
    assertThat(s.failed()).isNotNull();
    assertThat(s.failed().getDescription()).contains("invalid_decision");
  }

  @Test
  void messageWithNothingInIt_failsTheStreamRatherThanPassing() {
    Stream s = stream(REDACTING, defaults());
    s.send(ProcessingRequest.getDefaultInstance());
    assertThat(s.out()).isEmpty();
    assertThat(s.failed()).isNotNull();
  }

  @Test
  void afterTheStreamIsClosed_nothingMoreIsSent() {
    Stream s = requestDone(REDACTING, defaults());
    s.observer.onCompleted();
    s.send(responseHeaders("application/json", false));
    assertThat(s.out()).isEmpty();
  }

  @Test
  void theResponsePhase_seesItsOwnStreamsRequest_thoughItReusesItsRequestPhasesValues() {
    // `who` reads the request only: the response phase takes the value its own stream's request
    // phase computed (io.jrego.engine.Carry); `input.phase` and `input.response` are read afresh
    ExternalProcessorService service =
        service(
            """
            package envoy.process

            who := input.parsed_body.messages[0].content

            request := {"allowed": true, "headers": {"x-asked": who}}

            response := {"allowed": true, "headers": {"x-who": who, "x-phase": input.phase,
              "x-status": format_int(input.response.status, 10)}}
            """,
            defaults(),
            AuthorizationService.Config.defaults());
    Stream ann = new Stream(service);
    Stream bob = new Stream(service);
    for (Stream s : List.of(ann, bob)) {
      s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    }
    ann.send(requestBody("{\"messages\":[{\"content\":\"ann\"}]}", true));
    bob.send(requestBody("{\"messages\":[{\"content\":\"bob\"}]}", true));
    assertThat(
            headers(
                ann.out()
                    .get(1)
                    .getRequestBody()
                    .getResponse()
                    .getHeaderMutation()
                    .getSetHeadersList()))
        .containsEntry("x-asked", "ann");
    ann.clear();
    bob.clear();
    // the answers come in the other order, each phase run on its own stream
    bob.send(responseHeaders("application/json", false));
    ann.send(responseHeaders("application/json", false));
    bob.send(responseBody("{}", true));
    ann.send(responseBody("{}", true));
    for (var e : Map.of(ann, "ann", bob, "bob").entrySet()) {
      assertThat(e.getKey().out()).as("answers (failed: %s)", e.getKey().failed()).hasSize(2);
      assertThat(
              headers(
                  e.getKey()
                      .out()
                      .get(0)
                      .getResponseHeaders()
                      .getResponse()
                      .getHeaderMutation()
                      .getSetHeadersList()))
          .containsEntry("x-who", e.getValue())
          .containsEntry("x-phase", "response")
          .containsEntry("x-status", "200");
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** A stream of the real service on {@code rego}, recording what it sends. */
  static final class Stream {
    private final RecordingObserver<ProcessingResponse> answers = new RecordingObserver<>();
    final StreamObserver<ProcessingRequest> observer;

    Stream(ExternalProcessorService service) {
      observer = service.process(answers);
    }

    void send(ProcessingRequest r) {
      observer.onNext(r);
    }

    /** The answers sent since the stream began or the last {@link #clear()}, in order. */
    List<ProcessingResponse> out() {
      return answers.responses();
    }

    /** The status the stream failed with, or null. */
    Status failed() {
      List<Throwable> errors = answers.errors();
      return errors.isEmpty() ? null : Status.fromThrowable(errors.getLast());
    }

    /** Forgets the answers so far. */
    void clear() {
      answers.clear();
    }

    /** The one answer sent since the last call, which it clears. */
    ProcessingResponse only() {
      List<ProcessingResponse> out = out();
      assertThat(out).as("answers (failed: %s)", failed()).hasSize(1);
      clear();
      return out.get(0);
    }
  }

  Stream stream(String rego, ExternalProcessorService.Config config) {
    return stream(rego, config, AuthorizationService.Config.defaults());
  }

  Stream stream(
      String rego, ExternalProcessorService.Config config, AuthorizationService.Config check) {
    return new Stream(service(rego, config, check));
  }

  /** The real service on {@code rego}, for streams of its own. */
  ExternalProcessorService service(
      String rego, ExternalProcessorService.Config config, AuthorizationService.Config check) {
    PolicyHolder policies = new PolicyHolder();
    try {
      Path bundle = Files.createDirectories(dir.resolve("bundle-" + System.nanoTime()));
      Files.writeString(bundle.resolve("policy.rego"), rego);
      policies.activate(JregoServer.load(bundle));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return new ExternalProcessorService(
        policies,
        new ServerMetrics(),
        check.withEvalTimeout(java.time.Duration.ofSeconds(5)),
        config);
  }

  /** A stream whose request (a chat body) has been answered; answers so far cleared. */
  Stream requestDone(String rego, ExternalProcessorService.Config config) {
    return requestDone(rego, config, AuthorizationService.Config.defaults());
  }

  Stream requestDone(
      String rego, ExternalProcessorService.Config config, AuthorizationService.Config check) {
    Stream s = stream(rego, config, check);
    s.send(requestHeaders(BodySendMode.BUFFERED, false, "application/json"));
    s.send(requestBody("{\"messages\":[{\"content\":\"hello\"}]}", true));
    assertThat(s.out()).hasSize(2);
    assertThat(s.out().get(1).hasRequestBody()).isTrue();
    s.clear();
    return s;
  }

  static ExternalProcessorService.Config defaults() {
    return ExternalProcessorService.Config.defaults();
  }

  static ExternalProcessorService.Config config(ProcessStream.Strategy strategy, int maxBody) {
    return new ExternalProcessorService.Config("envoy/process", strategy, maxBody, 16_384);
  }

  static ProcessingMode mode(
      BodySendMode requestBody, HeaderSendMode responseHeaders, BodySendMode responseBody) {
    boolean duplex = responseBody == BodySendMode.FULL_DUPLEX_STREAMED;
    return ProcessingMode.newBuilder()
        .setRequestBodyMode(requestBody)
        .setRequestTrailerMode(HeaderSendMode.SKIP)
        .setResponseHeaderMode(responseHeaders)
        .setResponseBodyMode(responseBody)
        .setResponseTrailerMode(duplex ? HeaderSendMode.SEND : HeaderSendMode.SKIP)
        .build();
  }

  static ProcessingRequest requestHeaders(
      BodySendMode bodyMode, boolean endOfStream, String contentType) {
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(
            ProtocolConfiguration.newBuilder()
                .setRequestBodyMode(bodyMode)
                .setResponseBodyMode(BodySendMode.NONE))
        .setRequestHeaders(
            HttpHeaders.newBuilder()
                .setHeaders(
                    headerMap(
                        Map.of(
                            ":method", "POST",
                            ":path", "/v1/chat/completions",
                            ":authority", "models.local",
                            "content-type", contentType)))
                .setEndOfStream(endOfStream))
        .build();
  }

  static ProcessingRequest requestBody(String body, boolean end) {
    return ProcessingRequest.newBuilder()
        .setRequestBody(
            HttpBody.newBuilder().setBody(ByteString.copyFromUtf8(body)).setEndOfStream(end))
        .build();
  }

  static ProcessingRequest responseHeaders(String contentType, boolean endOfStream) {
    return responseHeaders(contentType, endOfStream, Map.of());
  }

  static ProcessingRequest responseHeaders(
      String contentType, boolean endOfStream, Map<String, String> more) {
    Map<String, String> h = new java.util.LinkedHashMap<>(more);
    h.put(":status", "200");
    h.put("content-type", contentType);
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(
            HttpHeaders.newBuilder().setHeaders(headerMap(h)).setEndOfStream(endOfStream))
        .build();
  }

  static ProcessingRequest responseBody(String body, boolean end) {
    return responseBody(ByteString.copyFromUtf8(body), end);
  }

  static ProcessingRequest responseBody(ByteString body, boolean end) {
    return ProcessingRequest.newBuilder()
        .setResponseBody(HttpBody.newBuilder().setBody(body).setEndOfStream(end))
        .build();
  }

  static HeaderMap headerMap(Map<String, String> headers) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    headers.forEach(
        (k, v) ->
            m.addHeaders(
                HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
    return m.build();
  }

  static Map<String, String> headers(List<HeaderValueOption> options) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (HeaderValueOption o : options) {
      out.put(
          o.getHeader().getKey(),
          o.getHeader().getRawValue().isEmpty()
              ? o.getHeader().getValue()
              : o.getHeader().getRawValue().toString(StandardCharsets.UTF_8));
    }
    return out;
  }

  static byte[] gzip(String text) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }
}
