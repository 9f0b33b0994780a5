package io.jrego.server.envoy;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.body.BodyEdit;
import io.jrego.server.body.BodyEdits;
import io.jrego.server.body.BodyException;
import io.jrego.server.body.PiiRule;
import io.jrego.server.body.StreamSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the decision of an ext_proc phase into a {@link PhaseDecision}: OPA-Envoy's decision
 * object, its fields read by the same code as Check's ({@link DecisionMapper}), plus {@code
 * body_edits}, {@code stream} and {@code on_block}. A boolean decision is an allow or a plain 403.
 *
 * <p>In the request phase {@code request_headers_to_remove} and {@code response_headers_to_add}
 * apply, in the response phase {@code response_headers_to_remove}. The policy's {@code
 * dynamic_metadata} and the decision id go to Envoy under the namespace {@code
 * envoy.filters.http.ext_proc}.
 *
 * <p>Dry-run, as for Check: a deny becomes an allow that changes nothing, and blocking rules only
 * count and log what they find.
 */
public final class PhaseDecisionMapper {

  /** The namespace of the dynamic metadata jrego sends with an ext_proc answer. */
  public static final String NAMESPACE = "envoy.filters.http.ext_proc";

  private final boolean dryRun;

  public PhaseDecisionMapper(boolean dryRun) {
    this.dryRun = dryRun;
  }

  /**
   * Maps one phase's decision.
   *
   * @param request whether this is the request phase (else the response phase)
   * @throws CheckException with {@link Reason#INVALID_DECISION}, naming the field, when the
   *     decision has the wrong shape
   */
  public PhaseDecision map(Value decision, String decisionId, boolean request)
      throws CheckException {
    boolean allowed = DecisionMapper.isAllowed(decision);
    ObjectValue o = decision instanceof ObjectValue obj ? obj : ObjectValue.EMPTY;
    Struct.Builder meta = Struct.newBuilder();
    DecisionMapper.dynamicMetadata(o).ifPresent(meta::mergeFrom);
    meta.putFields(
        DecisionMapper.DECISION_ID,
        com.google.protobuf.Value.newBuilder().setStringValue(decisionId).build());
    Struct metadata =
        Struct.newBuilder()
            .putFields(
                NAMESPACE, com.google.protobuf.Value.newBuilder().setStructValue(meta).build())
            .build();
    PhaseDecision.Denial defaultBlock = defaultBlock(request);
    if (dryRun && !allowed) {
      return new PhaseDecision(
          true,
          403,
          "",
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          StreamSpec.NONE,
          defaultBlock,
          metadata);
    }
    List<HeaderValueOption> headers = DecisionMapper.headers(o, "headers");
    List<BodyEdit> edits;
    StreamSpec stream;
    PhaseDecision.Denial onBlock;
    try {
      Value e = o.getOrNull(StringValue.of("body_edits"));
      edits = e == null ? List.of() : BodyEdits.parse(e, "body_edits");
      Value st = o.getOrNull(StringValue.of("stream"));
      stream = st == null ? StreamSpec.NONE : StreamSpec.parse(st, "stream");
    } catch (BodyException ex) {
      throw new CheckException(Reason.INVALID_DECISION, ex.getMessage());
    }
    Value b = o.getOrNull(StringValue.of("on_block"));
    if (b == null) {
      onBlock = defaultBlock;
    } else if (b instanceof ObjectValue block) {
      onBlock =
          new PhaseDecision.Denial(
              block.getOrNull(StringValue.of("http_status")) == null
                  ? defaultBlock.httpStatus()
                  : DecisionMapper.httpStatus(block).getNumber(),
              DecisionMapper.headers(block, "headers"),
              block.getOrNull(StringValue.of("body")) == null
                  ? defaultBlock.body()
                  : DecisionMapper.body(block));
    } else {
      throw DecisionMapper.invalid(
          "expected on_block to be of type 'object' but got '" + b.typeName() + "'");
    }
    if (dryRun) {
      edits = observeOnly(edits);
      stream =
          new StreamSpec(observeOnlyRules(stream.rules()), stream.restore(), stream.holdBack());
    }
    return new PhaseDecision(
        allowed,
        allowed ? 403 : DecisionMapper.httpStatus(o).getNumber(),
        allowed ? "" : DecisionMapper.body(o),
        headers,
        allowed
            ? DecisionMapper.strings(
                o, request ? "request_headers_to_remove" : "response_headers_to_remove")
            : List.of(),
        allowed && request ? DecisionMapper.headers(o, "response_headers_to_add") : List.of(),
        allowed ? edits : List.of(),
        allowed ? stream : StreamSpec.NONE,
        onBlock,
        metadata);
  }

  /** 400 for a request, 502 for an answer; a JSON body naming the types found. */
  private static PhaseDecision.Denial defaultBlock(boolean request) {
    String what = request ? "request" : "response";
    return new PhaseDecision.Denial(
        request ? 400 : 502,
        List.of(
            HeaderValueOption.newBuilder()
                .setHeader(
                    io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder()
                        .setKey("content-type")
                        .setValue("application/json"))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build()),
        "{\"code\":\"" + what + "_blocked\",\"reason\":\"the " + what + " contains {types}\"}");
  }

  private static List<BodyEdit> observeOnly(List<BodyEdit> edits) {
    List<BodyEdit> out = new ArrayList<>(edits.size());
    for (BodyEdit e : edits) {
      out.add(
          e instanceof BodyEdit.Pii p && p.rule().action() == PiiRule.Action.BLOCK
              ? new BodyEdit.Pii(p.path(), logOnly(p.rule()))
              : e);
    }
    return out;
  }

  private static List<PiiRule> observeOnlyRules(List<PiiRule> rules) {
    return rules.stream().map(r -> r.action() == PiiRule.Action.BLOCK ? logOnly(r) : r).toList();
  }

  private static PiiRule logOnly(PiiRule r) {
    return new PiiRule(PiiRule.Action.LOG, r.types(), r.mode(), r.mask(), r.minScore());
  }
}
