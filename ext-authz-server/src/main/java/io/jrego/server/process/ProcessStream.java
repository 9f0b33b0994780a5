package io.jrego.server.process;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.grpc.Status;
import io.jrego.engine.builtins.ai.PiiType;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NullValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.body.BodyEditor;
import io.jrego.server.body.BodyException;
import io.jrego.server.body.Decoding;
import io.jrego.server.body.Redactions;
import io.jrego.server.body.SseFilter;
import io.jrego.server.budget.BudgetGate;
import io.jrego.server.budget.BudgetSettler;
import io.jrego.server.budget.BudgetStoreException;
import io.jrego.server.budget.StreamCutter;
import io.jrego.server.budget.UsageParser;
import io.jrego.server.decide.Outcome;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.envoy.PhaseDecision;
import io.jrego.server.envoy.Reason;
import io.jrego.server.grpc.OnError;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One ext_proc stream (one HTTP request and its response), without sockets: takes Envoy's messages
 * in order and sends its answers to a {@link Sink}. The policy is asked once for the request phase
 * (when the request body is complete, or at the headers if there is none) and once for the response
 * phase (at the response headers when the body streams, is absent or is not JSON; when the body is
 * complete for JSON); a phase whose rule the policy does not define is not evaluated, and the
 * answer to the request headers tells Envoy not to send what no rule needs.
 *
 * <p>Implementation notes. The request body is expected {@code BUFFERED} (one message); {@code
 * STREAMED} and {@code FULL_DUPLEX_STREAMED} request bodies are collected here instead. For the
 * response, {@link Strategy} picks how bodies travel. {@link Strategy#FULL_DUPLEX}: the
 * request-headers answer switches the response body to {@code FULL_DUPLEX_STREAMED}, in which Envoy
 * sends body pieces without waiting for the answer to the response headers; that answer is held
 * until the decision is known (a JSON body: at its end; an SSE stream whose rules may block: until
 * its first output), so a response can be refused before its first byte reaches the caller. {@link
 * Strategy#STREAMED}: the response-headers answer overrides the body mode to {@code STREAMED} (SSE)
 * or {@code BUFFERED} (JSON), and each piece gets one replacement. A failure once response bytes
 * have gone out ends the gRPC stream with an error, so Envoy resets the response: nothing after
 * that point reaches the caller, redacted or not.
 *
 * <p>Not thread-safe: gRPC delivers one stream's messages one at a time.
 */
public final class ProcessStream {

  private static final System.Logger LOG = System.getLogger("io.jrego.server.process");

  /** Where answers go: the gRPC stream, or a test. */
  public interface Sink {
    void send(ProcessingResponse response);

    /** Ends the stream with an error: Envoy fails the request ({@code failure_mode_allow}). */
    void fail(Status status);
  }

  /** How response bodies travel between Envoy and jrego. */
  public enum Strategy {
    /** {@code FULL_DUPLEX_STREAMED}, set by the answer to the request headers (the default). */
    FULL_DUPLEX,
    /** {@code STREAMED} for SSE and {@code BUFFERED} for JSON, set at the response headers. */
    STREAMED
  }

  /**
   * How streams are handled.
   *
   * @param strategy how response bodies travel
   * @param maxBodyBytes the largest request body, buffered response body (after decompression) or
   *     SSE event
   * @param maxHold the most answer text held back for one choice of an SSE stream, in characters
   * @param onError what a phase without a usable decision answers
   * @param errorStatus the HTTP status of an {@link OnError#DENY} answer
   * @param input how requests become input (Check's options)
   */
  public record Config(
      Strategy strategy,
      int maxBodyBytes,
      int maxHold,
      OnError onError,
      int errorStatus,
      InputMapper.Options input) {

    /** The default {@link #maxBodyBytes}: Envoy's default buffer limit. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** Full duplex, 1 MiB bodies and events, 16 Ki characters held, fail the stream on errors. */
    public static Config defaults() {
      return new Config(
          Strategy.FULL_DUPLEX,
          DEFAULT_MAX_BODY_BYTES,
          16_384,
          OnError.GRPC_ERROR,
          403,
          InputMapper.Options.defaults());
    }
  }

  private static final int CHUNK = 64 * 1024;
  private static final StringValue PHASE = StringValue.of("phase");
  private static final StringValue RESPONSE = StringValue.of("response");

  /** What a response body is to jrego. */
  private enum Kind {
    /** Nothing to do with it (no body, or no response rule). */
    NONE,
    /** JSON: collected, decided on whole. */
    JSON,
    /** {@code text/event-stream}: filtered as it flows. */
    SSE,
    /** Any other type: decided on at the headers, passed on as it is. */
    OTHER
  }

  private final PhaseRunner runner;
  private final Config config;
  private final Sink sink;
  private final InputMapper mapper;
  private final Redactions redactions = new Redactions();
  private final Optional<BudgetGate> budgets;

  /** This request's token reservation (made by Check), settled from the response; or null. */
  private BudgetSettler settler;

  private boolean includeUsage;
  private boolean responseEnded;
  private boolean refusedRequest;

  private ProtocolConfiguration protocol = ProtocolConfiguration.getDefaultInstance();
  private boolean first = true;
  private boolean done;
  private Struct metadata = Struct.getDefaultInstance();

  private Headers requestHeaders;
  private Map<String, Struct> attributes = Map.of();
  private Metadata requestMetadata = Metadata.getDefaultInstance();
  // Check's decision as Envoy forwarded it (CheckedDecision), taken out of requestMetadata
  private CheckedDecision.Found checked = CheckedDecision.read(Metadata.getDefaultInstance());
  private ByteString requestBody = ByteString.EMPTY;
  private ObjectValue requestInput;
  private PhaseDecision requestDecision;
  private ProcessingMode requestHeadersOverride;
  private boolean requestHeadersAnswered;

  private boolean fullDuplex;
  private Headers responseHeaders;
  private Kind kind = Kind.NONE;
  private Decoding decoding;
  private SseFilter filter;
  private ByteString responseBody = ByteString.EMPTY;
  private CommonResponse.Builder heldHeaders;
  private ByteString heldBody = ByteString.EMPTY;
  private boolean headersSent;
  private boolean answeredHeaders;
  private PhaseDecision responseDecision;
  // an SSE answer's held headers, timed: since when (0: not held), and how long this stream's
  // messages were in hand meanwhile (the rest is the wait for the next piece of the answer)
  private long messageStart;
  private long heldSince;
  private long heldHandling;

  public ProcessStream(PhaseRunner runner, Config config, Sink sink) {
    this(runner, config, sink, Optional.empty());
  }

  /**
   * A stream that also settles the token reservation Check made for its request ({@link
   * BudgetSettler}): the reservation id comes in the ext_authz dynamic metadata Envoy forwards with
   * the request headers.
   */
  public ProcessStream(PhaseRunner runner, Config config, Sink sink, Optional<BudgetGate> budgets) {
    this.runner = runner;
    this.config = config;
    this.sink = sink;
    this.mapper = new InputMapper(config.input());
    this.budgets = budgets;
  }

  /** Handles one message from Envoy. Never throws: problems end in an answer or a failed stream. */
  public void onMessage(ProcessingRequest r) {
    answeredHeaders = false;
    if (done) {
      return;
    }
    messageStart = System.nanoTime();
    if (first) {
      first = false;
      protocol = r.getProtocolConfig();
    }
    try {
      if (requestHeaders == null
          && r.getRequestCase() != ProcessingRequest.RequestCase.REQUEST_HEADERS
          && runner.routed()) {
        throw new CheckException(
            Reason.UNKNOWN_WORKLOAD,
            "routes are configured, and this ext_proc stream began with "
                + r.getRequestCase().name().toLowerCase(java.util.Locale.ROOT)
                + " instead of the request headers the route is picked from: Envoy's ext_proc"
                + " filter must send them (processing_mode.request_header_mode: SEND)");
      }
      switch (r.getRequestCase()) {
        case REQUEST_HEADERS -> requestHeaders(r, r.getRequestHeaders());
        case REQUEST_BODY -> requestBody(r.getRequestBody());
        case REQUEST_TRAILERS -> requestTrailers();
        case RESPONSE_HEADERS -> responseHeaders(r.getResponseHeaders());
        case RESPONSE_BODY -> responseBody(r.getResponseBody());
        case RESPONSE_TRAILERS -> responseTrailers();
        case REQUEST_NOT_SET ->
            throw new CheckException(Reason.INTERNAL, "a ProcessingRequest with nothing in it");
      }
    } catch (CheckException e) {
      fail(e);
    } catch (BodyException e) {
      fail(new CheckException(Reason.BODY_ERROR, e.getMessage()));
    }
    if (responseEnded) {
      endBudget(); // after the last answer went out: the store's round trip delays nothing
    }
    heldMessageDone();
  }

  /** Adds the message just handled to the held headers' handling time, while they are held. */
  private void heldMessageDone() {
    if (heldSince != 0 && heldHeaders != null) {
      heldHandling += System.nanoTime() - messageStart;
    }
  }

  /** The largest SSE piece {@link #light} counts as light: its scan takes microseconds. */
  static final int LIGHT_PIECE_BYTES = 4096;

  /**
   * The largest JSON answer whose response phase {@link #light} counts as light once the runner
   * knows the phase to be {@link PhaseRunner#cheap cheap}: the runner measures the evaluation (the
   * body's parse included), and this bounds what follows it, the body edit (the scan of the edited
   * values and the body written again).
   */
  public static final int INLINE_BODY_BYTES = 8192;

  /**
   * Whether handling {@code r} next is light work: no policy evaluated (but a phase the runner
   * knows to be {@link PhaseRunner#cheap cheap}: the response phase at the response headers, and at
   * a JSON answer of at most {@link #INLINE_BODY_BYTES}; never the request phase, whose input the
   * caller chooses), no text scanned beyond a small SSE piece or such a body, nothing decompressed,
   * no budget store asked. The gRPC service runs light messages where they arrive (the transport
   * thread, with no hand-off) and the rest on the check threads. A message of a stream that settles
   * a token budget (its request headers carry Check's reservation) is never light; the other
   * streams of a server with a budget store are as light as without one.
   */
  public boolean light(ProcessingRequest r) {
    if (done) {
      return true;
    }
    if (settler != null) {
      return false;
    }
    if (budgets.isPresent()
        && r.getRequestCase() == ProcessingRequest.RequestCase.REQUEST_HEADERS
        && BudgetSettler.reservationId(r.getMetadataContext().getFilterMetadataMap()).isPresent()) {
      return false;
    }
    return switch (r.getRequestCase()) {
      case REQUEST_HEADERS -> {
        BodySendMode mode = (first ? r.getProtocolConfig() : protocol).getRequestBodyMode();
        boolean bodyComing = !r.getRequestHeaders().getEndOfStream() && mode != BodySendMode.NONE;
        yield bodyComing || !runner.defines(Phase.REQUEST);
      }
      case REQUEST_BODY -> {
        BodySendMode mode = protocol.getRequestBodyMode();
        boolean last =
            r.getRequestBody().getEndOfStream()
                || mode == BodySendMode.BUFFERED
                || mode == BodySendMode.BUFFERED_PARTIAL;
        // never the request phase itself: its input is the caller's body, and a caller who sent
        // cheap ones could send one the policy finds costly, on the thread other streams' I/O
        // waits for
        yield !last || !runner.defines(Phase.REQUEST);
      }
      case RESPONSE_HEADERS ->
          requestHeaders == null
              || !runner.defines(Phase.RESPONSE)
              || runner.cheap(Phase.RESPONSE)
              || (!r.getResponseHeaders().getEndOfStream()
                  && kindOf(
                          new Headers(r.getResponseHeaders().getHeaders())
                              .get("content-type")
                              .orElse(""))
                      == Kind.JSON);
      case RESPONSE_BODY ->
          switch (kind) {
            case NONE, OTHER -> true;
            case JSON ->
                decoding == null
                    && ((fullDuplex && !r.getResponseBody().getEndOfStream())
                        || (runner.cheap(Phase.RESPONSE)
                            && (long) responseBody.size() + r.getResponseBody().getBody().size()
                                <= INLINE_BODY_BYTES));
            case SSE ->
                decoding == null && r.getResponseBody().getBody().size() <= LIGHT_PIECE_BYTES;
          };
      case RESPONSE_TRAILERS -> decoding == null;
      // in full duplex, trailers end a body whose phase has not run yet: it runs on them
      case REQUEST_TRAILERS ->
          requestHeadersAnswered
              || protocol.getRequestBodyMode() != BodySendMode.FULL_DUPLEX_STREAMED
              || !runner.defines(Phase.REQUEST);
      case REQUEST_NOT_SET -> true;
    };
  }

  /**
   * Handles the light head of {@code r} where it arrives, and returns the rest of {@code r} to be
   * handled as a message of its own (on a check thread unless it is {@link #light}); {@code r}
   * itself when it has no such head. The head exists while the response headers wait for the first
   * judged answer text (full duplex, a stream rule that may block, nothing to decompress, no budget
   * to settle): the complete events within the first {@link #LIGHT_PIECE_BYTES} of a response body
   * piece, judged one at a time until that text exists. The headers and the first text then leave
   * without a hand-off to a check thread, and without waiting for the rest of a large piece (often
   * a whole answer that Envoy read at once), which is judged as before. Never throws.
   */
  public ProcessingRequest head(ProcessingRequest r) {
    answeredHeaders = false;
    messageStart = System.nanoTime();
    if (done
        || heldHeaders == null
        || kind != Kind.SSE
        || decoding != null
        || settler != null
        || r.getRequestCase() != ProcessingRequest.RequestCase.RESPONSE_BODY) {
      return r;
    }
    ByteString body = r.getResponseBody().getBody();
    int from;
    try {
      from = firstOutput(body.substring(0, Math.min(body.size(), LIGHT_PIECE_BYTES)).toByteArray());
    } catch (BodyException e) {
      fail(new CheckException(Reason.BODY_ERROR, e.getMessage()));
      return r; // done: nothing more is handled
    }
    heldMessageDone();
    if (from <= 0) {
      return r; // blocked (done), or no complete event in the head
    }
    return ProcessingRequest.newBuilder()
        .setResponseBody(r.getResponseBody().toBuilder().setBody(body.substring(from)))
        .build();
  }

  /**
   * Whether handling the last message answered headers (the request's or the response's). Envoy
   * sends the caller nothing of the response before its headers are answered, so that answer should
   * leave at once, not wait in the transport's buffer for the rest of a network read; body answers
   * may wait and leave together.
   */
  public boolean answeredHeaders() {
    return answeredHeaders;
  }

  /** Envoy went away (the request ended or was reset): drop what is held. */
  public void onClosed() {
    if (!done && filter != null) {
      runner.found(Phase.RESPONSE, redactions.drainHits());
    }
    done = true;
    endBudget();
    if (decoding != null) {
      decoding.close();
    }
  }

  // ---- request ---------------------------------------------------------------------------

  private void requestHeaders(ProcessingRequest r, HttpHeaders h) throws CheckException {
    requestHeaders = new Headers(h.getHeaders());
    attributes = r.getAttributesMap();
    checked = CheckedDecision.read(r.getMetadataContext());
    requestMetadata =
        checked instanceof CheckedDecision.Found.Absent
            ? r.getMetadataContext()
            : CheckedDecision.without(r.getMetadataContext());
    if (budgets.isPresent()) {
      BudgetSettler.ticket(requestMetadata.getFilterMetadataMap())
          .ifPresent(
              t -> {
                settler = new BudgetSettler(budgets.get(), t);
                includeUsage = t.includeUsage();
              });
    }
    if (!runner.hasPolicy()) {
      throw new CheckException(Reason.NO_POLICY, "no policy is active");
    }
    if (runner.routed()) {
      CheckRequest headersOnly =
          CheckRequests.of(requestHeaders, attributes, requestMetadata, ByteString.EMPTY);
      Optional<Outcome<PhaseDecision>> refused =
          runner.route(mapper.identity(headersOnly), deadline -> mapper.map(headersOnly, deadline));
      if (refused.isPresent() && decided(refused.get(), Phase.REQUEST).isEmpty()) {
        return;
      }
    }
    requestHeadersOverride = modeOverride();
    BodySendMode mode = protocol.getRequestBodyMode();
    boolean anyRule =
        runner.defines(Phase.REQUEST) || runner.defines(Phase.RESPONSE) || settler != null;
    boolean bodyComing = !h.getEndOfStream() && mode != BodySendMode.NONE;
    // full duplex, and nothing needs the whole body: the headers go on now, the body as it comes
    boolean passBody =
        mode == BodySendMode.FULL_DUPLEX_STREAMED
            && !runner.defines(Phase.REQUEST)
            && !includeUsage;
    if (!bodyComing || (!anyRule && mode != BodySendMode.FULL_DUPLEX_STREAMED) || passBody) {
      Optional<CommonResponse.Builder> c = requestPhase(ByteString.EMPTY);
      if (c.isPresent()) {
        sendHeaders(true, c.get(), requestHeadersOverride);
      }
      return;
    }
    if (mode != BodySendMode.FULL_DUPLEX_STREAMED) {
      sendHeaders(true, CommonResponse.newBuilder(), requestHeadersOverride);
    }
    // full duplex: the answer to the headers waits for the body, and carries the decision
  }

  /**
   * What the answer to the request headers asks of Envoy for the rest of the stream (a whole
   * processing mode, as Envoy reads it): the request body as configured if a rule needs the
   * request; the response headers if any rule exists; the response body in full duplex if the
   * response rule exists and that is the strategy. A token reservation to settle counts as a
   * response rule: its usage is in the response body.
   */
  private ProcessingMode modeOverride() {
    boolean request = runner.defines(Phase.REQUEST);
    boolean response = runner.defines(Phase.RESPONSE) || settler != null;
    boolean any = request || response;
    if (fixedModes()) {
      // Envoy sends what its configuration says, whatever the rules: a response body configured
      // FULL_DUPLEX_STREAMED comes in full duplex (and is passed on untouched if no rule needs it)
      fullDuplex = protocol.getResponseBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED;
      return null;
    }
    fullDuplex =
        response
            && (config.strategy() == Strategy.FULL_DUPLEX
                || protocol.getResponseBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED);
    return ProcessingMode.newBuilder()
        .setRequestBodyMode(any ? protocol.getRequestBodyMode() : BodySendMode.NONE)
        .setRequestTrailerMode(HeaderSendMode.SKIP)
        .setResponseHeaderMode(any ? HeaderSendMode.SEND : HeaderSendMode.SKIP)
        .setResponseBodyMode(fullDuplex ? BodySendMode.FULL_DUPLEX_STREAMED : BodySendMode.NONE)
        .setResponseTrailerMode(fullDuplex ? HeaderSendMode.SEND : HeaderSendMode.SKIP)
        .build();
  }

  /**
   * Whether Envoy's configuration sends a body in {@code FULL_DUPLEX_STREAMED}: Envoy then honours
   * no {@code mode_override} for the stream (Envoy 1.40's ext_proc filter checks the configured
   * modes before it reads one), so what it sends is what it is configured to send.
   */
  private boolean fixedModes() {
    return protocol.getRequestBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED
        || protocol.getResponseBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED;
  }

  /**
   * The request's trailers. In full duplex they end a body that was not marked last: its phase runs
   * now, and its answers (headers, body) go before the trailers' answer.
   */
  private void requestTrailers() throws CheckException {
    if (requestHeaders != null
        && !requestHeadersAnswered
        && protocol.getRequestBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED
        && !requestComplete(BodySendMode.FULL_DUPLEX_STREAMED, false)) {
      return; // refused or failed: answered already
    }
    send(ProcessingResponse.newBuilder().setRequestTrailers(TrailersResponse.getDefaultInstance()));
  }

  private void requestBody(HttpBody b) throws CheckException {
    if (requestHeadersAnswered
        && protocol.getRequestBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED) {
      streamOut(true, b.getBody(), b.getEndOfStream()); // no rule needs it: passed on as it came
      return;
    }
    long size = (long) requestBody.size() + b.getBody().size();
    if (size > config.maxBodyBytes()) {
      tooLarge(Phase.REQUEST, "request body", size);
      return;
    }
    requestBody = requestBody.concat(b.getBody());
    BodySendMode mode = protocol.getRequestBodyMode();
    boolean last =
        b.getEndOfStream()
            || mode == BodySendMode.BUFFERED
            || mode == BodySendMode.BUFFERED_PARTIAL;
    if (!last) {
      if (mode == BodySendMode.STREAMED) {
        send(bodyAnswer(true, CommonResponse.newBuilder().setBodyMutation(clear())));
      }
      return; // full duplex: nothing until the end (its last piece, or the trailers)
    }
    requestComplete(mode, true);
  }

  /**
   * Runs the request phase on the whole body and answers it; false when it was answered already
   * (refused, or failed).
   *
   * @param last whether the body's last piece ended the request (false: trailers follow)
   */
  private boolean requestComplete(BodySendMode mode, boolean last) throws CheckException {
    ByteString body = requestBody;
    Optional<CommonResponse.Builder> decided = requestPhase(body);
    if (decided.isEmpty()) {
      return false;
    }
    CommonResponse.Builder c = decided.get();
    if (includeUsage) {
      askForUsage(c, body, mode);
    }
    switch (mode) {
      case FULL_DUPLEX_STREAMED -> {
        // the headers' answer, held until now, carries the decision; then the body, whole
        ByteString out = c.hasBodyMutation() ? c.getBodyMutation().getBody() : body;
        c.clearBodyMutation();
        sendHeaders(true, c, requestHeadersOverride);
        streamOut(true, out, last);
      }
      case STREAMED -> {
        // every earlier piece was cleared: this answer carries the whole body
        if (!c.hasBodyMutation()) {
          c.setBodyMutation(BodyMutation.newBuilder().setBody(body));
        }
        c.clearHeaderMutation(); // too late for headers in this mode
        send(bodyAnswer(true, c));
      }
      default -> send(bodyAnswer(true, c));
    }
    return true;
  }

  /**
   * Adds {@code stream_options.include_usage: true} to a streaming request that lacks it, as the
   * budget's policy asked: after the policy's own edits, so that the stream reports the usage to
   * settle with.
   */
  private static void askForUsage(
      CommonResponse.Builder c, ByteString original, BodySendMode mode) {
    ByteString current = c.hasBodyMutation() ? c.getBodyMutation().getBody() : original;
    Optional<byte[]> edited = UsageParser.withIncludeUsage(current.toByteArray());
    if (edited.isEmpty()) {
      return;
    }
    ByteString out = ByteString.copyFrom(edited.get());
    c.setBodyMutation(BodyMutation.newBuilder().setBody(out));
    HeaderMutation.Builder hm = c.getHeaderMutationBuilder();
    List<HeaderValueOption> kept =
        hm.getSetHeadersList().stream()
            .filter(h -> !h.getHeader().getKey().equalsIgnoreCase("content-length"))
            .toList();
    hm.clearSetHeaders().addAllSetHeaders(kept);
    if (mode == BodySendMode.BUFFERED || mode == BodySendMode.BUFFERED_PARTIAL) {
      hm.addSetHeaders(Headers.set("content-length", String.valueOf(out.size())));
    } else if (!hm.getRemoveHeadersList().contains("content-length")) {
      hm.addRemoveHeaders("content-length");
    }
  }

  /**
   * Runs the request phase on the body received. Empty when it was answered already (refused, or
   * failed); else what the answer to Envoy's message carries: header changes, and the new body when
   * an edit changed it.
   */
  private Optional<CommonResponse.Builder> requestPhase(ByteString body) throws CheckException {
    if (!runner.defines(Phase.REQUEST)) {
      redactions.requestPhaseDone();
      return Optional.of(CommonResponse.newBuilder());
    }
    CheckRequest check = CheckRequests.of(requestHeaders, attributes, requestMetadata, body);
    runner.checked(checked, body);
    Outcome<PhaseDecision> outcome =
        runner.run(
            Phase.REQUEST,
            deadline -> {
              requestInput = mapper.map(check, deadline);
              return requestInput.with(PHASE, StringValue.of(Phase.REQUEST.id()));
            });
    Optional<PhaseDecision> decided = decided(outcome, Phase.REQUEST);
    if (decided.isEmpty()) {
      return Optional.empty();
    }
    PhaseDecision d = decided.get();
    requestDecision = d;
    CommonResponse.Builder c = CommonResponse.newBuilder();
    HeaderMutation.Builder hm = HeaderMutation.newBuilder();
    addDecisionHeaders(hm, d);
    if (!d.bodyEdits().isEmpty() && !body.isEmpty()) {
      BodyEditor.Result r = edit(Phase.REQUEST, body, d);
      if (r.isBlocked()) {
        blocked(Phase.REQUEST, d, r.blocked());
        return Optional.empty();
      }
      if (r.changed()) {
        ByteString out = ByteString.copyFromUtf8(r.text());
        c.setBodyMutation(BodyMutation.newBuilder().setBody(out));
        // BUFFERED with the headers answered: Envoy checks content-length against the new body
        // (a mismatch is a rejected mutation); in the streamed modes it drops the header itself
        BodySendMode mode = protocol.getRequestBodyMode();
        if (mode == BodySendMode.BUFFERED || mode == BodySendMode.BUFFERED_PARTIAL) {
          hm.addSetHeaders(Headers.set("content-length", String.valueOf(out.size())));
        } else {
          hm.addRemoveHeaders("content-length");
        }
      }
    }
    redactions.requestPhaseDone();
    return Optional.of(c.setHeaderMutation(hm));
  }

  /** The request's input document (Check's), built once. */
  private ObjectValue requestInput(long deadline) throws CheckException {
    if (requestInput == null) {
      requestInput =
          mapper.map(
              CheckRequests.of(requestHeaders, attributes, requestMetadata, requestBody), deadline);
    }
    return requestInput;
  }

  // ---- response --------------------------------------------------------------------------

  private void responseHeaders(HttpHeaders h) throws CheckException {
    responseHeaders = new Headers(h.getHeaders());
    if (settler != null) {
      settler.response(
          responseHeaders.get("content-type").orElse(""),
          responseHeaders.get("content-encoding").orElse(null));
      responseEnded = h.getEndOfStream();
    }
    if (requestHeaders == null) {
      // A local answer of a filter before this one (ext_authz's denial, a 400 it made): no
      // request was processed here, so there is nothing to decide; it goes out as it is (kind
      // NONE: a body, if the configuration sends one, passes unchanged).
      fullDuplex = protocol.getResponseBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED;
      sendHeaders(false, CommonResponse.newBuilder(), null);
      return;
    }
    HeaderMutation.Builder hm = HeaderMutation.newBuilder();
    if (requestDecision != null) {
      hm.addAllSetHeaders(Headers.raw(requestDecision.responseHeadersToAdd()));
    }
    CommonResponse.Builder c = CommonResponse.newBuilder();
    if (!runner.defines(Phase.RESPONSE)) {
      // only a reservation to settle: the body passes unchanged (STREAMED unless full duplex)
      boolean settle = settler != null && !fullDuplex && !h.getEndOfStream();
      sendHeaders(false, c.setHeaderMutation(hm), settle ? override(BodySendMode.STREAMED) : null);
      return;
    }
    kind = h.getEndOfStream() ? Kind.NONE : kindOf(responseHeaders.get("content-type").orElse(""));
    if (kind == Kind.JSON || kind == Kind.SSE) {
      Optional<Decoding.Encoding> enc;
      try {
        enc = Decoding.of(responseHeaders.get("content-encoding").orElse(null));
      } catch (BodyException e) {
        uninspectable(e.getMessage());
        return;
      }
      if (enc.isPresent()) {
        decoding = new Decoding(enc.get(), config.maxBodyBytes());
        hm.addRemoveHeaders("content-encoding");
      }
    }
    if ((kind == Kind.JSON || kind == Kind.SSE) && !fullDuplex && fixedModes()) {
      // the body would pass unread: Envoy honours no override to send it
      uninspectable(
          "Envoy's ext_proc filter sends a request body in FULL_DUPLEX_STREAMED, so it takes no"
              + " mode override, and its response_body_mode is "
              + protocol.getResponseBodyMode()
              + ": the response rule cannot read this body; configure response_body_mode:"
              + " FULL_DUPLEX_STREAMED (with response_trailer_mode: SEND)");
      return;
    }
    if (kind == Kind.JSON) {
      if (fullDuplex) {
        heldHeaders = c.setHeaderMutation(hm); // answered with the body, once decided
      } else {
        sendHeaders(false, c.setHeaderMutation(hm), override(BodySendMode.BUFFERED));
      }
      return;
    }
    // no body, a stream, another type: the decision is made now, on the headers
    Optional<PhaseDecision> d = responsePhase(null);
    if (d.isEmpty()) {
      return;
    }
    addDecisionHeaders(hm, d.get());
    if (kind != Kind.SSE) {
      if (kind == Kind.OTHER && (!d.get().bodyEdits().isEmpty() || !d.get().stream().isEmpty())) {
        uninspectable(
            "the decision edits a body of type \""
                + responseHeaders.get("content-type").orElse("")
                + "\"; only JSON and SSE bodies can be edited");
        return;
      }
      kind = Kind.NONE;
      sendHeaders(false, c.setHeaderMutation(hm), null);
      return;
    }
    filter =
        new SseFilter(
            d.get().stream(),
            d.get().bodyEdits(),
            redactions,
            config.maxBodyBytes(),
            config.maxHold());
    hm.addRemoveHeaders("content-length");
    c.setHeaderMutation(hm);
    if (fullDuplex && d.get().stream().blocks()) {
      heldHeaders = c; // until SseFilter.headersMayGo: a block can still be a clean answer
      heldSince = messageStart;
      heldHandling = 0;
      return;
    }
    sendHeaders(false, c, fullDuplex ? null : override(BodySendMode.STREAMED));
  }

  private static Kind kindOf(String contentType) {
    String t = contentType.toLowerCase(Locale.ROOT);
    int semi = t.indexOf(';');
    String base = (semi < 0 ? t : t.substring(0, semi)).strip();
    if (base.equals("text/event-stream")) {
      return Kind.SSE;
    }
    if (base.equals("application/json") || base.endsWith("+json")) {
      return Kind.JSON;
    }
    return Kind.OTHER;
  }

  /**
   * The mode for the rest of the response, set at its headers ({@link Strategy#STREAMED}). A
   * reservation to settle asks for the trailers too: an HTTP/2 answer that ends with trailers sends
   * no body piece marked last, so its end is the trailers.
   */
  private ProcessingMode override(BodySendMode responseBody) {
    return ProcessingMode.newBuilder()
        .setRequestBodyMode(protocol.getRequestBodyMode())
        .setRequestTrailerMode(HeaderSendMode.SKIP)
        .setResponseHeaderMode(HeaderSendMode.SEND)
        .setResponseBodyMode(responseBody)
        .setResponseTrailerMode(settler != null ? HeaderSendMode.SEND : HeaderSendMode.SKIP)
        .build();
  }

  private void responseBody(HttpBody b) throws CheckException, BodyException {
    boolean last = b.getEndOfStream() || (!fullDuplex && kind == Kind.JSON);
    if (settler != null) {
      settler.feed(b.getBody().toByteArray());
      responseEnded = last;
    }
    if (kind == Kind.NONE || kind == Kind.OTHER) {
      // nothing to do with this body: pass it on
      if (fullDuplex) {
        flushHeldHeaders();
        answerOut(b.getBody(), b.getEndOfStream(), b.getEndOfStream());
      } else if (settler != null && (settler.cuts() || settler.wasCut())) {
        send(bodyAnswer(false, replace(cutStreamed(b.getBody(), last))));
      } else {
        send(bodyAnswer(false, CommonResponse.newBuilder()));
      }
      return;
    }
    ByteString piece = b.getBody();
    if (decoding != null) {
      piece = ByteString.copyFrom(decoding.push(piece.toByteArray()));
      if (last) {
        decoding.finish();
      }
    }
    if (kind == Kind.JSON) {
      long size = (long) responseBody.size() + piece.size();
      if (size > config.maxBodyBytes()) {
        tooLarge(Phase.RESPONSE, "response body", size);
        return;
      }
      responseBody = responseBody.concat(piece);
      if (last) {
        jsonResponseComplete();
      }
      return;
    }
    byte[] in = piece.toByteArray();
    int from = fullDuplex && heldHeaders != null ? firstOutput(in) : 0;
    if (from < 0) {
      return; // blocked
    }
    SseFilter.Out out = filter.push(from == 0 ? in : Arrays.copyOfRange(in, from, in.length));
    ByteString bytes = out.bytes();
    if (!out.isBlocked() && last) {
      SseFilter.Out rest = filter.finish();
      out = rest.isBlocked() ? rest : out;
      bytes = bytes.concat(rest.bytes());
      runner.found(Phase.RESPONSE, redactions.drainHits());
    }
    if (out.isBlocked()) {
      blocked(Phase.RESPONSE, responseDecision, out.blocked());
      return;
    }
    if (!fullDuplex) {
      send(bodyAnswer(false, replace(cutStreamed(bytes, last))));
      return;
    }
    if (heldHeaders != null && !last && !filter.headersMayGo()) {
      // a blocking rule, and no answer text let out yet or some held that may still be part of a
      // value it refuses: what could still be refused cleanly is held with the headers (the role
      // chunk, comments, text let out), up to the body limit
      heldBody = heldBody.concat(bytes);
      if (heldBody.size() <= config.maxBodyBytes()) {
        return;
      }
    }
    bytes = heldBody.concat(bytes);
    heldBody = ByteString.EMPTY;
    if (!bytes.isEmpty() || last) {
      flushHeldHeaders();
      answerOut(bytes, last, last);
    }
  }

  /**
   * While the response headers wait ({@link SseFilter#headersMayGo}), feeds {@code in} to the
   * filter one event at a time, so that the headers and the first output leave as soon as they may
   * rather than once the whole network piece is filtered. Returns where the rest of {@code in}
   * begins (the last event, or what follows the first output), or -1 once blocked.
   */
  private int firstOutput(byte[] in) throws BodyException {
    int from = 0;
    int to;
    while (heldHeaders != null && (to = eventEnd(in, from)) < in.length) {
      SseFilter.Out out = filter.push(Arrays.copyOfRange(in, from, to));
      from = to;
      if (out.isBlocked()) {
        blocked(Phase.RESPONSE, responseDecision, out.blocked());
        return -1;
      }
      heldBody = heldBody.concat(out.bytes());
      if (filter.headersMayGo() || heldBody.size() > config.maxBodyBytes()) {
        ByteString bytes = heldBody;
        heldBody = ByteString.EMPTY;
        flushHeldHeaders();
        answerOut(bytes, false, false);
      }
    }
    return from;
  }

  /**
   * The end of the first event in {@code in} from {@code from} (after its blank line), or its end.
   */
  private static int eventEnd(byte[] in, int from) {
    for (int i = from; i < in.length - 1; i++) {
      if (in[i] == '\n') {
        int next = in[i + 1] == '\r' && i + 2 < in.length ? i + 2 : i + 1;
        if (in[next] == '\n') {
          return next + 1;
        }
      }
    }
    return in.length;
  }

  private void jsonResponseComplete() throws CheckException {
    ByteString body = responseBody;
    Optional<PhaseDecision> decided = responsePhase(body);
    if (decided.isEmpty()) {
      return;
    }
    PhaseDecision d = decided.get();
    CommonResponse.Builder c = heldHeaders != null ? heldHeaders : CommonResponse.newBuilder();
    heldHeaders = null;
    HeaderMutation.Builder hm =
        c.hasHeaderMutation() ? c.getHeaderMutation().toBuilder() : HeaderMutation.newBuilder();
    addDecisionHeaders(hm, d);
    ByteString out = body;
    boolean edited = false;
    if (!d.bodyEdits().isEmpty() && !body.isEmpty()) {
      BodyEditor.Result r = edit(Phase.RESPONSE, body, d);
      if (r.isBlocked()) {
        blocked(Phase.RESPONSE, d, r.blocked());
        return;
      }
      if (r.changed()) {
        out = ByteString.copyFromUtf8(r.text());
        edited = true;
      }
    }
    if (fullDuplex) {
      hm.addRemoveHeaders("content-length"); // Envoy drops it in this mode anyway
      sendHeaders(false, c.setHeaderMutation(hm), null);
      streamOut(false, out, true);
      return;
    }
    if (edited || decoding != null) {
      c.setBodyMutation(BodyMutation.newBuilder().setBody(out));
      hm.addSetHeaders(Headers.set("content-length", String.valueOf(out.size())));
    }
    send(bodyAnswer(false, c.setHeaderMutation(hm)));
  }

  /** Runs the response phase; empty when it was answered already (refused, or failed). */
  private Optional<PhaseDecision> responsePhase(ByteString body) throws CheckException {
    Outcome<PhaseDecision> outcome =
        runner.run(
            Phase.RESPONSE,
            deadline ->
                requestInput(deadline)
                    .with(PHASE, StringValue.of(Phase.RESPONSE.id()))
                    .with(RESPONSE, responseValue(body)));
    Optional<PhaseDecision> d = decided(outcome, Phase.RESPONSE);
    d.ifPresent(x -> responseDecision = x);
    return d;
  }

  /** {@code input.response}: status, headers, whether it streams, the parsed JSON body. */
  private ObjectValue responseValue(ByteString body) {
    ObjectValue.Builder h = new ObjectValue.Builder();
    responseHeaders.asMap().forEach((k, v) -> h.put(k, StringValue.of(v)));
    Value parsed = NullValue.INSTANCE;
    if (body != null && kind == Kind.JSON) {
      try {
        parsed = Json.parse(body.toByteArray());
      } catch (Json.JsonException | UncheckedIOException e) {
        parsed = NullValue.INSTANCE; // not JSON after all: the policy sees null
      }
    }
    return new ObjectValue.Builder()
        .put("status", NumberValue.of(responseHeaders.status()))
        .put("headers", h.build())
        .put("stream", BooleanValue.of(kind == Kind.SSE))
        .put("parsed_body", parsed)
        .build();
  }

  private void responseTrailers() throws BodyException {
    responseEnded = true;
    if (fullDuplex && filter != null) {
      SseFilter.Out rest = filter.finish();
      runner.found(Phase.RESPONSE, redactions.drainHits());
      if (rest.isBlocked()) {
        blocked(Phase.RESPONSE, responseDecision, rest.blocked());
        return;
      }
      ByteString bytes = heldBody.concat(rest.bytes());
      heldBody = ByteString.EMPTY;
      flushHeldHeaders();
      if (!bytes.isEmpty() || (settler != null && settler.cuts())) {
        answerOut(bytes, false, true);
      }
    } else if (fullDuplex && settler != null && settler.cuts()) {
      answerOut(ByteString.EMPTY, false, true); // what the cut-off holds of the last event
    }
    if (done) {
      return; // cut off: the body has ended
    }
    send(
        ProcessingResponse.newBuilder().setResponseTrailers(TrailersResponse.getDefaultInstance()));
  }

  // ---- decisions -------------------------------------------------------------------------

  /** The decision, or empty once a refusal or failure has been answered. */
  private Optional<PhaseDecision> decided(Outcome<PhaseDecision> outcome, Phase phase) {
    switch (outcome) {
      case Outcome.ParseError<PhaseDecision> p -> {
        // as Check answers it: 400, the message as body
        immediate(400, List.of(), p.error().getMessage(), "jrego_request_parse_error");
        return Optional.empty();
      }
      case Outcome.Failed<PhaseDecision> f -> {
        onError(f.error(), f.decisionId());
        return Optional.empty();
      }
      case Outcome.Answered<PhaseDecision> a -> {
        PhaseDecision d = a.answer();
        metadata = d.dynamicMetadata();
        if (!d.allowed()) {
          immediate(d.httpStatus(), d.headers(), d.body(), "jrego_" + phase.id() + "_denied");
          return Optional.empty();
        }
        return Optional.of(d);
      }
    }
  }

  private BodyEditor.Result edit(Phase phase, ByteString body, PhaseDecision d)
      throws CheckException {
    try {
      return BodyEditor.apply(body.toString(StandardCharsets.UTF_8), d.bodyEdits(), redactions);
    } catch (BodyException e) {
      throw new CheckException(Reason.INVALID_DECISION, e.getMessage());
    } finally {
      runner.found(phase, redactions.drainHits());
    }
  }

  private static void addDecisionHeaders(HeaderMutation.Builder hm, PhaseDecision d) {
    hm.addAllSetHeaders(Headers.raw(d.headers())).addAllRemoveHeaders(d.headersToRemove());
  }

  // ---- answers ---------------------------------------------------------------------------

  private void sendHeaders(boolean request, CommonResponse.Builder c, ProcessingMode override) {
    answeredHeaders = true;
    HeadersResponse h = HeadersResponse.newBuilder().setResponse(c).build();
    ProcessingResponse.Builder p = ProcessingResponse.newBuilder();
    if (request) {
      p.setRequestHeaders(h);
      requestHeadersAnswered = true;
    } else {
      p.setResponseHeaders(h);
      headersSent = true;
    }
    if (override != null) {
      p.setModeOverride(override);
    }
    send(p);
  }

  private void flushHeldHeaders() {
    if (heldHeaders != null) {
      CommonResponse.Builder c = heldHeaders;
      heldHeaders = null;
      sendHeaders(false, c, null);
      if (heldSince != 0) {
        long now = System.nanoTime();
        runner.headersHeld(now - heldSince, heldHandling + now - messageStart);
        heldSince = 0;
      }
    }
  }

  private static ProcessingResponse.Builder bodyAnswer(boolean request, CommonResponse.Builder c) {
    BodyResponse b = BodyResponse.newBuilder().setResponse(c).build();
    ProcessingResponse.Builder p = ProcessingResponse.newBuilder();
    return request ? p.setRequestBody(b) : p.setResponseBody(b);
  }

  /**
   * Sends answer bytes on in full duplex, through the budget's cut-off when the policy asked for
   * one ({@link BudgetSettler#cuts}): a cut ends the body with the cut-off's error event, and the
   * stream is done (Envoy ends the upstream call).
   *
   * @param end whether the answer ends here (its last piece, or its trailers follow)
   */
  private void answerOut(ByteString bytes, boolean last, boolean end) {
    if (settler == null || !settler.cuts()) {
      streamOut(false, bytes, last);
      return;
    }
    StreamCutter.Out out = settler.pass(bytes.toByteArray(), end);
    if (out.cut()) {
      streamOut(false, out.bytes(), true);
      done = true;
      responseEnded = true; // settled with what passed, after this answer
    } else if (!out.bytes().isEmpty() || last) {
      streamOut(false, out.bytes(), last);
    }
  }

  /**
   * {@link Strategy#STREAMED}: a piece's replacement through the budget's cut-off. Envoy waits for
   * an answer to every piece, so after a cut the rest of the answer is answered empty until the
   * upstream ends it.
   */
  private ByteString cutStreamed(ByteString bytes, boolean last) {
    if (settler == null || !settler.cuts()) {
      return settler != null && settler.wasCut() ? ByteString.EMPTY : bytes;
    }
    return settler.pass(bytes.toByteArray(), last).bytes();
  }

  private static CommonResponse.Builder replace(ByteString bytes) {
    return CommonResponse.newBuilder()
        .setBodyMutation(
            bytes.isEmpty() ? clear() : BodyMutation.newBuilder().setBody(bytes).build());
  }

  /** Sends {@code bytes} as full-duplex body pieces of at most 64 KiB. */
  private void streamOut(boolean request, ByteString bytes, boolean last) {
    int pos = 0;
    do {
      int end = Math.min(bytes.size(), pos + CHUNK);
      send(
          bodyAnswer(
              request,
              CommonResponse.newBuilder()
                  .setBodyMutation(
                      BodyMutation.newBuilder()
                          .setStreamedResponse(
                              StreamedBodyResponse.newBuilder()
                                  .setBody(bytes.substring(pos, end))
                                  .setEndOfStream(last && end == bytes.size())))));
      pos = end;
    } while (pos < bytes.size());
  }

  private static BodyMutation clear() {
    return BodyMutation.newBuilder().setClearBody(true).build();
  }

  /** Sends an answer, with the last decision's metadata if it has not gone out yet. */
  private void send(ProcessingResponse.Builder p) {
    if (metadata.getFieldsCount() > 0) {
      p.setDynamicMetadata(metadata);
      metadata = Struct.getDefaultInstance();
    }
    sink.send(p.build());
  }

  /** A local answer in place of the request or the response; the stream is done. */
  private void immediate(int status, List<HeaderValueOption> headers, String body, String details) {
    done = true;
    refusedRequest = responseHeaders == null;
    send(
        ProcessingResponse.newBuilder()
            .setImmediateResponse(
                ImmediateResponse.newBuilder()
                    .setStatus(HttpStatus.newBuilder().setCodeValue(status))
                    .setHeaders(HeaderMutation.newBuilder().addAllSetHeaders(Headers.raw(headers)))
                    .setBody(ByteString.copyFromUtf8(body))
                    .setDetails(details)));
    endBudget();
  }

  /** Ends the stream with an error; a request refused before the upstream costs no tokens. */
  private void failStream(Status status) {
    done = true;
    refusedRequest = responseHeaders == null;
    sink.fail(status);
    endBudget();
  }

  /**
   * Settles this request's reservation, once: with the usage the response reported when it ended
   * (or released, as the lease policy says, when it reported none), refunded when the request was
   * refused before the upstream saw it, released when the stream ended early. A store that cannot
   * answer is logged; the reservation's lease then ends it.
   */
  private void endBudget() {
    if (settler == null || settler.done()) {
      return;
    }
    try {
      if (responseEnded) {
        settler.body(new byte[0], true);
      } else if (refusedRequest) {
        settler.unused();
      } else {
        settler.closed();
      }
    } catch (BudgetStoreException e) {
      LOG.log(Level.WARNING, "token budget: the settle failed, its lease will end it: {0}", e);
    }
  }

  /** A blocking rule matched: a clean answer if nothing went out yet, else the stream ends. */
  private void blocked(Phase phase, PhaseDecision d, Set<PiiType> types) {
    runner.found(phase, redactions.drainHits());
    String names = types.stream().map(PiiType::id).sorted().collect(Collectors.joining(","));
    LOG.log(Level.INFO, "ext_proc {0} blocked: it contains {1}", phase.id(), names);
    if (phase == Phase.RESPONSE && headersSent) {
      failStream(
          Status.ABORTED.withDescription(
              "response_blocked: the response contains " + names + " after it had begun"));
      return;
    }
    PhaseDecision.Denial deny = d.onBlock();
    immediate(
        deny.httpStatus(),
        deny.headers(),
        deny.body().replace("{types}", names),
        "jrego_" + phase.id() + "_blocked");
  }

  private void tooLarge(Phase phase, String what, long size) {
    CheckException e =
        new CheckException(
            Reason.BODY_TOO_LARGE,
            what + " of " + size + " bytes or more exceeds the limit of " + config.maxBodyBytes());
    runner.failed(phase, e);
    refuse(phase, phase == Phase.REQUEST ? 413 : 502, e);
  }

  private void uninspectable(String why) {
    CheckException e = new CheckException(Reason.BODY_ERROR, why);
    runner.failed(Phase.RESPONSE, e);
    refuse(Phase.RESPONSE, 502, e);
  }

  /** A body jrego will not pass: a JSON answer naming why, or a reset once the response began. */
  private void refuse(Phase phase, int status, CheckException e) {
    if (phase == Phase.RESPONSE && headersSent) {
      failStream(Status.ABORTED.withDescription(e.getMessage()));
      return;
    }
    immediate(
        status,
        List.of(Headers.set("content-type", "application/json")),
        Json.write(
            new ObjectValue.Builder()
                .put("code", StringValue.of(e.reason().code()))
                .put("reason", StringValue.of(detail(e)))
                .build()),
        "jrego_" + e.reason().code());
  }

  private static String detail(CheckException e) {
    String prefix = e.reason().code() + ": ";
    String m = e.getMessage();
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  /** No usable decision: fail the stream, or deny with the configured status, as on-error says. */
  private void onError(CheckException e, String decisionId) {
    if (config.onError() == OnError.GRPC_ERROR || headersSent) {
      failStream(Status.UNKNOWN.withDescription(e.getMessage()));
      return;
    }
    metadata =
        Struct.newBuilder()
            .putFields(
                io.jrego.server.envoy.PhaseDecisionMapper.NAMESPACE,
                com.google.protobuf.Value.newBuilder()
                    .setStructValue(
                        Struct.newBuilder()
                            .putFields(
                                "decision_id",
                                com.google.protobuf.Value.newBuilder()
                                    .setStringValue(decisionId)
                                    .build()))
                    .build())
            .build();
    immediate(
        config.errorStatus(),
        List.of(Headers.set("x-jrego-error", e.reason().code())),
        e.reason().code(),
        "jrego_" + e.reason().code());
  }

  /** A failure found here rather than by the core: logged and counted, then on-error applies. */
  private void fail(CheckException e) {
    runner.failed(responseHeaders == null ? Phase.REQUEST : Phase.RESPONSE, e);
    onError(e, "-");
  }
}
