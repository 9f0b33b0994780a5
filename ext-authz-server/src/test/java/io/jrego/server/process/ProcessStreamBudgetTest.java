package io.jrego.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Status;
import io.jrego.engine.value.Json;
import io.jrego.server.body.Redactions;
import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetMetrics;
import io.jrego.server.budget.BudgetSettler;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.StreamCutter;
import io.jrego.server.budget.Window;
import io.jrego.server.decide.Outcome;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.PhaseDecision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A stream that only settles a reservation (the policy defines no ext_proc rule): Check reserves
 * 1,000 tokens, the stream reads the reservation from the forwarded ext_authz metadata, passes the
 * bodies on unchanged and settles with the usage the answer reports.
 */
class ProcessStreamBudgetTest {

  private final BudgetStore store = new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 1_000);
  private final BudgetGate gate =
      new BudgetGate(store, new BudgetMetrics(new SimpleMeterRegistry()));
  private final Budget budget = Budget.tokens("caller:a", Window.HOUR, 10_000);
  private final List<ProcessingResponse> sent = new ArrayList<>();
  private final List<Status> failed = new ArrayList<>();

  private static final ProtocolConfiguration PROTOCOL =
      ProtocolConfiguration.newBuilder()
          .setRequestBodyMode(BodySendMode.BUFFERED)
          .setResponseBodyMode(BodySendMode.NONE)
          .build();

  /** A runner for a policy that defines no ext_proc rule (or no policy at all). */
  private static PhaseRunner noRules(boolean policy) {
    return new PhaseRunner() {
      @Override
      public boolean hasPolicy() {
        return policy;
      }

      @Override
      public boolean defines(Phase phase) {
        return false;
      }

      @Override
      public Outcome<PhaseDecision> run(Phase phase, Input input) {
        throw new AssertionError("no rule to run");
      }

      @Override
      public void failed(Phase phase, CheckException error) {}

      @Override
      public void found(Phase phase, List<Redactions.Hit> hits) {}
    };
  }

  private ProcessStream stream(boolean policy) {
    return stream(policy, ProcessStream.Config.defaults());
  }

  private ProcessStream stream(boolean policy, ProcessStream.Config config) {
    return new ProcessStream(
        noRules(policy),
        config,
        new ProcessStream.Sink() {
          @Override
          public void send(ProcessingResponse response) {
            sent.add(response);
          }

          @Override
          public void fail(Status status) {
            failed.add(status);
          }
        },
        Optional.of(gate));
  }

  /** Reserves 1,000 tokens as Check would; the metadata Envoy forwards to ext_proc. */
  private Metadata check(boolean includeUsage) throws Exception {
    return check("\"include_usage\": " + includeUsage);
  }

  /** As {@link #check(boolean)}, with more fields of the budget ({@code extra}, JSON members). */
  private Metadata check(String extra) throws Exception {
    CheckResponse ok =
        CheckResponse.newBuilder()
            .setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE))
            .setOkResponse(OkHttpResponse.getDefaultInstance())
            .build();
    BudgetGate.Outcome o =
        gate.reserve(
            Json.parse(
                "{\"allowed\": true, \"budget\": {\"estimate\": 1000, "
                    + extra
                    + ", \"limits\": [{\"key\": \"caller:a\", \"window\": \"hour\","
                    + " \"limit_tokens\": 10000}]}}"),
            UUID.randomUUID().toString(),
            ok);
    Struct meta = ((BudgetGate.Outcome.Reserved) o).response().getDynamicMetadata();
    return Metadata.newBuilder().putFilterMetadata(BudgetSettler.EXT_AUTHZ_NAMESPACE, meta).build();
  }

  private static HeaderMap headers(String... kv) {
    HeaderMap.Builder h = HeaderMap.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      h.addHeaders(HeaderValue.newBuilder().setKey(kv[i]).setRawValue(utf8(kv[i + 1])));
    }
    return h.build();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static ProcessingRequest requestHeaders(Metadata meta) {
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(PROTOCOL)
        .setMetadataContext(meta)
        .setRequestHeaders(
            HttpHeaders.newBuilder()
                .setHeaders(
                    headers(
                        ":method",
                        "POST",
                        ":path",
                        "/v1/chat/completions",
                        "content-type",
                        "application/json")))
        .build();
  }

  private static ProcessingRequest requestBody(String body) {
    return ProcessingRequest.newBuilder()
        .setRequestBody(HttpBody.newBuilder().setBody(utf8(body)).setEndOfStream(true))
        .build();
  }

  private static ProcessingRequest responseHeaders(String contentType) {
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(
            HttpHeaders.newBuilder()
                .setHeaders(headers(":status", "200", "content-type", contentType)))
        .build();
  }

  private static ProcessingRequest responseBody(String piece, boolean end) {
    return ProcessingRequest.newBuilder()
        .setResponseBody(HttpBody.newBuilder().setBody(utf8(piece)).setEndOfStream(end))
        .build();
  }

  /** The bytes the stream sent on as the response body, in order. */
  private String responseOut() {
    StringBuilder out = new StringBuilder();
    for (ProcessingResponse r : sent) {
      if (r.hasResponseBody()) {
        out.append(
            r.getResponseBody()
                .getResponse()
                .getBodyMutation()
                .getStreamedResponse()
                .getBody()
                .toStringUtf8());
      }
    }
    return out.toString();
  }

  @Test
  void aReservationAsksForTheResponseBody_andAJsonAnswerSettlesItsUsage() throws Exception {
    ProcessStream s = stream(true);
    s.onMessage(requestHeaders(check(false)));
    ProcessingResponse first = sent.getFirst();
    assertThat(first.getModeOverride().getResponseBodyMode())
        .isEqualTo(BodySendMode.FULL_DUPLEX_STREAMED);
    assertThat(first.getModeOverride().getRequestBodyMode()).isEqualTo(BodySendMode.BUFFERED);
    s.onMessage(requestBody("{\"model\":\"m\",\"messages\":[]}"));
    assertThat(sent.get(1).getRequestBody().getResponse().hasBodyMutation()).isFalse();
    assertThat(store.usage(budget).reserved()).isEqualTo(1000);

    String json =
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":1160,"
            + "\"total_tokens\":1200}}";
    s.onMessage(responseHeaders("application/json"));
    s.onMessage(responseBody(json.substring(0, 30), false));
    assertThat(store.usage(budget).reserved()).isEqualTo(1000);
    s.onMessage(responseBody(json.substring(30), true));
    assertThat(responseOut()).isEqualTo(json);
    // the overshoot of 200 is charged
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(1200, 0, 1, 0));
    s.onClosed();
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(1200, 0, 1, 0));
    assertThat(failed).isEmpty();
  }

  @Test
  void aStreamingRequestIsAskedForUsage_andTheSseUsageChunkSettles() throws Exception {
    ProcessStream s = stream(true);
    s.onMessage(requestHeaders(check(true)));
    s.onMessage(requestBody("{\"model\":\"m\", \"stream\": true,\"messages\":[]}"));
    var answer = sent.get(1).getRequestBody().getResponse();
    String forwarded = answer.getBodyMutation().getBody().toStringUtf8();
    assertThat(answer.getHeaderMutation().getSetHeadersList())
        .anySatisfy(
            h -> {
              assertThat(h.getHeader().getKey()).isEqualTo("content-length");
              assertThat(h.getHeader().getRawValue().toStringUtf8())
                  .isEqualTo(String.valueOf(forwarded.length()));
            });
    // spliced: the client's bytes kept, the member added at the end
    assertThat(forwarded)
        .isEqualTo(
            "{\"model\":\"m\", \"stream\": true,\"messages\":[],"
                + "\"stream_options\":{\"include_usage\":true}}");

    s.onMessage(responseHeaders("text/event-stream"));
    String sse =
        "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
            + "\"total_tokens\":15}}\n\ndata: [DONE]\n\n";
    for (int i = 0; i < sse.length(); i += 20) {
      s.onMessage(responseBody(sse.substring(i, Math.min(sse.length(), i + 20)), false));
    }
    assertThat(store.usage(budget).reserved()).isEqualTo(1000);
    s.onMessage(
        ProcessingRequest.newBuilder()
            .setResponseTrailers(HttpTrailers.getDefaultInstance())
            .build());
    assertThat(responseOut()).isEqualTo(sse);
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(15, 0, 1, 0));
  }

  @Test
  void aStreamClosedMidAnswerReleasesAsTheLeasePolicySays() throws Exception {
    ProcessStream s = stream(true);
    s.onMessage(requestHeaders(check(false)));
    s.onMessage(requestBody("{\"stream\":true}"));
    s.onMessage(responseHeaders("text/event-stream"));
    s.onMessage(responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"par", false));
    assertThat(store.usage(budget).inFlight()).isEqualTo(1);
    s.onClosed(); // the client went away
    // the default lease policy charges the estimate of an answer whose usage is unknown
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(1000, 0, 1, 0));
  }

  @Test
  void aRequestRefusedBeforeTheUpstreamIsRefunded() throws Exception {
    ProcessStream s = stream(false); // no policy: the stream fails at the request headers
    s.onMessage(requestHeaders(check(false)));
    assertThat(failed).hasSize(1);
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(0, 0, 1, 0));
    s.onClosed();
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(0, 0, 1, 0));
  }

  /** {@code --response-body-mode streamed}: the mode is set at the response headers. */
  private static ProcessStream.Config streamed() {
    ProcessStream.Config d = ProcessStream.Config.defaults();
    return new ProcessStream.Config(
        ProcessStream.Strategy.STREAMED,
        d.maxBodyBytes(),
        d.maxHold(),
        d.onError(),
        d.errorStatus(),
        d.input());
  }

  private static ProcessingRequest trailers() {
    return ProcessingRequest.newBuilder()
        .setResponseTrailers(HttpTrailers.getDefaultInstance())
        .build();
  }

  @Test
  void streamedMode_overridesTheBodyJustToReadUsage_passesItUnchanged_andSettles()
      throws Exception {
    ProcessStream s = stream(true, streamed());
    s.onMessage(requestHeaders(check(false)));
    assertThat(sent.getFirst().getModeOverride().getResponseBodyMode())
        .isEqualTo(BodySendMode.NONE);
    s.onMessage(requestBody("{\"stream\":true}"));
    s.onMessage(responseHeaders("text/event-stream"));
    ProcessingResponse headers = sent.getLast();
    assertThat(headers.hasResponseHeaders()).isTrue();
    assertThat(headers.getModeOverride().getResponseBodyMode()).isEqualTo(BodySendMode.STREAMED);
    String sse =
        "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
            + "\"total_tokens\":15}}\n\ndata: [DONE]\n\n";
    int answers = sent.size();
    s.onMessage(responseBody(sse.substring(0, 40), false));
    s.onMessage(responseBody(sse.substring(40), true));
    // one answer per piece, none replacing the body
    assertThat(sent.subList(answers, sent.size()))
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getResponseBody().getResponse().hasBodyMutation()).isFalse());
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(15, 0, 1, 0));
    assertThat(failed).isEmpty();
  }

  @Test
  void streamedMode_anAnswerEndingWithTrailersSettles_notReleases() throws Exception {
    ProcessStream s = stream(true, streamed());
    s.onMessage(requestHeaders(check(false)));
    s.onMessage(requestBody("{\"stream\":true}"));
    s.onMessage(responseHeaders("text/event-stream"));
    // an HTTP/2 answer with trailers: Envoy marks no body piece last, the trailers end it
    assertThat(sent.getLast().getModeOverride().getResponseTrailerMode())
        .isEqualTo(
            io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode
                .SEND);
    s.onMessage(
        responseBody(
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":30,"
                + "\"total_tokens\":40}}\n\ndata: [DONE]\n\n",
            false));
    assertThat(store.usage(budget).reserved()).isEqualTo(1000);
    s.onMessage(trailers());
    assertThat(sent.getLast().hasResponseTrailers()).isTrue();
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(40, 0, 1, 0));
    s.onClosed();
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(40, 0, 1, 0));
  }

  @Test
  void fullDuplex_anAnswerEndingWithTrailersSettles() throws Exception {
    ProcessStream s = stream(true);
    s.onMessage(requestHeaders(check(false)));
    assertThat(sent.getFirst().getModeOverride().getResponseTrailerMode())
        .isEqualTo(
            io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode
                .SEND);
    s.onMessage(requestBody("{}"));
    s.onMessage(responseHeaders("application/json"));
    s.onMessage(
        responseBody(
            "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}", false));
    s.onMessage(trailers());
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(3, 0, 1, 0));
  }

  private static String chunk(String content) {
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"}}]}\n\n";
  }

  @Test
  void aStreamPastItsCutOff_endsWithTheErrorEvent_andIsChargedWhatPassed() throws Exception {
    ProcessStream s = stream(true);
    // 1,000 reserved, 994 of them the prompt: 6 tokens of answer may pass
    s.onMessage(
        requestHeaders(
            check(
                "\"on_overshoot\": \"cut\", \"prompt_tokens\": 994,"
                    + " \"tokenizer\": \"gpt-4o-mini\"")));
    s.onMessage(requestBody("{\"stream\":true}"));
    s.onMessage(responseHeaders("text/event-stream"));
    String passed = chunk(" one") + chunk(" two") + chunk(" three");
    s.onMessage(responseBody(passed + chunk(" four").substring(0, 10), false));
    assertThat(responseOut()).isEqualTo(passed);
    s.onMessage(responseBody(chunk(" four").substring(10) + chunk(" five six seven"), false));
    assertThat(responseOut())
        .isEqualTo(
            passed
                + chunk(" four")
                + new String(StreamCutter.errorEvent(6), StandardCharsets.UTF_8));
    ProcessingResponse last = sent.getLast();
    assertThat(
            last.getResponseBody()
                .getResponse()
                .getBodyMutation()
                .getStreamedResponse()
                .getEndOfStream())
        .isTrue();
    // charged at once: the prompt and the 4 tokens that passed
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(998, 0, 1, 0));
    int answers = sent.size();
    s.onMessage(responseBody(chunk(" eight"), true)); // the rest, if Envoy sends it: ignored
    s.onClosed();
    assertThat(sent).hasSize(answers);
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(998, 0, 1, 0));
    assertThat(failed).isEmpty();
  }

  @Test
  void aStreamWithinItsCutOff_passesWhole_andSettlesWithTheReportedUsage() throws Exception {
    ProcessStream s = stream(true);
    s.onMessage(requestHeaders(check("\"on_overshoot\": \"cut\", \"prompt_tokens\": 990")));
    s.onMessage(requestBody("{\"stream\":true}"));
    s.onMessage(responseHeaders("text/event-stream"));
    String sse =
        chunk(" short")
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":990,\"completion_tokens\":1,"
            + "\"total_tokens\":991}}\n\ndata: [DONE]\n\n";
    s.onMessage(responseBody(sse, true));
    assertThat(responseOut()).isEqualTo(sse);
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(991, 0, 1, 0));
  }

  @Test
  void streamedMode_aCutReplacesThePiece_andEmptiesTheRest() throws Exception {
    ProcessStream s = stream(true, streamed());
    s.onMessage(
        requestHeaders(
            check(
                "\"on_overshoot\": \"cut\", \"prompt_tokens\": 998,"
                    + " \"tokenizer\": \"gpt-4o-mini\"")));
    s.onMessage(requestBody("{\"stream\":true}"));
    s.onMessage(responseHeaders("text/event-stream"));
    s.onMessage(responseBody(chunk(" one") + chunk(" two") + chunk(" three"), false));
    assertThat(
            sent.getLast()
                .getResponseBody()
                .getResponse()
                .getBodyMutation()
                .getBody()
                .toStringUtf8())
        .isEqualTo(
            chunk(" one")
                + chunk(" two")
                + new String(StreamCutter.errorEvent(2), StandardCharsets.UTF_8));
    s.onMessage(responseBody(chunk(" four"), true));
    assertThat(sent.getLast().getResponseBody().getResponse().getBodyMutation().getClearBody())
        .isTrue();
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(1000, 0, 1, 0));
  }

  @Test
  void withoutAReservationNothingChanges() {
    ProcessStream s = stream(true);
    s.onMessage(requestHeaders(Metadata.getDefaultInstance()));
    ProcessingResponse first = sent.getFirst();
    // no rule and no reservation: nothing after the request headers
    assertThat(first.getModeOverride().getResponseBodyMode()).isEqualTo(BodySendMode.NONE);
    assertThat(first.getModeOverride().getRequestBodyMode()).isEqualTo(BodySendMode.NONE);
  }
}
