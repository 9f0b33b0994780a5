package io.jrego.server.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same policy, mask and drop rules and inputs through real OPA ({@code opa run --server} with
 * {@code decision_logs.console}, 1.22.2 from {@code .ci/install-opa.sh}) and through jrego's logger
 * with its default mask off: the logged {@code input}, {@code result}, {@code erased}, {@code
 * masked} and the set of dropped events must be the same.
 */
class OpaDecisionLogParityIT {

  static final String MASK_POLICY =
      """
      package system.log

      mask contains "/input/password"
      mask contains "/input/missing"
      mask contains "/input/items/1"
      mask contains "/input/a b"
      mask contains "/input/profile/ssn/deeper"
      mask contains {"op": "upsert", "path": "/input/profile/ssn", "value": "***"}
      mask contains {"op": "upsert", "path": "/input/new/deep", "value": 1}
      mask contains {"op": "upsert", "path": "/input/items/7", "value": 0}
      mask contains {"op": "upsert", "path": "/result", "value": "hidden"} if input.input.user == "bob"
      mask contains "/input" if input.input.user == "dave"

      drop if input.input.user == "carol"
      """;

  static final List<String> INPUTS =
      List.of(
          "{\"user\":\"alice\",\"password\":\"pw\",\"items\":[1,2,3],\"profile\":{\"ssn\":\"123\"},"
              + "\"a b\":1}",
          "{\"user\":\"bob\",\"items\":[1]}",
          "{\"user\":\"carol\",\"password\":\"x\"}",
          "{\"user\":\"dave\",\"password\":\"x\"}",
          "{\"user\":\"erin\",\"profile\":\"scalar\",\"items\":{\"1\":\"object\"}}");

  @TempDir Path dir;

  @Test
  void sameMaskedEventsAsRealOpa() throws Exception {
    List<ObjectValue> opa = opaEvents();
    PreparedPolicy p = Events.policy(Events.ALLOW, MASK_POLICY);
    List<Value> jrego;
    try (Events.Console c = new Events.Console(false)) {
      List<DecisionEvent> events = new ArrayList<>();
      for (String in : INPUTS) {
        events.add(Events.event(p, in));
      }
      jrego = c.log(events.toArray(DecisionEvent[]::new));
    }
    assertThat(jrego).hasSameSizeAs(opa).hasSize(INPUTS.size() - 1);
    for (int i = 0; i < opa.size(); i++) {
      ObjectValue o = opa.get(i);
      ObjectValue j = (ObjectValue) jrego.get(i);
      for (String field : List.of("input", "result", "erased", "masked", "path")) {
        assertThat(j.get(field).map(Json::write))
            .as("%s of event %d (OPA: %s)", field, i, o)
            .isEqualTo(o.get(field).map(Json::write));
      }
      Set<String> opaKeys = keys(o);
      opaKeys.removeAll(List.of("req_id", "requested_by"));
      Set<String> jregoKeys = keys(j);
      jregoKeys.removeAll(List.of("bundles", "trace_id", "span_id"));
      assertThat(jregoKeys).isEqualTo(opaKeys);
    }
  }

  private static Set<String> keys(ObjectValue o) {
    TreeSet<String> out = new TreeSet<>();
    for (Value k : o.keys()) {
      out.add(((StringValue) k).value());
    }
    return out;
  }

  /** Waits until opa answers /health (true) or exits (false); 60 s at most. */
  private static boolean healthy(Process opa, HttpClient http, URI base) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (opa.isAlive() && System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    return false;
  }

  private List<ObjectValue> opaEvents() throws Exception {
    Files.writeString(dir.resolve("policy.rego"), Events.ALLOW);
    Files.writeString(dir.resolve("log.rego"), MASK_POLICY);
    Files.writeString(
        dir.resolve("conf.yaml"), "decision_logs:\n  console: true\nlabels:\n  team: ai\n");
    Path log = dir.resolve("opa.log");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Process opa = null;
    URI base = null;
    // a port free when picked can be taken before opa binds it: opa then exits saying so, and
    // starts again on another (three tries)
    for (int attempt = 1; opa == null; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Process p =
          new ProcessBuilder(
                  RealOpa.binary().toString(),
                  "run",
                  "--server",
                  "--addr",
                  "127.0.0.1:" + port,
                  "-c",
                  dir.resolve("conf.yaml").toString(),
                  dir.resolve("policy.rego").toString(),
                  dir.resolve("log.rego").toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      base = URI.create("http://127.0.0.1:" + port);
      if (healthy(p, http, base)) {
        opa = p;
      } else if (attempt == 3 || !Files.readString(log).contains("address already in use")) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail("opa did not start: " + Files.readString(log));
      }
    }
    try {
      for (String in : INPUTS) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve("/v1/data/envoy/authz/allow"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":" + in + "}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      }
      List<ObjectValue> events = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (events.size() < INPUTS.size() - 1 && System.nanoTime() < deadline) {
        events.clear();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
          if (line.contains("\"msg\":\"Decision Log\"")) {
            events.add((ObjectValue) Json.parse(line));
          }
        }
        Thread.sleep(50);
      }
      return events;
    } finally {
      opa.destroy();
      if (!opa.waitFor(10, TimeUnit.SECONDS)) {
        opa.destroyForcibly();
      }
    }
  }
}
