package io.jrego.server.process;

import static io.jrego.server.process.ProcessStreamTest.REDACTING;
import static io.jrego.server.process.ProcessStreamTest.headerMap;
import static io.jrego.server.process.ProcessStreamTest.headers;
import static io.jrego.server.process.ProcessStreamTest.requestBody;
import static io.jrego.server.process.ProcessStreamTest.responseBody;
import static io.jrego.server.process.ProcessStreamTest.responseHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.jrego.server.process.ProcessStreamTest.Stream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy configured with the request body (and the response body) in {@code FULL_DUPLEX_STREAMED},
 * as the shipped {@code envoy.yaml} is: Envoy sends the body right behind the headers without
 * waiting for their answer, and honours no mode override. The answer to the request headers is held
 * until the body is decided and carries the decision; the body follows as full-duplex pieces.
 * Messages are fed in the order Envoy sends them to the real service and policy.
 */
class FullDuplexRequestTest {

  static final String CHAT = "{\"messages\":[{\"content\":\"mail ann@example.com now\"}]}";
  static final String REDACTED = "{\"messages\":[{\"content\":\"mail <EMAIL_1> now\"}]}";

  @TempDir Path dir;
  private final ProcessStreamTest streams = new ProcessStreamTest();

  @BeforeEach
  void useDir() {
    streams.dir = dir;
  }

  @Test
  void theHeadersAnswerWaitsForTheBody_andCarriesTheDecision_thenTheRedactedBodyWhole() {
    Stream s = streams.stream(REDACTING, ProcessStreamTest.defaults());
    s.send(requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED));
    assertThat(s.out()).as("nothing is answered before the body is decided").isEmpty();
    s.send(requestBody(CHAT.substring(0, 20), false));
    s.send(requestBody(CHAT.substring(20), true));
    assertThat(s.out()).hasSize(2);
    ProcessingResponse h = s.out().get(0);
    assertThat(h.hasRequestHeaders()).isTrue();
    assertThat(h.hasModeOverride()).as("Envoy ignores overrides in this mode").isFalse();
    CommonResponse c = h.getRequestHeaders().getResponse();
    assertThat(headers(c.getHeaderMutation().getSetHeadersList())).containsEntry("x-seen", "yes");
    assertThat(c.getHeaderMutation().getRemoveHeadersList()).contains("content-length");
    StreamedBodyResponse body = streamed(s.out().get(1));
    assertThat(body.getBody().toStringUtf8()).isEqualTo(REDACTED);
    assertThat(body.getEndOfStream()).isTrue();
  }

  @Test
  void aBodyEndedByTrailers_isDecidedAtTheTrailers_andItsLastPieceIsNotMarkedLast() {
    Stream s = streams.stream(REDACTING, ProcessStreamTest.defaults());
    s.send(requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED));
    s.send(requestBody(CHAT, false));
    assertThat(s.out()).isEmpty();
    s.send(requestTrailers());
    assertThat(s.out()).hasSize(3);
    assertThat(s.out().get(0).hasRequestHeaders()).isTrue();
    StreamedBodyResponse body = streamed(s.out().get(1));
    assertThat(body.getBody().toStringUtf8()).isEqualTo(REDACTED);
    assertThat(body.getEndOfStream()).as("the trailers end the request").isFalse();
    assertThat(s.out().get(2).hasRequestTrailers()).isTrue();
  }

  @Test
  void aDeniedRequest_isOneImmediateAnswer_andNoHeadersAnswer() {
    Stream s =
        streams.stream(
            """
            package envoy.process

            request := {"allowed": false, "http_status": 403, "body": "not this"}
              if contains(input.parsed_body.messages[0].content, "ann@")
            request := {"allowed": true} if not contains(input.parsed_body.messages[0].content, "ann@")
            """,
            ProcessStreamTest.defaults());
    s.send(requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED));
    s.send(requestBody(CHAT, true));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(403);
    assertThat(r.getBody().toStringUtf8()).isEqualTo("not this");
    s.send(requestTrailers());
    assertThat(s.out()).as("the stream is done").isEmpty();
  }

  @Test
  void aBodyOverTheLimit_is413_beforeItsLastPiece() {
    Stream s =
        streams.stream(REDACTING, ProcessStreamTest.config(ProcessStream.Strategy.FULL_DUPLEX, 64));
    s.send(requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED));
    s.send(requestBody("{\"messages\":[{\"content\":\"" + "x".repeat(30), false));
    assertThat(s.out()).isEmpty();
    s.send(requestBody("x".repeat(30), false));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(413);
    assertThat(r.getBody().toStringUtf8()).contains("exceeds the limit of 64");
    s.send(requestBody("\"}]}", true));
    assertThat(s.out()).isEmpty();
  }

  @Test
  void withoutProcessRules_everythingIsPassedOnAsItComes_inFullDuplex() {
    Stream s = streams.stream("package other\n\nx := 1\n", ProcessStreamTest.defaults());
    s.send(requestHeaders(BodySendMode.FULL_DUPLEX_STREAMED));
    ProcessingResponse h = s.only();
    assertThat(h.hasRequestHeaders()).as("no rule needs the body: the headers go on").isTrue();
    assertThat(h.hasModeOverride()).isFalse();
    s.send(requestBody("first ", false));
    assertThat(streamed(s.only()).getBody().toStringUtf8()).isEqualTo("first ");
    s.send(requestBody("and last", true));
    StreamedBodyResponse last = streamed(s.only());
    assertThat(last.getBody().toStringUtf8()).isEqualTo("and last");
    assertThat(last.getEndOfStream()).isTrue();
    // Envoy sends the answer too (its modes are fixed): each piece comes back as it was
    s.send(responseHeaders("text/event-stream", false));
    assertThat(s.only().hasResponseHeaders()).isTrue();
    s.send(responseBody("data: {\"x\":\"bob@example.org\"}\n\n", false));
    ProcessingResponse piece = s.only();
    assertThat(piece.getResponseBody().getResponse().getBodyMutation().getStreamedResponse())
        .satisfies(
            b -> {
              assertThat(b.getBody().toStringUtf8())
                  .isEqualTo("data: {\"x\":\"bob@example.org\"}\n\n");
              assertThat(b.getEndOfStream()).isFalse();
            });
  }

  @Test
  void aResponseBodyEnvoyWillNotSend_isRefused_neverPassedUnread() {
    Stream s = streams.stream(REDACTING, ProcessStreamTest.defaults());
    // a request body in full duplex (no override possible) and no response body configured
    s.send(
        ProcessingRequest.newBuilder()
            .setProtocolConfig(
                ProtocolConfiguration.newBuilder()
                    .setRequestBodyMode(BodySendMode.FULL_DUPLEX_STREAMED)
                    .setResponseBodyMode(BodySendMode.NONE))
            .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(chatHeaders()))
            .build());
    s.send(requestBody(CHAT, true));
    assertThat(s.out()).hasSize(2);
    s.clear();
    s.send(responseHeaders("application/json", false));
    ImmediateResponse r = s.only().getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(502);
    assertThat(r.getBody().toStringUtf8()).contains("response_body_mode");
  }

  /** The request headers as Envoy sends them first, both bodies configured as {@code mode}. */
  static ProcessingRequest requestHeaders(BodySendMode mode) {
    return ProcessingRequest.newBuilder()
        .setProtocolConfig(
            ProtocolConfiguration.newBuilder().setRequestBodyMode(mode).setResponseBodyMode(mode))
        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(chatHeaders()))
        .build();
  }

  static HeaderMap chatHeaders() {
    return headerMap(
        Map.of(
            ":method", "POST",
            ":path", "/v1/chat/completions",
            ":authority", "models.local",
            "content-type", "application/json",
            "content-length", String.valueOf(CHAT.length())));
  }

  static ProcessingRequest requestTrailers() {
    return ProcessingRequest.newBuilder()
        .setRequestTrailers(HttpTrailers.newBuilder().setTrailers(HeaderMap.getDefaultInstance()))
        .build();
  }

  static StreamedBodyResponse streamed(ProcessingResponse r) {
    assertThat(r.hasRequestBody()).as("a request body answer: %s", r).isTrue();
    return r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse();
  }
}
