package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.AllocationMeter;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.envoy.InputMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Legitimate AI traffic against the evaluation allocation limit that {@code jrego serve} derives
 * from the launcher's heap ({@code -Xmx128m}, eight check threads: 128 MiB / 32 = 4 MiB): the
 * shipped ai-gateway and rag-gateway bundles' Check and ext_proc decisions must not end in an
 * {@code eval_limit_error}, on the first evaluation in the JVM as on later ones.
 */
class AiTrafficAllocationTest {

  static final Path REPO = Path.of("").toAbsolutePath().getParent();
  static final long LAUNCHER_BUDGET = (128L << 20) / (4L * 8);

  record Case(String name, PreparedPolicy policy, String path, Value input) {}

  @Test
  void legitimateAiTrafficFitsTheLauncherBudget_coldAndWarm() throws Exception {
    EngineOptions options = EngineOptions.defaults().withMaxAllocationBytes(LAUNCHER_BUDGET);
    PreparedPolicy ai =
        BundleLoader.load(REPO.resolve("rego-policies/ai-gateway")).compile(options);
    PreparedPolicy rag =
        BundleLoader.load(REPO.resolve("rego-policies/rag-gateway")).compile(options);
    ObjectValue chat2k = chatInput(2 << 10);
    ObjectValue chat100k = chatInput(100 << 10);
    ObjectValue ragRequest = ragRetrieve();
    ObjectValue ragAnswer = ragResponse(ragRequest, 4);
    List<Case> cases =
        List.of(
            new Case("ai chat 2 KB Check", ai, "envoy/authz/allow", chat2k),
            new Case("ai chat 2 KB ext_proc request", ai, "envoy/process/request", chat2k),
            new Case("ai chat 100 KB Check", ai, "envoy/authz/allow", chat100k),
            new Case("ai chat 100 KB ext_proc request", ai, "envoy/process/request", chat100k),
            new Case("rag retrieve Check", rag, "rag/authz/allow", ragRequest),
            new Case("rag answer ext_proc response", rag, "rag/process/response", ragAnswer));
    Map<String, long[]> bytes = new LinkedHashMap<>();
    for (int round = 0; round < 200; round++) {
      for (Case c : cases) {
        AllocationMeter m = AllocationMeter.start(Long.MAX_VALUE);
        m.allocated();
        Optional<Value> d = c.policy.evaluate(c.path, c.input);
        long used = m.allocated();
        long[] b = bytes.computeIfAbsent(c.name, k -> new long[] {used, Long.MAX_VALUE});
        b[1] = Math.min(b[1], used);
        assertThat(d).as(c.name).isPresent();
        assertThat(((ObjectValue) d.get()).get("allowed"))
            .as("%s: %s", c.name, d.get())
            .contains(BooleanValue.TRUE);
      }
    }
    bytes.forEach(
        (k, v) ->
            System.out.printf(
                "ALLOC %-34s first %,12d  warm %,10d  limit %,d%n",
                k, v[0], v[1], LAUNCHER_BUDGET));
  }

  private static ObjectValue chatInput(int size) throws Exception {
    JsonNode req =
        new ObjectMapper().readTree(REPO.resolve("load-tests/inputs/ai-chat-2kb.json").toFile());
    JsonNode http = req.at("/attributes/request/http");
    AttributeContext.HttpRequest.Builder h =
        AttributeContext.HttpRequest.newBuilder()
            .setMethod(http.get("method").asText())
            .setPath(http.get("path").asText())
            .setHost(http.get("host").asText())
            .setScheme("http")
            .setProtocol("HTTP/1.1");
    http.get("headers").properties().forEach(e -> h.putHeaders(e.getKey(), e.getValue().asText()));
    String body = http.get("body").asText();
    if (size > body.length()) {
      // more turns of the same conversation, each a user question and an assistant answer
      ObjectValue parsed = (ObjectValue) Json.parse(body);
      List<Value> messages = new ArrayList<>();
      for (Value m : (io.jrego.engine.value.ArrayValue) parsed.get("messages").orElseThrow()) {
        messages.add(m);
      }
      int turn = 0;
      while (Json.write(parsed).length() < size) {
        String q =
            "Question "
                + turn
                + ": my order 1"
                + (10000 + turn)
                + " has not arrived; the tracking page shows no update since Tuesday. "
                + "Could you check with the carrier and tell me when it will be delivered?";
        messages.add(
            new ObjectValue.Builder()
                .put("role", StringValue.of("user"))
                .put("content", StringValue.of(q))
                .build());
        messages.add(
            new ObjectValue.Builder()
                .put("role", StringValue.of("assistant"))
                .put(
                    "content",
                    StringValue.of(
                        "Order 1"
                            + (10000 + turn)
                            + " left our warehouse on Monday and is with the carrier; it should"
                            + " arrive within two business days."))
                .build());
        turn++;
        parsed =
            new ObjectValue.Builder()
                .put("model", parsed.get("model").orElseThrow())
                .put("messages", io.jrego.engine.value.ArrayValue.of(messages))
                .build();
      }
      body = Json.write(parsed);
    }
    h.setBody(body).setSize(body.length());
    CheckRequest r =
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setSource(
                        AttributeContext.Peer.newBuilder()
                            .setPrincipal(req.at("/attributes/source/principal").asText())
                            .setAddress(
                                Address.newBuilder()
                                    .setSocketAddress(
                                        SocketAddress.newBuilder()
                                            .setAddress("127.0.0.1")
                                            .setPortValue(50112))))
                    .setRequest(AttributeContext.Request.newBuilder().setHttp(h)))
            .build();
    return new InputMapper(InputMapper.Options.defaults()).map(r);
  }

  private static ObjectValue ragRetrieve() {
    return (ObjectValue)
        Json.parse(
            """
            {"attributes": {"request": {"http": {"method": "POST", "path": "/v1/retrieve",
              "headers": {"content-type": "application/json"}}}},
             "parsed_body": {"collection": "kb-billing", "namespace": "acme",
               "query": "how do refunds work?", "top_k": 5, "filter": {"tenant_id": "acme"}},
             "truncated_body": false,
             "spiffe": {"id": "spiffe://cluster.local/ns/support/sa/assistant"}}
            """);
  }

  private static ObjectValue ragResponse(ObjectValue request, int docs) {
    List<Value> results = new ArrayList<>();
    for (int i = 0; i < docs; i++) {
      String text =
          ("Refunds for order cancellations are issued to the original payment method within"
                  + " five business days of the cancellation being confirmed. Partial refunds"
                  + " apply to orders that shipped in part; the shipping fee is refunded only"
                  + " when the whole order is cancelled before dispatch. Section "
                  + i
                  + ". ")
              .repeat(4);
      results.add(
          Json.parse(
              "{\"id\": \"doc-"
                  + i
                  + "\", \"score\": 0.8, \"text\": "
                  + Json.write(StringValue.of(text))
                  + "}"));
    }
    ObjectValue.Builder b = new ObjectValue.Builder();
    request.forEach(b::put);
    b.put("phase", StringValue.of("response"));
    b.put(
        "response",
        new ObjectValue.Builder()
            .put("status", io.jrego.engine.value.NumberValue.of(200))
            .put("headers", Json.parse("{\"content-type\": \"application/json\"}"))
            .put("stream", BooleanValue.FALSE)
            .put(
                "parsed_body",
                new ObjectValue.Builder()
                    .put("results", io.jrego.engine.value.ArrayValue.of(results))
                    .build())
            .build());
    return b.build();
  }
}
