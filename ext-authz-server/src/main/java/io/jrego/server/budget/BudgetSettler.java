package io.jrego.server.budget;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.jrego.server.body.BodyException;
import io.jrego.server.body.Decoding;
import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settles one request's reservation from its response, as the ext_proc phase sees it: the body in
 * pieces, then the end of the stream, or a stream that closes before its end. Socket-free; one per
 * HTTP stream, not thread-safe.
 *
 * <p>The reservation id comes from the dynamic metadata the Check answer set ({@value
 * BudgetGate#METADATA_KEY}{@code .reservation_id} in Envoy's {@code envoy.filters.http.ext_authz}
 * namespace, forwarded to ext_proc by {@code metadata_options.forwarding_namespaces}). A JSON
 * response is read whole (up to {@link #MAX_JSON} bytes), an SSE response ({@code
 * text/event-stream}) piece by piece with {@link UsageParser.Stream}. At the end of the stream the
 * reported usage settles the reservation; a response that reports none, or a stream that closes
 * early (client gone, upstream reset), releases it as the lease policy says. Settles once.
 */
public final class BudgetSettler {

  /** Envoy's dynamic metadata namespace of the ext_authz filter. */
  public static final String EXT_AUTHZ_NAMESPACE = "envoy.filters.http.ext_authz";

  /** The largest JSON response read for its usage. */
  public static final int MAX_JSON = 8 << 20;

  private final BudgetGate gate;
  private final String reservationId;
  private final Cut cut;
  private final StreamCutter cutter;
  private boolean sse;
  private Decoding decoding;
  private boolean unreadable;
  private final UsageParser.Stream stream = new UsageParser.Stream();
  private final ByteArrayOutputStream json = new ByteArrayOutputStream();
  private boolean jsonTooLarge;
  private Optional<SettleResult> result = Optional.empty();

  public BudgetSettler(BudgetGate gate, String reservationId) {
    this(gate, new Ticket(reservationId, false));
  }

  /** A settler for what Check left; with a cut-off when the ticket carries one. */
  public BudgetSettler(BudgetGate gate, Ticket ticket) {
    this.gate = Objects.requireNonNull(gate);
    this.reservationId = ticket.reservationId();
    this.cut = ticket.cut().orElse(null);
    this.cutter = cut == null ? null : new StreamCutter(cut.outputLimit(), cut.tokenizer());
  }

  /**
   * Whether the answer's bytes must go through {@link #pass}: the policy asked for a cut-off and
   * the answer is an SSE stream jrego can read as it flows (not compressed).
   */
  public boolean cuts() {
    return counting() && result.isEmpty();
  }

  private boolean counting() {
    return cutter != null && sse && decoding == null && !unreadable;
  }

  /**
   * Passes the next piece of an SSE answer through the cut-off ({@link StreamCutter}); at {@code
   * last} what is held goes too. Once cut, the stream must end with the bytes returned: the
   * reservation then settles with the prompt's tokens plus the answer text that passed.
   */
  public StreamCutter.Out pass(byte[] piece, boolean last) {
    StreamCutter.Out out = cutter.push(piece);
    if (out.cut() || !last) {
      return out;
    }
    StreamCutter.Out rest = cutter.finish();
    return new StreamCutter.Out(out.bytes().concat(rest.bytes()), rest.cut());
  }

  /** Whether the cut-off ended the answer. */
  public boolean wasCut() {
    return cutter != null && cutter.isCut();
  }

  /**
   * What the Check answer left for the response path of one request.
   *
   * @param reservationId the reservation to settle
   * @param includeUsage whether the policy asked to add {@code stream_options.include_usage} to a
   *     streaming request ({@link UsageParser#withIncludeUsage})
   */
  public record Ticket(String reservationId, boolean includeUsage, Optional<Cut> cut) {
    public Ticket {
      Objects.requireNonNull(reservationId);
      Objects.requireNonNull(cut);
    }

    public Ticket(String reservationId, boolean includeUsage) {
      this(reservationId, includeUsage, Optional.empty());
    }
  }

  /**
   * The policy's cut-off for an SSE answer ({@code on_overshoot: "cut"}).
   *
   * @param outputLimit tokens of answer text that may pass
   * @param promptTokens the prompt's tokens, charged with the counted text when the stream is cut
   * @param tokenizer what counts the text ({@link StreamCutter})
   */
  public record Cut(long outputLimit, long promptTokens, String tokenizer) {}

  /** The reservation id in forwarded ext_authz metadata, if the Check answer made one. */
  public static Optional<String> reservationId(Map<String, Struct> filterMetadata) {
    return ticket(filterMetadata).map(Ticket::reservationId);
  }

  /** The reservation in forwarded ext_authz metadata, if the Check answer made one. */
  public static Optional<Ticket> ticket(Map<String, Struct> filterMetadata) {
    Struct authz = filterMetadata.get(EXT_AUTHZ_NAMESPACE);
    if (authz == null) {
      return Optional.empty();
    }
    Value budget = authz.getFieldsOrDefault(BudgetGate.METADATA_KEY, null);
    if (budget == null || !budget.hasStructValue()) {
      return Optional.empty();
    }
    Struct b = budget.getStructValue();
    Value id = b.getFieldsOrDefault("reservation_id", null);
    if (id == null || !id.hasStringValue() || id.getStringValue().isEmpty()) {
      return Optional.empty();
    }
    Value include = b.getFieldsOrDefault("include_usage", null);
    return Optional.of(
        new Ticket(id.getStringValue(), include != null && include.getBoolValue(), cut(b)));
  }

  private static Optional<Cut> cut(Struct budget) {
    Value v = budget.getFieldsOrDefault("cut", null);
    if (v == null || !v.hasStructValue()) {
      return Optional.empty();
    }
    Struct c = v.getStructValue();
    Value limit = c.getFieldsOrDefault("output_limit", null);
    if (limit == null || !limit.hasNumberValue() || limit.getNumberValue() < 0) {
      return Optional.empty();
    }
    Value prompt = c.getFieldsOrDefault("prompt_tokens", null);
    Value tokenizer = c.getFieldsOrDefault("tokenizer", null);
    return Optional.of(
        new Cut(
            (long) limit.getNumberValue(),
            prompt != null && prompt.hasNumberValue() ? (long) prompt.getNumberValue() : 0,
            tokenizer != null && tokenizer.hasStringValue()
                ? tokenizer.getStringValue()
                : "estimate"));
  }

  /** The response's {@code content-type}: SSE is read as a stream, anything else as JSON. */
  public void contentType(String contentType) {
    sse =
        contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /**
   * The response's {@code content-type} and {@code content-encoding} (null when the caller decodes
   * the body itself): gzip and deflate are undone here; a body in another encoding cannot be read,
   * so its reservation is released at the end as one without usage.
   */
  public void response(String contentType, String contentEncoding) {
    contentType(contentType);
    try {
      decoding = Decoding.of(contentEncoding).map(e -> new Decoding(e, MAX_JSON)).orElse(null);
    } catch (BodyException e) {
      unreadable = true;
    }
  }

  /** Whether the reservation has been settled or released. */
  public boolean done() {
    return result.isPresent();
  }

  /**
   * The next piece of the (decoded) response body; at {@code endOfStream} the reservation is
   * settled.
   *
   * @throws BudgetStoreException when the store cannot answer the settle (the lease then ends it)
   */
  public void body(byte[] piece, boolean endOfStream) throws BudgetStoreException {
    feed(piece);
    if (endOfStream && result.isEmpty()) {
      end();
    }
  }

  /** The next piece of the response body, not the last. */
  public void feed(byte[] piece) {
    if (result.isPresent()) {
      return;
    }
    if (decoding != null && !unreadable) {
      try {
        piece = decoding.push(piece);
      } catch (BodyException e) {
        unreadable = true;
      }
    }
    if (unreadable) {
      // nothing to read: the end releases
    } else if (sse) {
      stream.feed(piece);
    } else if (!jsonTooLarge) {
      if (json.size() + piece.length > MAX_JSON) {
        jsonTooLarge = true;
        json.reset();
      } else {
        json.writeBytes(piece);
      }
    }
  }

  /**
   * The stream closed before its end (client gone, upstream reset): releases the reservation as the
   * lease policy says. Does nothing after the end of the stream settled it.
   *
   * @throws BudgetStoreException when the store cannot answer
   */
  public void closed() throws BudgetStoreException {
    if (result.isEmpty()) {
      if (decoding != null) {
        decoding.close();
      }
      result = Optional.of(gate.release(reservationId));
    }
  }

  /**
   * The request never reached the upstream (refused or failed on the request path): settles with no
   * usage, so the whole estimate is refunded. Does nothing once settled.
   *
   * @throws BudgetStoreException when the store cannot answer
   */
  public void unused() throws BudgetStoreException {
    if (result.isEmpty()) {
      if (decoding != null) {
        decoding.close();
      }
      result = Optional.of(gate.settle(reservationId, 0));
    }
  }

  /** What the settle or release did, once done. */
  public Optional<SettleResult> result() {
    return result;
  }

  private void end() throws BudgetStoreException {
    if (decoding != null) {
      decoding.close();
    }
    Optional<TokenUsage> usage =
        unreadable
            ? Optional.empty()
            : sse
                ? stream.usage()
                : jsonTooLarge ? Optional.empty() : UsageParser.fromJson(json.toByteArray());
    if (counting() && (cutter.isCut() || usage.isEmpty())) {
      // cut (no usage will come), or counted to its end without a usage report: what passed
      result = Optional.of(gate.settle(reservationId, cut.promptTokens() + cutter.counted()));
      return;
    }
    result =
        Optional.of(
            usage.isPresent()
                ? gate.settle(reservationId, usage.get().total())
                : gate.release(reservationId));
  }
}
