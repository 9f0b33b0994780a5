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
    return new ProcessStream(
        noRules(policy),
        ProcessStream.Config.defaults(),
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
    CheckResponse ok =
        CheckResponse.newBuilder()
            .setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE))
            .setOkResponse(OkHttpResponse.getDefaultInstance())
            .build();
    BudgetGate.Outcome o =
        gate.reserve(
            Json.parse(
                "{\"allowed\": true, \"budget\": {\"estimate\": 1000, \"include_usage\": "
                    + includeUsage
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
