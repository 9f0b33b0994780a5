package io.jrego.server.budget;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
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
  private boolean sse;
  private final UsageParser.Stream stream = new UsageParser.Stream();
  private final ByteArrayOutputStream json = new ByteArrayOutputStream();
  private boolean jsonTooLarge;
  private Optional<SettleResult> result = Optional.empty();

  public BudgetSettler(BudgetGate gate, String reservationId) {
    this.gate = Objects.requireNonNull(gate);
    this.reservationId = Objects.requireNonNull(reservationId);
  }

  /** The reservation id in forwarded ext_authz metadata, if the Check answer made one. */
  public static Optional<String> reservationId(Map<String, Struct> filterMetadata) {
    Struct authz = filterMetadata.get(EXT_AUTHZ_NAMESPACE);
    if (authz == null) {
      return Optional.empty();
    }
    Value budget = authz.getFieldsOrDefault(BudgetGate.METADATA_KEY, null);
    if (budget == null || !budget.hasStructValue()) {
      return Optional.empty();
    }
    Value id = budget.getStructValue().getFieldsOrDefault("reservation_id", null);
    return id != null && id.hasStringValue() && !id.getStringValue().isEmpty()
        ? Optional.of(id.getStringValue())
        : Optional.empty();
  }

  /** The response's {@code content-type}: SSE is read as a stream, anything else as JSON. */
  public void contentType(String contentType) {
    sse =
        contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /**
   * The next piece of the (decoded) response body; at {@code endOfStream} the reservation is
   * settled.
   *
   * @throws BudgetStoreException when the store cannot answer the settle (the lease then ends it)
   */
  public void body(byte[] piece, boolean endOfStream) throws BudgetStoreException {
    if (result.isPresent()) {
      return;
    }
    if (sse) {
      stream.feed(piece);
    } else if (!jsonTooLarge) {
      if (json.size() + piece.length > MAX_JSON) {
        jsonTooLarge = true;
        json.reset();
      } else {
        json.writeBytes(piece);
      }
    }
    if (endOfStream) {
      end();
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
      result = Optional.of(gate.release(reservationId));
    }
  }

  /** What the settle or release did, once done. */
  public Optional<SettleResult> result() {
    return result;
  }

  private void end() throws BudgetStoreException {
    Optional<TokenUsage> usage =
        sse
            ? stream.usage()
            : jsonTooLarge ? Optional.empty() : UsageParser.fromJson(json.toByteArray());
    result =
        Optional.of(
            usage.isPresent()
                ? gate.settle(reservationId, usage.get().total())
                : gate.release(reservationId));
  }
}
