package io.jrego.server.envoy;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.core.v3.QueryParameter;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a decision into Envoy's {@link CheckResponse}, as OPA-Envoy does.
 *
 * <p>A boolean gives status OK or PERMISSION_DENIED and no HTTP response (Envoy answers a deny with
 * 403). An object must have a boolean {@code allowed}; {@code headers} and {@code dynamic_metadata}
 * apply to both outcomes, {@code request_headers_to_remove}, {@code response_headers_to_add},
 * {@code query_parameters_to_set} and {@code query_parameters_to_remove} to an allow, {@code body}
 * and {@code http_status} (default 403, one of Envoy's {@code StatusCode}s) to a deny. Arrays may
 * also be sets. Every response carries a {@code decision_id} in its dynamic metadata, replacing one
 * the policy set.
 *
 * <p>Header append behaviour, set explicitly on every header (OPA-Envoy leaves it unset, so Envoy's
 * per-list defaults apply): the first value of each header name in a list is {@code
 * OVERWRITE_IF_EXISTS_OR_ADD}, so a header the client sent under that name is replaced and cannot
 * be spoofed; further values of the same name are {@code APPEND_IF_EXISTS_OR_ADD}, so an array of
 * values yields every value.
 */
public final class DecisionMapper {

  /** The key of the decision id in the response's dynamic metadata. */
  public static final String DECISION_ID = "decision_id";

  /**
   * The deepest {@code dynamic_metadata} answered, counting itself as level 1. Each object level is
   * three nested protobuf messages (Struct, map entry, Value) and protobuf parsers, Envoy's among
   * them, stop at 100: a deeper answer would fail in Envoy as if jrego had failed, which {@code
   * failure_mode_allow} turns into an allow. Refused as {@code invalid_decision} instead.
   */
  static final int MAX_METADATA_DEPTH = 32;

  private static final StringValue ALLOWED = StringValue.of("allowed");

  /** A decision's field name as a value, shared: its keyed hash is computed once. */
  private static StringValue key(String field) {
    return StringValue.ofKey(field);
  }

  private final boolean dryRun;

  /**
   * @param dryRun answer every decision with an allow (OK, empty OK response), keeping the dynamic
   *     metadata, as OPA-Envoy's {@code dry-run}
   */
  public DecisionMapper(boolean dryRun) {
    this.dryRun = dryRun;
  }

  /** Whether a decision allows the request, without building a response. */
  public static boolean isAllowed(Value decision) throws CheckException {
    if (decision instanceof BooleanValue b) {
      return b.value();
    }
    if (decision instanceof ObjectValue o) {
      Value v = o.getOrNull(ALLOWED);
      if (v == null) {
        throw invalid("unable to determine evaluation result due to missing \"allowed\" key");
      }
      if (v instanceof BooleanValue b) {
        return b.value();
      }
      throw invalid("expected allowed to be of type 'boolean' but got '" + v.typeName() + "'");
    }
    throw invalid("illegal value for policy evaluation result: " + decision.typeName());
  }

  /**
   * Builds the response.
   *
   * @param decision the value of the decision document
   * @param decisionId the id to put in the dynamic metadata
   * @throws CheckException with {@link Reason#INVALID_DECISION} when the decision has the wrong
   *     shape, naming the field
   */
  public CheckResponse map(Value decision, String decisionId) throws CheckException {
    boolean allowed = isAllowed(decision);
    CheckResponse.Builder resp = CheckResponse.newBuilder();
    resp.setStatus(
        Status.newBuilder().setCode(allowed ? Code.OK_VALUE : Code.PERMISSION_DENIED_VALUE));
    Struct.Builder metadata = Struct.newBuilder();
    if (decision instanceof ObjectValue o) {
      List<HeaderValueOption> headers = headers(o, "headers");
      dynamicMetadata(o).ifPresent(metadata::mergeFrom);
      if (allowed) {
        resp.setOkResponse(
            OkHttpResponse.newBuilder()
                .addAllHeaders(headers)
                .addAllHeadersToRemove(strings(o, "request_headers_to_remove"))
                .addAllResponseHeadersToAdd(headers(o, "response_headers_to_add"))
                .addAllQueryParametersToRemove(strings(o, "query_parameters_to_remove"))
                .addAllQueryParametersToSet(queryParameters(o)));
      } else {
        resp.setDeniedResponse(
            DeniedHttpResponse.newBuilder()
                .addAllHeaders(headers)
                .setBody(body(o))
                .setStatus(HttpStatus.newBuilder().setCode(httpStatus(o))));
      }
    }
    if (dryRun && !allowed) {
      resp.setStatus(Status.newBuilder().setCode(Code.OK_VALUE));
      resp.setOkResponse(OkHttpResponse.getDefaultInstance());
    }
    metadata.putFields(
        DECISION_ID, com.google.protobuf.Value.newBuilder().setStringValue(decisionId).build());
    return resp.setDynamicMetadata(metadata).build();
  }

  static CheckException invalid(String detail) {
    return new CheckException(Reason.INVALID_DECISION, detail);
  }

  /** An array or a set as a list of elements; empty for anything else. */
  private static Optional<List<Value>> elements(Value v) {
    if (v instanceof ArrayValue a) {
      return Optional.of(a.asList());
    }
    if (v instanceof SetValue s) {
      return Optional.of(List.copyOf(s.elements()));
    }
    return Optional.empty();
  }

  static List<HeaderValueOption> headers(ObjectValue decision, String field) throws CheckException {
    Value v = decision.getOrNull(key(field));
    if (v == null) {
      return List.of();
    }
    List<HeaderValueOption> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    if (v instanceof ObjectValue headers) {
      addHeaders(field, headers, out, seen);
      return out;
    }
    Optional<List<Value>> list = elements(v);
    if (list.isEmpty()) {
      throw invalid("expected " + field + " to be of type 'object' but got '" + v.typeName() + "'");
    }
    for (Value e : list.get()) {
      if (!(e instanceof ObjectValue headers)) {
        throw invalid(
            "expected " + field + " to be of type 'object' but got '" + e.typeName() + "'");
      }
      addHeaders(field, headers, out, seen);
    }
    return out;
  }

  private static void addHeaders(
      String field, ObjectValue headers, List<HeaderValueOption> out, Set<String> seen)
      throws CheckException {
    for (Value k : headers.keys()) {
      if (!(k instanceof StringValue key)) {
        throw invalid(field + " keys must be strings, got " + k.typeName());
      }
      Value v = headers.getOrNull(k);
      if (v instanceof StringValue s) {
        out.add(header(key.value(), s.value(), seen));
        continue;
      }
      Optional<List<Value>> values = elements(v);
      if (values.isEmpty()) {
        throw invalid(
            "type assertion error for header '"
                + key.value()
                + "' in "
                + field
                + ": "
                + v.typeName());
      }
      for (Value e : values.get()) {
        if (!(e instanceof StringValue s)) {
          throw invalid("invalid value type " + e.typeName() + " for header '" + key.value() + "'");
        }
        out.add(header(key.value(), s.value(), seen));
      }
    }
  }

  private static HeaderValueOption header(String key, String value, Set<String> seen) {
    boolean first = seen.add(key.toLowerCase(Locale.ROOT));
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
        .setAppendAction(
            first
                ? HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                : HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
        .build();
  }

  static List<String> strings(ObjectValue decision, String field) throws CheckException {
    Value v = decision.getOrNull(key(field));
    if (v == null) {
      return List.of();
    }
    Optional<List<Value>> list = elements(v);
    if (list.isEmpty()) {
      throw invalid(
          "expected " + field + " to be of type '[]string' but got '" + v.typeName() + "'");
    }
    List<String> out = new ArrayList<>(list.get().size());
    for (Value e : list.get()) {
      if (!(e instanceof StringValue s)) {
        throw invalid(
            "expected " + field + " value to be of type 'string' but got '" + e.typeName() + "'");
      }
      out.add(s.value());
    }
    return out;
  }

  private static List<QueryParameter> queryParameters(ObjectValue decision) throws CheckException {
    Value v = decision.getOrNull(key("query_parameters_to_set"));
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof ObjectValue params)) {
      throw invalid(
          "expected query_parameters_to_set to be an object but got '" + v.typeName() + "'");
    }
    List<QueryParameter> out = new ArrayList<>();
    for (Value k : params.keys()) {
      if (!(k instanceof StringValue key)) {
        throw invalid("query_parameters_to_set keys must be strings, got " + k.typeName());
      }
      Value pv = params.getOrNull(k);
      if (pv instanceof StringValue s) {
        out.add(QueryParameter.newBuilder().setKey(key.value()).setValue(s.value()).build());
        continue;
      }
      Optional<List<Value>> values = elements(pv);
      if (values.isEmpty()) {
        throw invalid(
            "expected query_parameters_to_set value to be string or array but got '"
                + pv.typeName()
                + "'");
      }
      for (Value e : values.get()) {
        if (!(e instanceof StringValue s)) {
          throw invalid(
              "expected query_parameters_to_set array element to be string but got '"
                  + e.typeName()
                  + "'");
        }
        out.add(QueryParameter.newBuilder().setKey(key.value()).setValue(s.value()).build());
      }
    }
    return out;
  }

  static String body(ObjectValue decision) throws CheckException {
    Value v = decision.getOrNull(key("body"));
    if (v == null) {
      return "";
    }
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw invalid("expected body to be of type 'string' but got '" + v.typeName() + "'");
  }

  static StatusCode httpStatus(ObjectValue decision) throws CheckException {
    Value v = decision.getOrNull(key("http_status"));
    if (v == null) {
      return StatusCode.Forbidden;
    }
    if (!(v instanceof NumberValue n)) {
      throw invalid("expected http_status to be of type 'number' but got '" + v.typeName() + "'");
    }
    Optional<Integer> code = n.isInteger() ? n.asInt() : Optional.empty();
    StatusCode sc = code.map(StatusCode::forNumber).orElse(null);
    if (sc == null || sc == StatusCode.Empty) {
      throw invalid("invalid HTTP status code " + n);
    }
    return sc;
  }

  static Optional<Struct> dynamicMetadata(ObjectValue decision) throws CheckException {
    Value v = decision.getOrNull(key("dynamic_metadata"));
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof ObjectValue o)) {
      throw invalid(
          "expected dynamic_metadata to be of type 'object' but got '" + v.typeName() + "'");
    }
    return Optional.of(struct(o, 1));
  }

  private static Struct struct(ObjectValue o, int depth) throws CheckException {
    if (depth > MAX_METADATA_DEPTH) {
      throw invalid(
          "dynamic_metadata nested deeper than "
              + MAX_METADATA_DEPTH
              + " levels, which Envoy cannot read");
    }
    Struct.Builder b = Struct.newBuilder();
    for (Value k : o.keys()) {
      b.putFields(
          k instanceof StringValue s ? s.value() : Json.write(k),
          protoValue(o.getOrNull(k), depth));
    }
    return b.build();
  }

  private static com.google.protobuf.Value protoValue(Value v, int depth) throws CheckException {
    com.google.protobuf.Value.Builder b = com.google.protobuf.Value.newBuilder();
    return switch (v) {
      case io.jrego.engine.value.NullValue n -> b.setNullValue(NullValue.NULL_VALUE).build();
      case BooleanValue bv -> b.setBoolValue(bv.value()).build();
      case NumberValue n -> b.setNumberValue(n.doubleValue()).build();
      case StringValue s -> b.setStringValue(s.value()).build();
      case ObjectValue o -> b.setStructValue(struct(o, depth + 1)).build();
      case ArrayValue a -> b.setListValue(list(a.asList(), depth + 1)).build();
      case SetValue s -> b.setListValue(list(List.copyOf(s.elements()), depth + 1)).build();
    };
  }

  private static ListValue list(List<Value> values, int depth) throws CheckException {
    if (depth > MAX_METADATA_DEPTH) {
      throw invalid(
          "dynamic_metadata nested deeper than "
              + MAX_METADATA_DEPTH
              + " levels, which Envoy cannot read");
    }
    ListValue.Builder b = ListValue.newBuilder();
    for (Value e : values) {
      b.addValues(protoValue(e, depth));
    }
    return b.build();
  }
}
