package io.jrego.server.decisionlog;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decision log event being built: OPA's {@code EventV1} fields, with the {@code input} and {@code
 * result} that masking rewrites and the {@code erased} and {@code masked} lists it fills. Used by
 * one thread at a time (the logger's).
 */
final class LogEvent {

  private final ObjectValue fixed;
  Optional<Value> input;
  Optional<Value> result;
  final List<String> erased = new ArrayList<>();
  final List<String> masked = new ArrayList<>();
  private final ObjectValue metrics;
  private final Optional<Value> error;

  private LogEvent(
      ObjectValue fixed,
      Optional<Value> input,
      Optional<Value> result,
      ObjectValue metrics,
      Optional<Value> error) {
    this.fixed = fixed;
    this.input = input;
    this.result = result;
    this.metrics = metrics;
    this.error = error;
  }

  /**
   * The event for {@code e}, as OPA-Envoy fills it: {@code labels}, {@code decision_id}, {@code
   * trace_id}/{@code span_id} when known, {@code bundles} with each revision, {@code path}, {@code
   * input}, {@code result}, {@code requested_by}, {@code timestamp} (RFC 3339 with nanoseconds),
   * {@code metrics} ({@code timer_*_ns}) and {@code error} for a failed check.
   */
  static LogEvent of(DecisionEvent e, ObjectValue labels) {
    ObjectValue.Builder b = new ObjectValue.Builder();
    b.put(
        "labels",
        e.route().isEmpty()
            ? labels
            : labels.with(StringValue.of("route"), StringValue.of(e.route())));
    b.put("decision_id", StringValue.of(e.decisionId()));
    if (e.traceContext().isPresent()) {
      b.put("trace_id", StringValue.of(e.traceContext().traceId()));
      b.put("span_id", StringValue.of(e.traceContext().logSpanId()));
    }
    e.bundle()
        .ifPresent(
            bundle -> {
              ObjectValue.Builder bundles = new ObjectValue.Builder();
              bundle
                  .revisions()
                  .forEach(
                      (name, revision) ->
                          bundles.put(
                              name,
                              ObjectValue.of(
                                  StringValue.of("revision"), StringValue.of(revision))));
              b.put("bundles", bundles.build());
            });
    b.put("path", StringValue.of(e.path()));
    if (!e.requestedBy().isEmpty()) {
      b.put("requested_by", StringValue.of(e.requestedBy()));
    }
    b.put("timestamp", StringValue.of(Timestamps.rfc3339Nano(e.timestamp())));
    ObjectValue.Builder m = new ObjectValue.Builder();
    DecisionEvent.Timings t = e.timings();
    if (t.inputNanos() > 0) {
      m.put("timer_rego_input_parse_ns", NumberValue.of(t.inputNanos()));
    }
    if (t.evalNanos() > 0) {
      m.put("timer_rego_query_eval_ns", NumberValue.of(t.evalNanos()));
    }
    m.put("timer_server_handler_ns", NumberValue.of(t.totalNanos()));
    Optional<Value> error =
        e.error()
            .map(
                f ->
                    ObjectValue.of(
                        Map.of(
                            StringValue.of("code"), StringValue.of(f.code()),
                            StringValue.of("message"), StringValue.of(f.message()))));
    return new LogEvent(b.build(), e.input(), e.result(), m.build(), error);
  }

  /**
   * The event as the {@code system.log.mask} and {@code system.log.drop} rules see it ({@code
   * input}): as OPA, before {@code metrics} and {@code error} are added and before any masking.
   */
  ObjectValue policyInput() {
    ObjectValue o = fixed;
    if (input.isPresent()) {
      o = o.with(StringValue.of("input"), input.get());
    }
    if (result.isPresent()) {
      o = o.with(StringValue.of("result"), result.get());
    }
    return o;
  }

  /** The finished event: the JSON object written to every sink. */
  ObjectValue document() {
    ObjectValue o = policyInput();
    if (!erased.isEmpty()) {
      o = o.with(StringValue.of("erased"), strings(erased));
    }
    if (!masked.isEmpty()) {
      o = o.with(StringValue.of("masked"), strings(masked));
    }
    if (error.isPresent()) {
      o = o.with(StringValue.of("error"), error.get());
    }
    return o.with(StringValue.of("metrics"), metrics);
  }

  /** Whether a mask rule already rewrote the value at {@code pointer} or a value around it. */
  boolean touched(String pointer) {
    for (List<String> l : List.of(erased, masked)) {
      for (String p : l) {
        if (pointer.equals(p) || pointer.startsWith(p + "/")) {
          return true;
        }
      }
    }
    return false;
  }

  private static ArrayValue strings(List<String> l) {
    ArrayValue.Builder b = new ArrayValue.Builder(l.size());
    l.forEach(s -> b.add(StringValue.of(s)));
    return b.build();
  }
}
