package io.jrego.server.process;

import static io.jrego.server.process.ProcessStreamTest.headers;
import static io.jrego.server.process.ProcessStreamTest.requestBody;
import static io.jrego.server.process.ProcessStreamTest.requestHeaders;
import static io.jrego.server.process.ProcessStreamTest.responseHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.SetValue;
import io.jrego.engine.value.StringValue;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.grpc.RecordingObserver;
import io.jrego.server.policy.PolicyFact;
import io.jrego.server.policy.PolicyHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check's decision carried into the ext_proc stream of the same request ({@link CheckedDecision}):
 * the request phase reads it instead of evaluating {@code data.envoy.authz.allow} again only when
 * it was made by the same policy for the same body; else, or when it is absent or cannot be read,
 * the stream evaluates as it does without it. The policy's {@code allow} says where it was
 * evaluated ({@code x-seen-by}: {@code check}, or the phase), so each test sees which one answered.
 */
class CheckedDecisionTest {

  private static final String AUTHZ =
      """
      package envoy.authz

      default allow := {"allowed": false, "http_status": 403}

      allow := {"allowed": true, "headers": {"x-seen-by": seen}, "dynamic_metadata": meta} if {
        input.attributes.request.http.method == "POST"
      }

      seen := object.get(input, "phase", "check")

      meta := {"jrego_check": "forged by the policy"} if input.attributes.request.http.headers["x-forge"]
      meta := {} if not input.attributes.request.http.headers["x-forge"]
      """;

  private static final String PROCESS =
      """
      package envoy.process

      import data.envoy.authz

      request := object.union(authz.allow, {"headers": {
        "x-seen-by": authz.allow.headers["x-seen-by"],
        "x-metadata-keys": concat(",", sort(object.keys(ext_authz))),
      }})

      response := {"allowed": true, "headers": {"x-response-seen-by": authz.allow.headers["x-seen-by"]}}

      ext_authz := object.get(input, ["attributes", "metadataContext", "filterMetadata", "envoy.filters.http.ext_authz"], {})
      """;

  private static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir Path dir;
  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private AuthorizationService check;
  private ExternalProcessorService process;

  @BeforeEach
  void setUp() throws Exception {
    activate();
    AuthorizationService.Config config =
        AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(5));
    check =
        new AuthorizationService(policies, new ServerMetrics(), config)
            .carryDecisionsTo("envoy/process");
    process =
        new ExternalProcessorService(
            policies, metrics, config, ExternalProcessorService.Config.defaults());
  }

  /** Compiles and activates the test policy again: a new activation, as a bundle swap makes. */
  private void activate() throws Exception {
    activate(PROCESS, null);
  }

  /** As {@link #activate()}, with {@code data} as the bundle's data.json. */
  private void activate(String data) throws Exception {
    activate(PROCESS, data);
  }

  /** As {@link #activate()}, with {@code process} as process.rego and {@code data} if not null. */
  private void activate(String process, String data) throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle-" + System.nanoTime()));
    Files.writeString(bundle.resolve("authz.rego"), AUTHZ);
    Files.writeString(bundle.resolve("process.rego"), process);
    if (data != null) {
      Files.writeString(bundle.resolve("data.json"), data);
    }
    policies.activate(JregoServer.load(bundle));
  }

  private static CheckRequest checkRequest(String body, Map<String, String> more) {
    AttributeContext.HttpRequest.Builder http =
        AttributeContext.HttpRequest.newBuilder()
            .setMethod("POST")
            .setPath("/v1/chat/completions")
            .setHost("models.local")
            .putHeaders(":method", "POST")
            .putHeaders("content-type", "application/json")
            .putAllHeaders(more)
            .setBody(body)
            .setSize(body.length());
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
        .build();
  }

  private CheckResponse check(String body, Map<String, String> more) {
    RecordingObserver<CheckResponse> out = new RecordingObserver<>();
    check.check(checkRequest(body, more), out);
    CheckResponse r = out.responses().get(0);
    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    return r;
  }

  /** The metadata Envoy forwards to ext_proc: ext_authz's namespace, as Check answered it. */
  private static Metadata forwarded(Struct ns) {
    return Metadata.newBuilder().putFilterMetadata(CheckedDecision.NAMESPACE, ns).build();
  }

  /** The request phase's header answers for a BUFFERED body {@code body}, with {@code metadata}. */
  private Map<String, String> requestPhase(Metadata metadata, String body) {
    ProcessStreamTest.Stream s = new ProcessStreamTest.Stream(process);
    s.send(
        requestHeaders(BodySendMode.BUFFERED, false, "application/json").toBuilder()
            .setMetadataContext(metadata)
            .build());
    s.only(); // the headers' answer (BUFFERED: at once)
    s.send(requestBody(body, true));
    ProcessingResponse r = s.only();
    assertThat(r.hasRequestBody()).as("answer %s", r).isTrue();
    Map<String, String> h =
        headers(r.getRequestBody().getResponse().getHeaderMutation().getSetHeadersList());
    s.send(responseHeaders("application/json", true));
    ProcessingResponse answer = s.only();
    h.put(
        "response",
        headers(answer.getResponseHeaders().getResponse().getHeaderMutation().getSetHeadersList())
            .get("x-response-seen-by"));
    return h;
  }

  private double counted(String result) {
    var c = metrics.registry().find("jrego.ext_proc.checked").tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void checksDecisionIsReadInsteadOfEvaluatedAgainForTheSamePolicyAndBody() {
    CheckResponse ok = check(BODY, Map.of());
    assertThat(CheckedDecision.carried(ok)).isTrue();

    Map<String, String> h = requestPhase(forwarded(ok.getDynamicMetadata()), BODY);

    assertThat(h).containsEntry("x-seen-by", "check").containsEntry("response", "check");
    // the policy's input holds what Envoy forwarded, without jrego's own entry
    assertThat(h).containsEntry("x-metadata-keys", "decision_id");
    assertThat(counted("used")).isEqualTo(1);
  }

  @Test
  void withoutCheckTheStreamEvaluatesAsBefore() {
    Map<String, String> h = requestPhase(Metadata.getDefaultInstance(), BODY);
    assertThat(h).containsEntry("x-seen-by", "request").containsEntry("response", "response");
    assertThat(h).containsEntry("x-metadata-keys", "");
    assertThat(counted("absent")).isEqualTo(1);
    assertThat(counted("used")).isZero();
  }

  @Test
  void aPolicySwappedForOtherDataBetweenCheckAndTheStreamEvaluatesAgain() throws Exception {
    CheckResponse ok = check(BODY, Map.of());
    activate("{\"limits\": {\"tokens\": 2}}");
    assertThat(requestPhase(forwarded(ok.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(counted("policy_changed")).isEqualTo(1);
  }

  /**
   * What Check's writer and the streams read of a policy (whether it defines the request rule, its
   * token, its phase rules) is computed when the policy is activated, before it serves: the first
   * Check and stream after a swap compute none of it (they used to, each in a cache of the last
   * policy it saw, and set off the compiled code's trap for a new policy on a check thread).
   */
  @Test
  void aSwapPreparesWhatCheckAndTheStreamsReadOfTheNewPolicyBeforeItServes() throws Exception {
    CheckResponse ok = check(BODY, Map.of());
    assertThat(requestPhase(forwarded(ok.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "check");
    List<PolicyFact<?>> facts = policies.facts();
    assertThat(facts).hasSize(2); // the writer's and the streams'
    assertThat(computations(facts)).containsExactly(1L, 1L);

    activate("{\"limits\": {\"tokens\": 2}}"); // another policy: another token
    assertThat(computations(facts)).containsExactly(2L, 2L);

    CheckResponse again = check(BODY, Map.of());
    assertThat(CheckedDecision.carried(again)).isTrue();
    assertThat(requestPhase(forwarded(again.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "check")
        .containsEntry("response", "check");
    assertThat(requestPhase(Metadata.getDefaultInstance(), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(computations(facts)).containsExactly(2L, 2L);
    assertThat(counted("used")).isEqualTo(2);
  }

  private static List<Long> computations(List<PolicyFact<?>> facts) {
    return facts.stream().map(PolicyFact::computations).toList();
  }

  @Test
  void aPolicySwappedForOtherCodeBetweenCheckAndTheStreamEvaluatesAgain() throws Exception {
    CheckResponse ok = check(BODY, Map.of());
    activate(PROCESS + "\n# a comment is code too\n", null);
    assertThat(requestPhase(forwarded(ok.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(counted("policy_changed")).isEqualTo(1);
  }

  @Test
  void aPolicySwappedForTheSameBundleBetweenCheckAndTheStreamStillUsesIt() throws Exception {
    CheckResponse ok = check(BODY, Map.of());
    activate(); // compiled again from other files with the same content: the same decisions
    assertThat(requestPhase(forwarded(ok.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "check");
    assertThat(counted("used")).isEqualTo(1);
  }

  /**
   * Another jrego (its own holder, services and compilation, as another replica behind the same
   * Envoy) made the decision: used when it serves the same bundle with the same input options,
   * evaluated again when its data or its input options differ.
   */
  @Test
  void aDecisionFromAnotherJregoIsUsedOnlyForTheSameBundleAndInputOptions() throws Exception {
    AuthorizationService.Config config =
        AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(5));

    CheckResponse same = otherJrego(config, null).check(BODY, Map.of());
    assertThat(requestPhase(forwarded(same.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "check");
    assertThat(counted("used")).isEqualTo(1);

    CheckResponse otherData =
        otherJrego(config, "{\"limits\": {\"tokens\": 2}}").check(BODY, Map.of());
    assertThat(requestPhase(forwarded(otherData.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(counted("policy_changed")).isEqualTo(1);

    AuthorizationService.Config otherInput =
        config.toBuilder()
            .input(
                new io.jrego.server.envoy.InputMapper.Options(
                    !config.input().skipRequestBodyParse(),
                    config.input().trustXfcc(),
                    config.input().maxParams()))
            .build();
    CheckResponse otherOptions = otherJrego(otherInput, null).check(BODY, Map.of());
    assertThat(requestPhase(forwarded(otherOptions.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(counted("policy_changed")).isEqualTo(2);
    assertThat(counted("used")).isEqualTo(1);
  }

  /** A Check service of its own, on its own compilation of the test bundle (data if not null). */
  private CheckedDecisionTest otherJrego(AuthorizationService.Config config, String data)
      throws Exception {
    CheckedDecisionTest other = new CheckedDecisionTest();
    other.dir = Files.createDirectories(dir.resolve("other-" + System.nanoTime()));
    other.activate(PROCESS, data);
    other.check =
        new AuthorizationService(other.policies, new ServerMetrics(), config)
            .carryDecisionsTo("envoy/process");
    return other;
  }

  @Test
  void aBodyOtherThanTheOneCheckSawEvaluatesAgain() {
    CheckResponse ok = check(BODY, Map.of());
    String other = BODY.replace("hi", "ho");
    assertThat(requestPhase(forwarded(ok.getDynamicMetadata()), other))
        .containsEntry("x-seen-by", "request");
    assertThat(counted("body_differs")).isEqualTo(1);
  }

  @Test
  void checkSeeingAPartialBodyCarriesNothing() {
    String cut = BODY.substring(0, 10);
    CheckResponse ok = check(cut, Map.of(CheckedDecision.PARTIAL_BODY, "true"));
    assertThat(CheckedDecision.carried(ok)).isFalse();
    assertThat(requestPhase(forwarded(ok.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(counted("absent")).isEqualTo(1);
  }

  @Test
  void aPolicysOwnEntryUnderJregosKeyIsDroppedOrReplaced() {
    CheckResponse carried = check(BODY, Map.of("x-forge", "1"));
    assertThat(carried.getDynamicMetadata().getFieldsOrThrow(CheckedDecision.KEY).hasStructValue())
        .isTrue();
    CheckResponse partial =
        check(BODY, Map.of("x-forge", "1", CheckedDecision.PARTIAL_BODY, "true"));
    assertThat(CheckedDecision.carried(partial)).isFalse();
    assertThat(requestPhase(forwarded(carried.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "check");
  }

  @Test
  void anEntryThatCannotBeReadIsEvaluatedAgainAndCounted() {
    Struct ok = check(BODY, Map.of()).getDynamicMetadata();
    Struct entry = ok.getFieldsOrThrow(CheckedDecision.KEY).getStructValue();
    Map<String, Struct> bad =
        Map.of(
            "not an object",
            ok.toBuilder().putFields(CheckedDecision.KEY, string("x")).build(),
            "decision not JSON",
            ok.toBuilder()
                .putFields(
                    CheckedDecision.KEY,
                    struct(entry.toBuilder().putFields("decision", string("{nope")).build()))
                .build(),
            "no body length",
            ok.toBuilder()
                .putFields(
                    CheckedDecision.KEY,
                    struct(entry.toBuilder().removeFields("body_bytes").build()))
                .build(),
            "a fractional crc",
            ok.toBuilder()
                .putFields(
                    CheckedDecision.KEY,
                    struct(
                        entry.toBuilder()
                            .putFields(
                                "body_crc32c", Value.newBuilder().setNumberValue(1.5).build())
                            .build()))
                .build());
    bad.forEach(
        (what, ns) ->
            assertThat(requestPhase(forwarded(ns), BODY))
                .as(what)
                .containsEntry("x-seen-by", "request")
                .containsEntry("x-metadata-keys", "decision_id"));
    assertThat(counted("malformed")).isEqualTo(bad.size());
  }

  @Test
  void aDecisionJsonCannotCarryUnchangedIsNotCarried() {
    assertThat(CheckedDecision.writeJson(Json.parse("{\"a\": [1]}"), new StringBuilder())).isTrue();
    assertThat(
            CheckedDecision.writeJson(
                ObjectValue.EMPTY.with(
                    StringValue.of("s"), SetValue.of(List.of(StringValue.of("x")))),
                new StringBuilder()))
        .isFalse();
    assertThat(
            CheckedDecision.writeJson(
                ObjectValue.EMPTY.with(
                    StringValue.of("o"),
                    ObjectValue.EMPTY.with(NumberValue.of(1), StringValue.of("x"))),
                new StringBuilder()))
        .isFalse();
  }

  /**
   * The entry's JSON, written without Jackson, reads back as the value written: escapes, control
   * characters, characters beyond the BMP, numbers as the policy made them.
   */
  @Test
  void theDecisionsJsonReadsBackAsTheSameValue() throws Exception {
    // a lone surrogate reads back as U+FFFD: such a decision is not carried
    for (String lone : List.of("\ud800 end", "a\udc00", "\ud83d")) {
      assertThat(CheckedDecision.writeJson(StringValue.of(lone), new StringBuilder())).isFalse();
      assertThat(
              CheckedDecision.writeJson(
                  ObjectValue.EMPTY.with(StringValue.of(lone), StringValue.of("v")),
                  new StringBuilder()))
          .isFalse();
    }
    List<String> texts = List.of("q\" b\\ /", "\n\r\t\b\f\u0001\u001f", "é € 😀 end", "");
    for (String t : texts) {
      StringBuilder one = new StringBuilder();
      assertThat(CheckedDecision.writeJson(StringValue.of(t), one)).isTrue();
      assertThat(Json.parse(one.toString())).as("%s as %s", t, one).isEqualTo(StringValue.of(t));
    }
    String text = String.join(" ", texts);
    io.jrego.engine.value.Value v =
        ObjectValue.EMPTY
            .with(StringValue.of("allowed"), io.jrego.engine.value.BooleanValue.TRUE)
            .with(StringValue.of(text), StringValue.of(text))
            .with(StringValue.of("n"), io.jrego.engine.value.NullValue.INSTANCE)
            .with(
                StringValue.of("numbers"),
                Json.parse("[0, -1, 3.25, 1e300, 12345678901234567890123, 0.1]"))
            .with(StringValue.of("nested"), Json.parse("{\"a\": [{\"b\": []}, {}]}"));
    StringBuilder out = new StringBuilder();
    assertThat(CheckedDecision.writeJson(v, out)).isTrue();
    // through a proto string, as the entry travels
    String travelled = Value.newBuilder().setStringValue(out.toString()).build().getStringValue();
    assertThat(
            Value.parseFrom(Value.newBuilder().setStringValue(travelled).build().toByteString())
                .getStringValue())
        .isEqualTo(out.toString());
    assertThat(Json.parse(out.toString())).isEqualTo(v);
  }

  /**
   * The body's CRC is taken over the UTF-8 bytes of the string Check received, written into it
   * without one array for the whole body: the same as over the bytes Envoy sends the stream, across
   * the writer's buffer boundaries and for a lone surrogate (protobuf's UTF-8 writes {@code ?}).
   */
  @Test
  void theBodysCrcIsTheSameAsOverTheBytesTheStreamGets() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 700; i++) {
      b.append(i % 7 == 0 ? "é" : i % 11 == 0 ? "€" : i % 13 == 0 ? "😀" : "a");
    }
    for (String s : List.of("", "plain", b.toString(), "x\ud800y", "\udc00", "end\ud83d")) {
      ByteString bytes = ByteString.copyFromUtf8(s);
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      assertThat(CheckedDecision.utf8(s, crc)).as(s).isEqualTo(bytes.size());
      assertThat(crc.getValue()).as(s).isEqualTo(CheckedDecision.crc(bytes));
    }
  }

  /**
   * Wired as {@code jrego serve} wires it ({@link CheckedDecision.Carrying#AUTO}): Check writes no
   * entry until the ext_proc service has seen a stream that Envoy forwarded ext_authz's namespace
   * to; a stream without it (ext_proc without ext_authz, or an Envoy that forwards nothing) opens
   * nothing. {@code never} writes nothing after such a stream, {@code always} from the first Check.
   */
  @Test
  void checkWritesOnlyOnceAStreamShowsEnvoyForwardsExtAuthzsNamespace() {
    CheckedDecision.Gate gate = new CheckedDecision.Gate(CheckedDecision.Carrying.AUTO);
    wire(gate);
    CheckResponse before = check(BODY, Map.of());
    assertThat(CheckedDecision.carried(before)).isFalse();
    assertThat(before.getDynamicMetadata().getFieldsMap()).containsKey("decision_id");

    requestPhase(Metadata.getDefaultInstance(), BODY); // nothing forwarded
    assertThat(gate.open()).isFalse();
    assertThat(CheckedDecision.carried(check(BODY, Map.of()))).isFalse();

    // the namespace as Envoy forwards it from a Check that wrote no entry (the decision id)
    assertThat(requestPhase(forwarded(before.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "request");
    assertThat(gate.open()).isTrue();
    CheckResponse after = check(BODY, Map.of());
    assertThat(CheckedDecision.carried(after)).isTrue();
    assertThat(requestPhase(forwarded(after.getDynamicMetadata()), BODY))
        .containsEntry("x-seen-by", "check");
    assertThat(counted("used")).isEqualTo(1);
    assertThat(counted("absent")).isEqualTo(2);

    CheckedDecision.Gate never = new CheckedDecision.Gate(CheckedDecision.Carrying.NEVER);
    wire(never);
    requestPhase(forwarded(before.getDynamicMetadata()), BODY);
    assertThat(CheckedDecision.carried(check(BODY, Map.of()))).isFalse();

    wire(new CheckedDecision.Gate(CheckedDecision.Carrying.ALWAYS));
    assertThat(CheckedDecision.carried(check(BODY, Map.of()))).isTrue();
  }

  /** Check and ext_proc sharing {@code gate}, as JregoServer wires them. */
  private void wire(CheckedDecision.Gate gate) {
    AuthorizationService.Config config =
        AuthorizationService.Config.defaults().withEvalTimeout(Duration.ofSeconds(5));
    check =
        new AuthorizationService(policies, new ServerMetrics(), config)
            .carryDecisionsTo("envoy/process", gate);
    process.opens(gate);
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value struct(Struct s) {
    return Value.newBuilder().setStructValue(s).build();
  }
}
