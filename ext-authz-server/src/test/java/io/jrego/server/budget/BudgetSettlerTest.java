package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.jrego.engine.value.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The response path: Check reserves, the settler reads the answer's usage and settles. */
class BudgetSettlerTest {

  private final BudgetStore store = new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 1_000);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final BudgetGate gate = new BudgetGate(store, new BudgetMetrics(registry));
  private final Budget budget = Budget.tokens("caller:a/model:m", Window.HOUR, 10_000);

  /** Reserves 1,000 tokens as Check would, and returns the metadata Envoy forwards to ext_proc. */
  private Map<String, Struct> check() throws Exception {
    CheckResponse ok =
        CheckResponse.newBuilder()
            .setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE))
            .setOkResponse(OkHttpResponse.getDefaultInstance())
            .build();
    BudgetGate.Outcome o =
        gate.reserve(
            Json.parse(
                """
                {"allowed": true, "budget": {"estimate": 1000, "limits": [
                  {"key": "caller:a/model:m", "window": "hour", "limit_tokens": 10000}]}}"""),
            UUID.randomUUID().toString(),
            ok);
    assertThat(o).isInstanceOf(BudgetGate.Outcome.Reserved.class);
    return Map.of(
        BudgetSettler.EXT_AUTHZ_NAMESPACE,
        ((BudgetGate.Outcome.Reserved) o).response().getDynamicMetadata());
  }

  private BudgetSettler settler(Map<String, Struct> metadata) {
    return new BudgetSettler(gate, BudgetSettler.reservationId(metadata).orElseThrow());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aJsonAnswerSettlesItsReportedUsage() throws Exception {
    BudgetSettler s = settler(check());
    s.contentType("application/json");
    s.body(utf8("{\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_"), false);
    s.body(utf8("tokens\":40,\"completion_tokens\":1200,\"total_tokens\":1240}}"), true);
    assertThat(s.result().orElseThrow())
        .isEqualTo(new SettleResult(SettleResult.Outcome.SETTLED, 1240, 0, 240));
    s.closed();
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(1240, 0, 1, 0));
    assertThat(registry.get("jrego.budget.tokens").tag("kind", "overshoot").counter().count())
        .isEqualTo(240.0);
  }

  @Test
  void anSseAnswerSettlesFromItsUsageChunk() throws Exception {
    BudgetSettler s = settler(check());
    s.contentType("text/event-stream; charset=utf-8");
    String sse =
        "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":300,"
            + "\"total_tokens\":340}}\n\ndata: [DONE]\n\n";
    byte[] b = utf8(sse);
    for (int i = 0; i < b.length; i += 17) {
      s.body(java.util.Arrays.copyOfRange(b, i, Math.min(b.length, i + 17)), false);
    }
    s.body(new byte[0], true);
    assertThat(s.result().orElseThrow())
        .isEqualTo(new SettleResult(SettleResult.Outcome.SETTLED, 340, 660, 0));
    assertThat(store.usage(budget).used()).isEqualTo(340);
  }

  @Test
  void aStreamThatClosesEarlyOrReportsNothingReleasesItsReservation() throws Exception {
    BudgetSettler cut = settler(check());
    cut.contentType("text/event-stream");
    cut.body(utf8("data: {\"choices\":[{\"delta\":{\"content\":\"par"), false);
    cut.closed();
    // The default lease policy charges the estimate of a request whose usage is unknown.
    assertThat(cut.result().orElseThrow())
        .isEqualTo(new SettleResult(SettleResult.Outcome.SETTLED, 1000, 0, 0));

    BudgetSettler silent = settler(check());
    silent.contentType("application/json");
    silent.body(utf8("{\"error\":{\"message\":\"upstream failed\"}}"), true);
    assertThat(silent.result().orElseThrow().charged()).isEqualTo(1000);
    assertThat(store.usage(budget)).isEqualTo(new BudgetStore.Usage(2000, 0, 2, 0));
  }

  @Test
  void noReservationInTheMetadataIsNoSettler() {
    assertThat(BudgetSettler.reservationId(Map.of())).isEmpty();
    assertThat(
            BudgetSettler.reservationId(
                Map.of(BudgetSettler.EXT_AUTHZ_NAMESPACE, Struct.getDefaultInstance())))
        .isEmpty();
  }
}
