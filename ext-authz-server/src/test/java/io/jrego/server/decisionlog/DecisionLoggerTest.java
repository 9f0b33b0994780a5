package io.jrego.server.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DecisionLoggerTest {

  @Test
  void eventHasOpaFieldsAndConsoleEnvelope() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW);
    List<Value> lines;
    try (Events.Console c = new Events.Console(false)) {
      lines = c.log(Events.event(p, "{\"user\":\"alice\"}"));
    }
    assertThat(lines).hasSize(1);
    ObjectValue e = (ObjectValue) lines.get(0);
    assertThat(Json.write(e.get("decision_id").orElseThrow()))
        .isEqualTo("\"4b9f0c7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f\"");
    assertThat(str(e, "path")).isEqualTo("envoy/authz/allow");
    assertThat(Json.write(e.get("input").orElseThrow())).isEqualTo("{\"user\":\"alice\"}");
    assertThat(Json.write(e.get("result").orElseThrow())).isEqualTo("true");
    assertThat(Json.write(e.get("bundles").orElseThrow()))
        .isEqualTo("{\"bundles/main\":{\"revision\":\"rev-7\"}}");
    assertThat(Json.write(e.get("labels").orElseThrow()))
        .isEqualTo("{\"id\":\"i-1\",\"version\":\"test\"}");
    assertThat(Json.write(e.get("metrics").orElseThrow()))
        .isEqualTo(
            "{\"timer_rego_input_parse_ns\":1500,\"timer_rego_query_eval_ns\":2500,"
                + "\"timer_server_handler_ns\":9000}");
    assertThat(str(e, "timestamp")).isEqualTo("2026-12-05T03:40:12.12045Z");
    assertThat(str(e, "trace_id")).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(str(e, "span_id")).isEqualTo("b7ad6b7169203331");
    assertThat(str(e, "level")).isEqualTo("info");
    assertThat(str(e, "msg")).isEqualTo("Decision Log");
    assertThat(str(e, "type")).isEqualTo("openpolicyagent.org/decision_logs");
    assertThat(str(e, "time")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(e.get("erased")).isEmpty();
    assertThat(e.get("masked")).isEmpty();
  }

  @Test
  void bundleMaskAndDropApplyAsOpa() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW, OpaDecisionLogParityIT.MASK_POLICY);
    List<Value> lines;
    try (Events.Console c = new Events.Console(false)) {
      lines =
          c.log(
              Events.event(
                  p,
                  "{\"user\":\"alice\",\"password\":\"pw\",\"items\":[1,2,3],"
                      + "\"profile\":{\"ssn\":\"123\"}}"),
              Events.event(p, "{\"user\":\"bob\",\"items\":[1]}"),
              Events.event(p, "{\"user\":\"carol\"}"));
    }
    // these are the events real OPA 1.22.2 logs for the same policy and inputs
    // (OpaDecisionLogParityIT checks that against the binary)
    assertThat(lines).hasSize(2);
    ObjectValue alice = (ObjectValue) lines.get(0);
    assertThat(Json.write(alice.get("input").orElseThrow()))
        .isEqualTo(
            "{\"items\":[1,3],\"new\":{\"deep\":1},\"profile\":{\"ssn\":\"***\"},"
                + "\"user\":\"alice\"}");
    assertThat(Json.write(alice.get("erased").orElseThrow()))
        .isEqualTo("[\"/input/items/1\",\"/input/password\"]");
    assertThat(Json.write(alice.get("masked").orElseThrow()))
        .isEqualTo("[\"/input/new/deep\",\"/input/profile/ssn\"]");
    ObjectValue bob = (ObjectValue) lines.get(1);
    assertThat(bob.get("erased")).isEmpty();
    assertThat(Json.write(bob.get("masked").orElseThrow()))
        .isEqualTo("[\"/input/new/deep\",\"/input/profile/ssn\",\"/result\"]");
    assertThat(Json.write(bob.get("result").orElseThrow())).isEqualTo("\"hidden\"");
  }

  @Test
  void maskRuleOfTheWrongShapeMeansNoEvent() throws Exception {
    PreparedPolicy p =
        Events.policy(Events.ALLOW, "package system.log\n\nmask := {\"not\": \"a set\"}\n");
    Events.Console c = new Events.Console(true);
    assertThat(c.log(Events.event(p, "{\"user\":\"alice\",\"password\":\"pw\"}"))).isEmpty();
    assertThat(c.logger.stats().dropped("mask_error")).isEqualTo(1);
  }

  @Test
  void maskRuleThatFailsMeansNoEvent() throws Exception {
    PreparedPolicy p =
        Events.policy(
            Events.ALLOW,
            // two complete definitions with different values: eval_conflict_error
            """
            package system.log

            mask := ["/input/a"] if input.input.user
            mask := ["/input/b"] if input.input.user
            """);
    Events.Console c = new Events.Console(true);
    assertThat(c.log(Events.event(p, "{\"user\":\"alice\"}"))).isEmpty();
    assertThat(c.logger.stats().dropped("mask_error")).isEqualTo(1);
  }

  @Test
  void dropRuleCountsFilteredNotLost() throws Exception {
    PreparedPolicy p =
        Events.policy(Events.ALLOW, "package system.log\n\ndrop if input.result == false\n");
    Events.Console c = new Events.Console(true);
    List<Value> lines =
        c.log(Events.event(p, "{\"user\":\"mallory\"}"), Events.event(p, "{\"user\":\"alice\"}"));
    assertThat(lines).hasSize(1);
    assertThat(c.logger.stats().filteredCount()).isEqualTo(1);
    assertThat(c.logger.stats().written()).isEqualTo(1);
  }

  @Test
  void recordNeverBlocks_aFullQueueDropsAndCounts() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger returned = new AtomicInteger();
    Sink blocked =
        new Sink() {
          @Override
          public void write(ObjectValue event, byte[] json) throws IOException {
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            returned.incrementAndGet();
          }

          @Override
          public void close(long deadlineNanos) {}
        };
    DecisionLogStats stats = new DecisionLogStats();
    DecisionLogger logger =
        new DecisionLogger(
            new DecisionLogger.Config(
                Map.of(), true, 2, "system/log/mask", "system/log/drop", Duration.ofMillis(100)),
            List.of(blocked),
            stats);
    DecisionEvent e = Events.event(Events.policy(Events.ALLOW), "{\"user\":\"alice\"}");
    for (int i = 0; i < 1000; i++) {
      logger.record(e);
    }
    // the sink still holds its first event: no record() waited for it (one that did would have
    // returned only after the sink, 60 s later)
    assertThat(returned.get()).as("writes the sink has finished").isZero();
    release.countDown();
    logger.close(Duration.ofSeconds(30));
    // one event in the sink, two queued: every other one was dropped and counted
    assertThat(stats.dropped("queue_full")).isBetween(995L, 998L);
    assertThat(stats.written() + stats.dropped("queue_full")).isEqualTo(1000);
  }

  private static String str(ObjectValue o, String key) {
    Value v = o.get(key).orElseThrow(() -> new AssertionError("no " + key + " in " + o));
    return ((io.jrego.engine.value.StringValue) v).value();
  }
}
