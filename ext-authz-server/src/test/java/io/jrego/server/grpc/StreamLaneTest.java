package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetMetrics;
import io.jrego.server.budget.BudgetSettler;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.observe.DecisionRecorder;
import io.jrego.server.policy.PolicyHolder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ext_proc stream as the server runs it ({@link StreamLane}), without sockets: the real service
 * and policy, a recorded gRPC call and a check-thread pool whose tasks the test runs by hand. What
 * is asserted is where each message is handled (at once, or as a task), that the next message is
 * asked for only once the last is handled, and that the end of a stream waits for the message in
 * hand.
 */
class StreamLaneTest {

  static final String POLICY =
      """
      package envoy.process

      request := {"allowed": true,
        "body_edits": [{"op": "pii", "path": "/messages/0/content", "action": "redact",
                        "types": ["email"]}]}

      response := {"allowed": true, "body_edits": [{"op": "remove", "path": "/secret"}]}
        if not input.response.stream

      response := {"allowed": true, "stream": {"pii": [{"action": "redact", "types": ["email"]}]}}
        if input.response.stream
      """;

  @TempDir Path dir;

  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private final Call call = new Call();
  private StreamObserver<ProcessingRequest> stream;
  private final PolicyHolder policies = new PolicyHolder();

  @BeforeEach
  void open() throws Exception {
    Files.writeString(dir.resolve("policy.rego"), POLICY);
    policies.activate(JregoServer.load(dir));
    ExternalProcessorService service = service();
    service.offload(tasks::add);
    stream = service.process(call);
  }

  @Test
  void lightMessagesAreHandledAtOnce_evaluationsOnACheckThread_oneMessageAtATime() {
    assertThat(call.requested).as("the first message is asked for").isEqualTo(1);

    stream.onNext(requestHeaders());
    assertThat(tasks).as("the request headers need no evaluation").isEmpty();
    assertThat(call.out).hasSize(1);
    assertThat(call.requested).isEqualTo(2);

    stream.onNext(body(false, "{\"messages\":[{\"content\":\"to ann@example.com\"}]}", true));
    assertThat(tasks).as("the request phase runs on a check thread").hasSize(1);
    assertThat(call.out).hasSize(1);
    assertThat(call.requested).as("nothing more is asked for meanwhile").isEqualTo(2);
    tasks.poll().run();
    assertThat(call.out).hasSize(2);
    assertThat(requestBody(call)).isEqualTo("{\"messages\":[{\"content\":\"to <EMAIL_1>\"}]}");
    assertThat(call.requested).isEqualTo(3);

    stream.onNext(responseHeaders("application/json"));
    stream.onNext(body(true, "{\"a\":1,", false));
    assertThat(tasks).as("holding a JSON answer's headers and its first piece is light").isEmpty();
    assertThat(call.requested).isEqualTo(5);
    stream.onNext(body(true, "\"secret\":2}", true));
    assertThat(tasks).as("the response phase runs on a check thread").hasSize(1);
    tasks.poll().run();
    assertThat(call.out.get(call.out.size() - 1).getResponseBody().getResponse().getBodyMutation())
        .satisfies(
            m ->
                assertThat(m.getStreamedResponse().getBody().toStringUtf8())
                    .isEqualTo("{\"a\":1}"));
  }

  @Test
  void smallSsePiecesPassAtOnce_largeOnesOnACheckThread() {
    stream.onNext(requestHeaders());
    stream.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    tasks.poll().run();
    stream.onNext(responseHeaders("text/event-stream"));
    assertThat(tasks).as("an SSE answer's decision is made at its headers").hasSize(1);
    tasks.poll().run();
    int answered = call.out.size();
    stream.onNext(body(true, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n", false));
    assertThat(tasks).isEmpty();
    assertThat(call.out.size()).isGreaterThan(answered);
    String big = "data: {\"choices\":[{\"delta\":{\"content\":\"" + "x".repeat(5000) + "\"}}]}\n\n";
    stream.onNext(body(true, big, false));
    assertThat(tasks).as("a piece over 4 KiB is scanned on a check thread").hasSize(1);
  }

  @Test
  void aResponsePhaseKnownToBeCheap_isDecidedWhereTheHeadersArrive() {
    ExternalProcessorService service = service();
    service.offload(tasks::add);
    int stream = 0;
    boolean inline = false;
    // each evaluation of this policy's response phase uses microseconds of CPU once compiled; cold,
    // an evaluation may use more than the bound and start the streak again, hence the many streams
    for (; stream < 2_000 && !inline; stream++) {
      Call c = new Call();
      StreamObserver<ProcessingRequest> s = toStreamedAnswer(service, c);
      inline = tasks.isEmpty();
      if (stream < PhaseCost.STREAK) {
        assertThat(inline).as("stream %d: not known to be cheap yet", stream).isFalse();
      }
      if (!inline) {
        tasks.poll().run();
      }
      assertThat(c.out.get(c.out.size() - 1).hasResponseHeaders())
          .as("the answer's headers are answered, wherever they were decided")
          .isTrue();
      s.onNext(sse("to ann@example.com and more text"));
      s.onNext(body(true, "data: [DONE]\n\n", true));
      assertThat(tasks).isEmpty();
      assertThat(contentOf(streamed(c.out))).isEqualTo("to <EMAIL_1> and more text");
    }
    assertThat(inline)
        .as("after %d streams the response phase is decided on the transport thread", stream)
        .isTrue();
  }

  @Test
  void aJsonAnswersPhaseKnownToBeCheap_isDecidedWhereItArrives_neverTheRequestPhase() {
    ExternalProcessorService service = service();
    service.offload(tasks::add);
    String prompt = "{\"messages\":[{\"content\":\"to ann@example.com\"}]}";
    int stream = 0;
    boolean answerInline = false;
    // each evaluation uses microseconds of CPU once compiled; cold, one may use more than the bound
    // and start the streak again, hence the many streams
    for (; stream < 2_000 && !answerInline; stream++) {
      Call c = new Call();
      StreamObserver<ProcessingRequest> s = service.process(c);
      s.onNext(requestHeaders());
      s.onNext(body(false, prompt, true));
      // the request phase reads the caller's body: however cheap it has been, a caller could send
      // one the policy finds costly, so it never runs on the transport thread
      assertThat(tasks).as("stream %d: the request body goes to a check thread", stream).hasSize(1);
      assertThat(c.out)
          .as("stream %d: nothing answered before the check thread ran", stream)
          .hasSize(1);
      tasks.poll().run();
      assertThat(requestBody(c))
          .as("stream %d: redacted", stream)
          .isEqualTo("{\"messages\":[{\"content\":\"to <EMAIL_1>\"}]}");
      assertThat(c.requested).as("stream %d: the next message asked for", stream).isEqualTo(3);

      s.onNext(responseHeaders("application/json"));
      s.onNext(body(true, "{\"a\":1,\"secret\":2}", true));
      boolean answer = tasks.isEmpty();
      if (stream < PhaseCost.STREAK) {
        assertThat(answer)
            .as("stream %d: the answer's phase not known to be cheap", stream)
            .isFalse();
      }
      answerInline |= answer;
      if (!answer) {
        tasks.poll().run();
      }
      assertThat(lastAnswerBody(c))
          .as("stream %d: the answer edited wherever it was decided", stream)
          .isEqualTo("{\"a\":1}");
    }
    assertThat(answerInline)
        .as("after %d streams the answer's phase is decided on the transport thread", stream)
        .isTrue();

    // an answer over the bound still goes to a check thread: its edit's cost grows with it
    Call big = new Call();
    StreamObserver<ProcessingRequest> s = service.process(big);
    s.onNext(requestHeaders());
    s.onNext(body(false, prompt, true));
    tasks.poll().run();
    s.onNext(responseHeaders("application/json"));
    s.onNext(
        body(
            true,
            "{\"a\":\""
                + "x".repeat(io.jrego.server.process.ProcessStream.INLINE_BODY_BYTES)
                + "\",\"secret\":2}",
            true));
    assertThat(tasks).as("an answer over %d bytes", 8192).hasSize(1);
    tasks.poll().run();
    assertThat(lastAnswerBody(big)).startsWith("{\"a\":\"xxx").doesNotContain("secret");
  }

  /** The request body the answer to {@code c}'s request-body message (its second) sent on. */
  private static String requestBody(Call c) {
    return c.out.get(1).getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8();
  }

  /** The answer body the last response-body message of {@code c} sent on. */
  private static String lastAnswerBody(Call c) {
    return c.out
        .get(c.out.size() - 1)
        .getResponseBody()
        .getResponse()
        .getBodyMutation()
        .getStreamedResponse()
        .getBody()
        .toStringUtf8();
  }

  @Test
  void eachMessageIsTimedFromItsArrival_byTheThreadThatHandledIt() {
    ServerMetrics metrics = new ServerMetrics();
    ExternalProcessorService service =
        new ExternalProcessorService(
            policies,
            metrics,
            AuthorizationService.Config.defaults().withEvalTimeout(java.time.Duration.ofSeconds(5)),
            ExternalProcessorService.Config.defaults());
    service.offload(tasks::add);
    assertThat(handled(metrics, "request_body", "check"))
        .as("every series exists before the first message")
        .isEqualTo(0);
    assertThat(handled(metrics, "response_trailers", "transport")).isEqualTo(0);
    StreamObserver<ProcessingRequest> s = service.process(new Call());
    s.onNext(requestHeaders());
    s.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    assertThat(handled(metrics, "request_body", "check"))
        .as("a message in a check thread's queue is not handled yet")
        .isEqualTo(0);
    tasks.poll().run();
    assertThat(handled(metrics, "request_headers", "transport")).isEqualTo(1);
    assertThat(handled(metrics, "request_body", "check")).isEqualTo(1);
    assertThat(handled(metrics, "request_body", "transport")).isEqualTo(0);
    assertThat(metrics.scrape())
        .containsPattern(
            "jrego_process_message_seconds_sum\\{message=\"request_body\",thread=\"check\"\\}"
                + " [0-9.E-]*[1-9]");
  }

  /** {@code jrego_process_message_seconds_count{message, thread}}, or -1 without the series. */
  private static long handled(ServerMetrics metrics, String message, String thread) {
    String head =
        "jrego_process_message_seconds_count{message=\""
            + message
            + "\",thread=\""
            + thread
            + "\"} ";
    return metrics
        .scrape()
        .lines()
        .filter(l -> l.startsWith(head))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(head.length()).trim()))
        .findFirst()
        .orElse(-1);
  }

  @Test
  void aPolicyThatCallsANonDeterministicBuiltin_isNeverDecidedOnTheTransportThread()
      throws Exception {
    // http.send would wait on the network using no CPU: its CPU cost says nothing of how long it
    // would hold the transport thread, so such a policy is never taken for cheap
    Files.writeString(
        dir.resolve("policy.rego"),
        POLICY.replace(
            "if input.response.stream", "if { input.response.stream; time.now_ns() > 0 }"));
    policies.activate(JregoServer.load(dir));
    ExternalProcessorService service = service();
    service.offload(tasks::add);
    for (int stream = 0; stream < 4 * PhaseCost.STREAK; stream++) {
      Call c = new Call();
      StreamObserver<ProcessingRequest> s = service.process(c);
      s.onNext(requestHeaders());
      s.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
      assertThat(tasks).as("stream %d: the request body goes to a check thread", stream).hasSize(1);
      tasks.poll().run();
      s.onNext(responseHeaders("text/event-stream"));
      assertThat(tasks)
          .as("stream %d: the response headers go to a check thread", stream)
          .hasSize(1);
      tasks.poll().run();
      assertThat(c.out.get(c.out.size() - 1).hasResponseHeaders()).isTrue();
    }
  }

  @Test
  void withABudgetStore_aStreamWithoutAReservation_isAsLightAsWithout() {
    stream = withBudgets().process(call);
    stream.onNext(requestHeaders());
    assertThat(tasks).as("no reservation in the request headers").isEmpty();
    stream.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    tasks.poll().run();
    stream.onNext(responseHeaders("text/event-stream"));
    tasks.poll().run();
    int answered = call.out.size();
    stream.onNext(body(true, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n", false));
    assertThat(tasks).as("a small SSE piece passes at once, as without a budget store").isEmpty();
    assertThat(call.out.size()).isGreaterThan(answered);
  }

  @Test
  void aStreamThatSettlesAReservation_runsEveryMessageOnACheckThread() {
    stream = withBudgets().process(call);
    stream.onNext(
        requestHeaders().toBuilder()
            .setMetadataContext(
                Metadata.newBuilder()
                    .putFilterMetadata(
                        BudgetSettler.EXT_AUTHZ_NAMESPACE,
                        Struct.newBuilder()
                            .putFields(
                                BudgetGate.METADATA_KEY,
                                Value.newBuilder()
                                    .setStructValue(
                                        Struct.newBuilder()
                                            .putFields(
                                                "reservation_id",
                                                Value.newBuilder().setStringValue("r-1").build()))
                                    .build())
                            .build()))
            .build());
    assertThat(tasks).as("the request headers carry a reservation").hasSize(1);
    tasks.poll().run();
    stream.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    tasks.poll().run();
    stream.onNext(responseHeaders("text/event-stream"));
    tasks.poll().run();
    stream.onNext(body(true, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n", false));
    assertThat(tasks).as("its pieces feed the settler, whose end asks the store").hasSize(1);
  }

  @Test
  void onAnEventLoop_aLightMessageThatAnsweredHeadersAsksForTheNextBehindTheirFlush()
      throws Exception {
    // a blocking stream rule: the response headers wait for the first answer text judged
    Files.writeString(
        dir.resolve("policy.rego"),
        POLICY.replace(
            "\"stream\": {\"pii\": [{\"action\": \"redact\", \"types\": [\"email\"]}]}",
            "\"stream\": {\"pii\": [{\"action\": \"block\", \"types\": [\"secret\"]}]}"));
    policies.activate(JregoServer.load(dir));
    ArrayDeque<Runnable> loop = new ArrayDeque<>();
    ExternalProcessorService service = service();
    service.offload(tasks::add, () -> Optional.of(loop::add));
    Call call = new Call();
    stream = service.process(call);
    assertThat(call.requested).isEqualTo(1);

    stream.onNext(requestHeaders());
    assertThat(call.out).as("answered at once").hasSize(1);
    assertThat(call.requested)
        .as("the next message waits for a loop task, queued after the headers' flush")
        .isEqualTo(1);
    loop.poll().run();
    assertThat(call.requested).isEqualTo(2);

    stream.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    tasks.poll().run();
    assertThat(call.requested)
        .as("a check thread asks for the next itself: gRPC runs that on the loop")
        .isEqualTo(3);
    stream.onNext(responseHeaders("text/event-stream"));
    tasks.poll().run();
    assertThat(call.requested).isEqualTo(4);
    int answered = call.out.size();
    assertThat(loop).isEmpty();

    stream.onNext(sse("a"));
    assertThat(call.out).as("no text judged yet: the headers still wait").hasSize(answered);
    assertThat(call.requested).as("nothing answered: the next at once").isEqualTo(5);
    stream.onNext(sse(" the quick brown fox jumps over the lazy dog, again and again and again"));
    assertThat(call.out.get(answered).hasResponseHeaders())
        .as("the held headers leave with the first text judged")
        .isTrue();
    assertThat(call.requested).as("the next piece waits behind their flush").isEqualTo(5);
    loop.poll().run();
    assertThat(call.requested).isEqualTo(6);

    int before = call.out.size();
    stream.onNext(sse(" and more text that is long enough to release some of what is held"));
    assertThat(call.out.size()).as("a later piece's answer").isGreaterThan(before);
    assertThat(call.requested)
        .as("body answers of one read leave together: the next at once")
        .isEqualTo(7);
    assertThat(loop).isEmpty();
  }

  @Test
  void thePieceTheHeldHeadersWaitFor_hasItsHeadJudgedWhereItArrives_andItsRestOnACheckThread()
      throws Exception {
    ArrayDeque<Runnable> loop = blockingStream();
    int answered = call.out.size();
    // one network piece of many events (an answer Envoy read at once), an e-mail address split
    // across the first two: the head is judged here, the rest of the piece on a check thread
    StringBuilder piece =
        new StringBuilder(event("hello, the quick brown fox writes to jane.doe@exa"))
            .append(event("mple.com and then"));
    for (int i = 0; piece.length() < 3 * 4096; i++) {
      piece.append(event(" the quick brown fox number " + i + ","));
    }
    stream.onNext(body(true, piece.toString(), false));
    assertThat(call.out.get(answered).hasResponseHeaders())
        .as("the held headers leave before any check thread runs")
        .isTrue();
    assertThat(call.out.size()).as("with the first text judged").isGreaterThan(answered + 1);
    assertThat(tasks).as("the rest of the piece: one task").hasSize(1);
    int requested = call.requested;
    tasks.poll().run();
    assertThat(call.requested)
        .as("the next message once the rest is handled")
        .isEqualTo(requested + 1);
    stream.onNext(body(true, "data: [DONE]\n\n", true));
    assertThat(tasks).isEmpty();
    assertThat(loop).isEmpty();

    String all = streamed(call.out.subList(answered + 1, call.out.size()));
    String text = contentOf(all);
    assertThat(text).doesNotContain("jane.doe").doesNotContain("example.com").contains("<EMAIL_1>");
    assertThat(text.replace("<EMAIL_1>", "jane.doe@example.com"))
        .isEqualTo(contentOf(piece.toString()));
    assertThat(all).endsWith("data: [DONE]\n\n");
  }

  @Test
  void aKeyInTheHeadOfThePiece_isACleanRefusalWhereItArrives() throws Exception {
    blockingStream();
    int answered = call.out.size();
    StringBuilder piece = new StringBuilder(event("AKIAIOSFODNN7EXAMPLE is the key"));
    for (int i = 0; piece.length() < 2 * 4096; i++) {
      piece.append(event(" the quick brown fox number " + i + ","));
    }
    stream.onNext(body(true, piece.toString(), false));
    assertThat(tasks).as("refused on the transport thread").isEmpty();
    assertThat(call.out).hasSize(answered + 1);
    assertThat(call.out.get(answered).getImmediateResponse().getStatus().getCodeValue())
        .isEqualTo(502);
    assertThat(call.completed).isFalse();
  }

  /**
   * This test's stream on a policy whose stream rule can block (so the response headers wait for
   * the first judged text) and redacts e-mail addresses, its request done and its SSE response
   * headers held; returns the event loop's queue.
   */
  private ArrayDeque<Runnable> blockingStream() throws Exception {
    Files.writeString(
        dir.resolve("policy.rego"),
        POLICY.replace(
            "\"stream\": {\"pii\": [{\"action\": \"redact\", \"types\": [\"email\"]}]}",
            "\"stream\": {\"hold_back\": 16, \"pii\": [{\"action\": \"block\", \"types\":"
                + " [\"secret\"]}, {\"action\": \"redact\", \"types\": [\"email\"]}]}"));
    policies.activate(JregoServer.load(dir));
    ArrayDeque<Runnable> loop = new ArrayDeque<>();
    ExternalProcessorService service = service();
    service.offload(tasks::add, () -> Optional.of(loop::add));
    stream = service.process(call);
    stream.onNext(requestHeaders());
    loop.poll().run();
    stream.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    tasks.poll().run();
    stream.onNext(responseHeaders("text/event-stream"));
    tasks.poll().run();
    assertThat(call.out).as("the response headers are held").hasSize(2);
    return loop;
  }

  private static String event(String text) {
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"}}]}\n\n";
  }

  /**
   * Opens a stream on {@code service} for {@code c}, runs its request phase (headers, then a chat
   * body handled on a check thread) and sends the headers of a streamed answer.
   */
  private StreamObserver<ProcessingRequest> toStreamedAnswer(
      ExternalProcessorService service, Call c) {
    StreamObserver<ProcessingRequest> s = service.process(c);
    s.onNext(requestHeaders());
    s.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    tasks.poll().run();
    s.onNext(responseHeaders("text/event-stream"));
    return s;
  }

  /** The streamed response bodies of {@code out}, in order. */
  private static String streamed(List<ProcessingResponse> out) {
    StringBuilder all = new StringBuilder();
    for (ProcessingResponse p : out) {
      all.append(
          p.getResponseBody()
              .getResponse()
              .getBodyMutation()
              .getStreamedResponse()
              .getBody()
              .toStringUtf8());
    }
    return all.toString();
  }

  /** The answer text of a run of events: their {@code delta.content} values, joined. */
  private static String contentOf(String sse) {
    StringBuilder out = new StringBuilder();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"content\":\"([^\"]*)\"").matcher(sse);
    while (m.find()) {
      out.append(m.group(1));
    }
    return out.toString();
  }

  private static ProcessingRequest sse(String text) {
    return body(
        true, "data: {\"choices\":[{\"delta\":{\"content\":\"" + text + "\"}}]}\n\n", false);
  }

  /** The service as the server builds it, without budgets, on this test's policy. */
  private ExternalProcessorService service() {
    return new ExternalProcessorService(
        policies,
        new ServerMetrics(),
        AuthorizationService.Config.defaults().withEvalTimeout(java.time.Duration.ofSeconds(5)),
        ExternalProcessorService.Config.defaults());
  }

  /**
   * The same policy served with an embedded budget store, as {@code jrego serve} has by default.
   */
  private ExternalProcessorService withBudgets() {
    ExternalProcessorService service =
        new ExternalProcessorService(
            policies,
            new ServerMetrics(),
            AuthorizationService.Config.defaults().withEvalTimeout(java.time.Duration.ofSeconds(5)),
            ExternalProcessorService.Config.defaults(),
            DecisionRecorder.none(),
            Optional.of(
                new BudgetGate(
                    new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 100),
                    new BudgetMetrics(new SimpleMeterRegistry()))));
    service.offload(tasks::add);
    return service;
  }

  @Test
  void theEndOfAStream_waitsForTheMessageInHand() {
    stream.onNext(requestHeaders());
    stream.onNext(body(false, "{\"messages\":[{\"content\":\"to ann@example.com\"}]}", true));
    stream.onCompleted();
    assertThat(call.completed).as("not while the body is being handled").isFalse();
    tasks.poll().run();
    assertThat(call.out).hasSize(2);
    assertThat(call.completed).isTrue();
    assertThat(call.requested).as("nothing is asked for after the end").isEqualTo(2);
  }

  @Test
  void aCancelWhileAMessageIsInHand_closesTheStreamAfterIt() {
    stream.onNext(requestHeaders());
    stream.onNext(body(false, "{\"messages\":[{\"content\":\"hi\"}]}", true));
    call.onCancel.run();
    tasks.poll().run();
    stream.onNext(responseHeaders("text/event-stream"));
    assertThat(tasks).as("a closed stream does nothing more").isEmpty();
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** A gRPC server call that records what is sent and how many messages were asked for. */
  static final class Call extends ServerCallStreamObserver<ProcessingResponse> {
    final List<ProcessingResponse> out = new ArrayList<>();
    int requested;
    boolean completed;
    Runnable onCancel = () -> {};

    @Override
    public void onNext(ProcessingResponse r) {
      out.add(r);
    }

    @Override
    public void onError(Throwable t) {
      completed = true;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    @Override
    public void request(int n) {
      requested += n;
    }

    @Override
    public void disableAutoRequest() {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable r) {
      onCancel = r;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable r) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }

  static ProcessingRequest requestHeaders() {
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(
            ProtocolConfiguration.newBuilder()
                .setRequestBodyMode(BodySendMode.BUFFERED)
                .setResponseBodyMode(BodySendMode.NONE))
        .setRequestHeaders(
            HttpHeaders.newBuilder()
                .setHeaders(
                    headers(
                        Map.of(
                            ":method", "POST",
                            ":path", "/v1/chat/completions",
                            "content-type", "application/json"))))
        .build();
  }

  static ProcessingRequest responseHeaders(String contentType) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(":status", "200");
    h.put("content-type", contentType);
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headers(h)))
        .build();
  }

  static ProcessingRequest body(boolean response, String text, boolean end) {
    HttpBody b =
        HttpBody.newBuilder().setBody(ByteString.copyFromUtf8(text)).setEndOfStream(end).build();
    ProcessingRequest.Builder r = ProcessingRequest.newBuilder();
    return (response ? r.setResponseBody(b) : r.setRequestBody(b)).build();
  }

  static HeaderMap headers(Map<String, String> headers) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    headers.forEach(
        (k, v) ->
            m.addHeaders(
                HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v))));
    return m.build();
  }
}
