package io.jrego.server.budget;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The budget field of a decision: what the policy asks the server to reserve.
 *
 * <pre>{@code
 * "budget": {
 *   "estimate": 1234,                       // tokens to hold, an integer >= 0
 *   "limits": [                             // one or more (array or set), all or nothing
 *     {"key": "tenant:acme/model:gpt-4o", "window": "hour",
 *      "limit_tokens": 100000, "limit_requests": 1000, "max_concurrent": 10}
 *   ],
 *   "rejected_body": {...},                 // optional: the 429's JSON body
 *   "include_usage": true,                  // optional: ask a streaming OpenAI request for usage
 *   "on_overshoot": "cut",                  // optional: "charge" (default) or "cut" a long stream
 *   "overshoot_tokens": 50,                 // optional, with cut: how far past the estimate
 *   "prompt_tokens": 108,                   // optional, with cut: the estimate's prompt part
 *   "tokenizer": "gpt-4o-mini"              // optional, with cut: counts the streamed text
 * }
 * }</pre>
 *
 * @param budgets the limits, in the policy's order
 * @param estimate tokens to reserve
 * @param rejectedBody the policy's 429 body, if it shapes one
 * @param includeUsage whether the ext_proc phase adds {@code stream_options.include_usage: true} to
 *     a streaming request that lacks it (OpenAI chat completions and completions report a stream's
 *     usage only when asked; other APIs may refuse the field, so the policy decides)
 * @param cutoff whether and where an SSE answer that runs past its reservation is cut off
 */
public record BudgetPlan(
    List<Budget> budgets,
    long estimate,
    Optional<Value> rejectedBody,
    boolean includeUsage,
    Optional<Cutoff> cutoff) {

  /**
   * {@code on_overshoot: "cut"}: an SSE answer is ended once its counted text would take the
   * request past {@code estimate + overshootTokens}.
   *
   * @param promptTokens the part of the estimate that is the prompt (counted from the start)
   * @param overshootTokens how many tokens past the estimate the answer may run
   * @param tokenizer the model or encoding whose tokenizer counts the answer text ({@code estimate}
   *     for the documented estimate)
   */
  public record Cutoff(long promptTokens, long overshootTokens, String tokenizer) {
    public Cutoff {
      java.util.Objects.requireNonNull(tokenizer);
    }

    /** Tokens of answer text that may pass for a request that reserved {@code estimate}. */
    public long outputLimit(long estimate) {
      return Math.max(0, estimate + overshootTokens - promptTokens);
    }
  }

  /** A plan without a cut-off. */
  public BudgetPlan(
      List<Budget> budgets, long estimate, Optional<Value> rejectedBody, boolean includeUsage) {
    this(budgets, estimate, rejectedBody, includeUsage, Optional.empty());
  }

  /** At most this many limits per request: each is a counter read and written per call. */
  public static final int MAX_LIMITS = 8;

  public BudgetPlan {
    budgets = List.copyOf(budgets);
  }

  /**
   * The plan of a decision, empty when the decision has no {@code budget} field.
   *
   * @throws IllegalArgumentException naming the field, when {@code budget} has the wrong shape
   */
  public static Optional<BudgetPlan> of(Value decision) {
    if (!(decision instanceof ObjectValue o)) {
      return Optional.empty();
    }
    Value v = o.getOrNull(StringValue.of("budget"));
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof ObjectValue b)) {
      throw new IllegalArgumentException("budget must be an object, got " + v.typeName());
    }
    long estimate = count(b, "budget.estimate", "estimate", -2);
    if (estimate == -2) {
      throw new IllegalArgumentException("budget.estimate is required");
    }
    Value limits = b.getOrNull(StringValue.of("limits"));
    List<Value> elements =
        switch (limits) {
          case ArrayValue a -> a.asList();
          case SetValue s -> List.copyOf(s.elements());
          case null -> throw new IllegalArgumentException("budget.limits is required");
          default ->
              throw new IllegalArgumentException(
                  "budget.limits must be an array, got " + limits.typeName());
        };
    if (elements.isEmpty() || elements.size() > MAX_LIMITS) {
      throw new IllegalArgumentException(
          "budget.limits must hold 1 to " + MAX_LIMITS + " limits, got " + elements.size());
    }
    List<Budget> budgets = new ArrayList<>(elements.size());
    for (int i = 0; i < elements.size(); i++) {
      budgets.add(limit(elements.get(i), "budget.limits[" + i + "]"));
    }
    Value include = b.getOrNull(StringValue.of("include_usage"));
    if (include != null && !(include instanceof BooleanValue)) {
      throw new IllegalArgumentException(
          "budget.include_usage must be a boolean, got " + include.typeName());
    }
    return Optional.of(
        new BudgetPlan(
            budgets,
            estimate,
            Optional.ofNullable(b.getOrNull(StringValue.of("rejected_body"))),
            include instanceof BooleanValue bv && bv.value(),
            cutoff(b, estimate)));
  }

  private static Optional<Cutoff> cutoff(ObjectValue b, long estimate) {
    Value on = b.getOrNull(StringValue.of("on_overshoot"));
    String mode = on == null ? "charge" : on instanceof StringValue s ? s.value() : "";
    if (!mode.equals("charge") && !mode.equals("cut")) {
      throw new IllegalArgumentException(
          "budget.on_overshoot must be \"charge\" or \"cut\", got " + on);
    }
    boolean cut = mode.equals("cut");
    long overshoot = count(b, "budget.overshoot_tokens", "overshoot_tokens", 0);
    long prompt = count(b, "budget.prompt_tokens", "prompt_tokens", 0);
    if (prompt > estimate) {
      throw new IllegalArgumentException(
          "budget.prompt_tokens ("
              + prompt
              + ") must not exceed budget.estimate ("
              + estimate
              + ")");
    }
    Value t = b.getOrNull(StringValue.of("tokenizer"));
    if (t != null && !(t instanceof StringValue)) {
      throw new IllegalArgumentException("budget.tokenizer must be a string, got " + t.typeName());
    }
    if (!cut) {
      return Optional.empty();
    }
    String tokenizer = t instanceof StringValue s && !s.value().isEmpty() ? s.value() : "estimate";
    return Optional.of(new Cutoff(prompt, overshoot, tokenizer));
  }

  private static Budget limit(Value v, String where) {
    if (!(v instanceof ObjectValue o)) {
      throw new IllegalArgumentException(where + " must be an object, got " + v.typeName());
    }
    if (!(o.getOrNull(StringValue.of("key")) instanceof StringValue key)) {
      throw new IllegalArgumentException(where + ".key must be a string");
    }
    Value w = o.getOrNull(StringValue.of("window"));
    Window window =
        w instanceof StringValue s
            ? Window.parse(s.value())
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            where + ".window must be minute, hour or day, got " + s.value()))
            : fail(where + ".window must be \"minute\", \"hour\" or \"day\"");
    long tokens = count(o, where + ".limit_tokens", "limit_tokens", Budget.UNLIMITED);
    long requests = count(o, where + ".limit_requests", "limit_requests", Budget.UNLIMITED);
    long concurrent = count(o, where + ".max_concurrent", "max_concurrent", Budget.UNLIMITED);
    if (tokens == Budget.UNLIMITED
        && requests == Budget.UNLIMITED
        && concurrent == Budget.UNLIMITED) {
      throw new IllegalArgumentException(
          where + " needs limit_tokens, limit_requests or max_concurrent");
    }
    try {
      return new Budget(key.value(), window, tokens, requests, concurrent);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static long count(ObjectValue o, String where, String field, long absent) {
    Value v = o.getOrNull(StringValue.of(field));
    if (v == null) {
      return absent;
    }
    if (v instanceof NumberValue n && n.isInteger()) {
      Optional<Long> l = n.asLong();
      if (l.isPresent() && l.get() >= 0) {
        return l.get();
      }
    }
    throw new IllegalArgumentException(where + " must be an integer >= 0, got " + v);
  }

  private static Window fail(String message) {
    throw new IllegalArgumentException(message);
  }
}
