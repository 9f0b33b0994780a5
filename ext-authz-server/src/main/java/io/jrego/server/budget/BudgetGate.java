package io.jrego.server.budget;

import com.google.protobuf.Struct;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.budget.ReserveResult.Admitted;
import io.jrego.server.budget.ReserveResult.Rejected;
import io.jrego.server.budget.ReserveResult.Remaining;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Applies a decision's {@code budget} ({@link BudgetPlan}) on the request path and settles it on
 * the response path; socket-free, so the Check service and the ext_proc server share it.
 *
 * <p>An allowed decision with a budget is reserved under its decision id. Admitted: the answer
 * gains {@code x-ratelimit-*} response headers and the dynamic metadata {@code jrego_budget:
 * {reservation_id, estimate, include_usage, cut}} ({@code include_usage} and {@code cut: {
 * output_limit, prompt_tokens, tokenizer}} only when the plan asks). Refused: the answer becomes a
 * 429 with {@code Retry-After}, {@code x-ratelimit-*} headers and the policy's {@code
 * rejected_body} (or a default JSON body). A store that cannot answer fails the check with {@link
 * Reason#BUDGET_UNAVAILABLE}, answered as {@code --on-error} says (closed); a {@link
 * FallbackBudgetStore} is the configured alternative.
 */
public final class BudgetGate implements AutoCloseable {

  /** The dynamic metadata key of an admitted reservation. */
  public static final String METADATA_KEY = "jrego_budget";

  /** At most this many reservations are remembered here for {@link #settle(String, long)}. */
  static final int MAX_LOCAL = 100_000;

  private final BudgetStore store;
  private final BudgetMetrics metrics;
  private final java.util.concurrent.ConcurrentHashMap<String, Reservation> local =
      new java.util.concurrent.ConcurrentHashMap<>();

  public BudgetGate(BudgetStore store, BudgetMetrics metrics) {
    this.store = Objects.requireNonNull(store);
    this.metrics = Objects.requireNonNull(metrics);
  }

  /**
   * An admitted reservation, to settle when the response ends.
   *
   * @param id the reservation id (the check's decision id)
   * @param budgets what it holds
   * @param estimate how many tokens it holds
   */
  public record Reservation(String id, List<Budget> budgets, long estimate) {
    public Reservation {
      budgets = List.copyOf(budgets);
    }
  }

  /** What {@link #reserve} did. */
  public sealed interface Outcome {
    /** The decision names no budget. */
    record None() implements Outcome {}

    /** Reserved; {@code response} is the allowed answer with the budget's headers and metadata. */
    record Reserved(Reservation reservation, CheckResponse response) implements Outcome {}

    /** Refused; {@code response} is the 429. */
    record Refused(Rejected rejected, CheckResponse response) implements Outcome {}
  }

  /**
   * Reserves the decision's budget when {@code answer} allows the request.
   *
   * @param decision the policy's decision
   * @param decisionId the reservation id
   * @param answer the answer the decision maps to, without budgets
   * @throws CheckException {@link Reason#INVALID_DECISION} naming the field when {@code budget} is
   *     malformed, {@link Reason#BUDGET_UNAVAILABLE} when the store cannot answer
   */
  public Outcome reserve(Value decision, String decisionId, CheckResponse answer)
      throws CheckException {
    if (answer.getStatus().getCode() != Code.OK_VALUE) {
      return new Outcome.None();
    }
    Optional<BudgetPlan> plan;
    try {
      plan = BudgetPlan.of(decision);
    } catch (IllegalArgumentException e) {
      throw new CheckException(Reason.INVALID_DECISION, e.getMessage(), e);
    }
    if (plan.isEmpty()) {
      return new Outcome.None();
    }
    BudgetPlan p = plan.get();
    ReserveResult result;
    try {
      result = store.reserve(decisionId, p.budgets(), p.estimate());
    } catch (BudgetStoreException e) {
      metrics.storeError("reserve");
      throw new CheckException(Reason.BUDGET_UNAVAILABLE, e.getMessage(), e);
    }
    return switch (result) {
      case Admitted a -> admitted(a, p, answer);
      case Rejected r -> refused(r, p, answer);
    };
  }

  /** Settles a reservation with the usage the upstream reported, counting it in the metrics. */
  public SettleResult settle(Reservation r, long actual) throws BudgetStoreException {
    local.remove(r.id());
    SettleResult s;
    try {
      s = store.settle(r.id(), actual);
    } catch (BudgetStoreException e) {
      metrics.storeError("settle");
      throw e;
    }
    r.budgets().forEach(b -> metrics.settled(b, s));
    return s;
  }

  /**
   * Settles a reservation known only by its id (the response path of another stream, such as
   * ext_proc settling what Check reserved). Counted in the metrics by budget when this process made
   * the reservation; the store settles it either way.
   */
  public SettleResult settle(String reservationId, long actual) throws BudgetStoreException {
    Reservation r = local.remove(reservationId);
    return r != null ? settle(r, actual) : settleUnknown(reservationId, actual, false);
  }

  /** {@link #release(Reservation)} by id, as {@link #settle(String, long)}. */
  public SettleResult release(String reservationId) throws BudgetStoreException {
    Reservation r = local.remove(reservationId);
    return r != null ? release(r) : settleUnknown(reservationId, 0, true);
  }

  private SettleResult settleUnknown(String id, long actual, boolean release)
      throws BudgetStoreException {
    try {
      return release ? store.release(id) : store.settle(id, actual);
    } catch (BudgetStoreException e) {
      metrics.storeError(release ? "release" : "settle");
      throw e;
    }
  }

  /** Ends a reservation whose usage will never be known (client gone, upstream failed). */
  public SettleResult release(Reservation r) throws BudgetStoreException {
    local.remove(r.id());
    SettleResult s;
    try {
      s = store.release(r.id());
    } catch (BudgetStoreException e) {
      metrics.storeError("release");
      throw e;
    }
    r.budgets().forEach(b -> metrics.settled(b, s));
    return s;
  }

  /**
   * Charges {@code tokens} at once (Envoy's rate-limit service, which has no settle): admitted only
   * if they fit every budget, as a reserve is, and then settled with the same amount.
   *
   * @throws BudgetStoreException when the store cannot answer
   */
  public ReserveResult charge(List<Budget> budgets, long tokens) throws BudgetStoreException {
    String id = "rls-" + java.util.UUID.randomUUID();
    ReserveResult r;
    try {
      r = store.reserve(id, budgets, tokens);
      if (r instanceof Admitted) {
        SettleResult s = store.settle(id, tokens);
        budgets.forEach(b -> metrics.settled(b, s));
      }
    } catch (BudgetStoreException e) {
      metrics.storeError("reserve");
      throw e;
    }
    switch (r) {
      case Admitted a -> {
        for (Remaining rem : a.remaining()) {
          metrics.reserved(rem.budget(), tokens);
          metrics.remaining(rem.budget(), rem.tokens());
        }
      }
      case Rejected x -> metrics.rejected(x.budget(), x.limit(), tokens);
    }
    return r;
  }

  /** Closes the store (Redis's connection). */
  @Override
  public void close() {
    store.close();
  }

  private Outcome admitted(Admitted a, BudgetPlan p, CheckResponse answer) {
    for (Remaining rem : a.remaining()) {
      metrics.reserved(rem.budget(), p.estimate());
      metrics.remaining(rem.budget(), rem.tokens());
    }
    CheckResponse.Builder b = answer.toBuilder();
    b.getOkResponseBuilder().addAllResponseHeadersToAdd(headers(a.remaining()));
    Struct.Builder budget =
        Struct.newBuilder()
            .putFields("reservation_id", string(a.reservationId()))
            .putFields(
                "estimate",
                com.google.protobuf.Value.newBuilder()
                    .setNumberValue((double) p.estimate())
                    .build());
    if (p.includeUsage()) {
      budget.putFields(
          "include_usage", com.google.protobuf.Value.newBuilder().setBoolValue(true).build());
    }
    p.cutoff().ifPresent(c -> budget.putFields("cut", cutMetadata(c, p.estimate())));
    b.getDynamicMetadataBuilder()
        .putFields(
            METADATA_KEY, com.google.protobuf.Value.newBuilder().setStructValue(budget).build());
    Reservation reservation = new Reservation(a.reservationId(), p.budgets(), p.estimate());
    if (local.size() < MAX_LOCAL) {
      local.put(reservation.id(), reservation);
    }
    return new Outcome.Reserved(reservation, b.build());
  }

  private Outcome refused(Rejected r, BudgetPlan p, CheckResponse answer) {
    metrics.rejected(r.budget(), r.limit(), p.estimate());
    long retry = seconds(r.retryAfter());
    List<HeaderValueOption> headers = new ArrayList<>();
    headers.add(header("retry-after", Long.toString(retry)));
    headers.add(header("content-type", "application/json"));
    String kind = r.limit().label();
    long limit =
        switch (r.limit()) {
          case TOKENS -> r.budget().limitTokens();
          case REQUESTS -> r.budget().limitRequests();
          case CONCURRENT -> r.budget().maxConcurrent();
        };
    headers.add(header("x-ratelimit-limit-" + kind, Long.toString(limit)));
    headers.add(header("x-ratelimit-remaining-" + kind, Long.toString(r.remaining())));
    headers.add(header("x-ratelimit-reset-" + kind, retry + "s"));
    String body =
        p.rejectedBody().map(BudgetGate::bodyText).orElseGet(() -> defaultBody(r, p, retry));
    CheckResponse response =
        CheckResponse.newBuilder()
            .setStatus(
                com.google.rpc.Status.newBuilder()
                    .setCode(Code.PERMISSION_DENIED_VALUE)
                    .setMessage("budget " + r.budget().key() + ": " + kind + " exhausted"))
            .setDeniedResponse(
                DeniedHttpResponse.newBuilder()
                    .setStatus(HttpStatus.newBuilder().setCode(StatusCode.TooManyRequests))
                    .addAllHeaders(headers)
                    .setBody(body))
            .setDynamicMetadata(answer.getDynamicMetadata())
            .build();
    return new Outcome.Refused(r, response);
  }

  private static String bodyText(Value v) {
    return v instanceof StringValue s ? s.value() : Json.write(v);
  }

  private static String defaultBody(Rejected r, BudgetPlan p, long retry) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("type", "budget_exceeded");
    error.put("limit", r.limit().label());
    error.put("budget", r.budget().key());
    error.put("window", r.budget().window().label());
    error.put("remaining", r.remaining());
    error.put("estimate", p.estimate());
    error.put("retry_after_seconds", retry);
    StringBuilder sb = new StringBuilder("{\"error\":{");
    boolean first = true;
    for (Map.Entry<String, Object> e : error.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(Json.write(StringValue.of(e.getKey()))).append(':');
      sb.append(
          e.getValue() instanceof String s
              ? Json.write(StringValue.of(s))
              : e.getValue().toString());
    }
    return sb.append("}}").toString();
  }

  /** {@code x-ratelimit-*} headers of the tightest token and request budgets. */
  private static List<HeaderValueOption> headers(List<Remaining> remaining) {
    List<HeaderValueOption> out = new ArrayList<>(6);
    Remaining tokens = null;
    Remaining requests = null;
    for (Remaining r : remaining) {
      if (r.tokens() != Budget.UNLIMITED && (tokens == null || r.tokens() < tokens.tokens())) {
        tokens = r;
      }
      if (r.requests() != Budget.UNLIMITED
          && (requests == null || r.requests() < requests.requests())) {
        requests = r;
      }
    }
    if (tokens != null) {
      out.add(header("x-ratelimit-limit-tokens", Long.toString(tokens.budget().limitTokens())));
      out.add(header("x-ratelimit-remaining-tokens", Long.toString(tokens.tokens())));
      out.add(header("x-ratelimit-reset-tokens", seconds(tokens.reset()) + "s"));
    }
    if (requests != null) {
      out.add(
          header("x-ratelimit-limit-requests", Long.toString(requests.budget().limitRequests())));
      out.add(header("x-ratelimit-remaining-requests", Long.toString(requests.requests())));
      out.add(header("x-ratelimit-reset-requests", seconds(requests.reset()) + "s"));
    }
    return out;
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }

  private static HeaderValueOption header(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  /**
   * {@code cut: {output_limit, prompt_tokens, tokenizer}}, read by {@link BudgetSettler#ticket}.
   */
  private static com.google.protobuf.Value cutMetadata(BudgetPlan.Cutoff c, long estimate) {
    return com.google.protobuf.Value.newBuilder()
        .setStructValue(
            Struct.newBuilder()
                .putFields("output_limit", number(c.outputLimit(estimate)))
                .putFields("prompt_tokens", number(c.promptTokens()))
                .putFields("tokenizer", string(c.tokenizer())))
        .build();
  }

  private static com.google.protobuf.Value number(long n) {
    return com.google.protobuf.Value.newBuilder().setNumberValue((double) n).build();
  }

  private static com.google.protobuf.Value string(String s) {
    return com.google.protobuf.Value.newBuilder().setStringValue(s).build();
  }
}
