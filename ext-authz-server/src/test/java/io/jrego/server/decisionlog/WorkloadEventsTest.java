package io.jrego.server.decisionlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.observe.DecisionEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What routes, several bundles and the caller's address put in an event, and log rules that a
 * bundle defines in its data rather than as rules.
 */
class WorkloadEventsTest {

  private static DecisionEvent routed(DecisionEvent e, String route, Map<String, String> bundles) {
    return new DecisionEvent(
        e.service(),
        e.phase(),
        e.decisionId(),
        e.path(),
        e.input(),
        e.result(),
        e.error(),
        e.outcome(),
        e.reason(),
        e.dryRun(),
        e.bundle().map(b -> new DecisionEvent.Bundle(b.name(), b.revision(), b.policy(), bundles)),
        e.timestamp(),
        e.timings(),
        e.traceContext(),
        "10.0.0.7:51234",
        route);
  }

  @Test
  void aRoutedEventNamesItsRouteAndBundlesAndWhoAsked() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW);
    DecisionEvent e =
        routed(Events.event(p, "{\"user\": \"alice\"}"), "payments", Map.of("payments", "pay-1"));
    List<Value> lines;
    try (Events.Console c = new Events.Console(false)) {
      lines = c.log(e);
    }
    ObjectValue line = (ObjectValue) lines.get(0);
    assertThat(Json.write(line.get("labels").orElseThrow()))
        .isEqualTo("{\"id\":\"i-1\",\"route\":\"payments\",\"version\":\"test\"}");
    assertThat(Json.write(line.get("bundles").orElseThrow()))
        .isEqualTo("{\"payments\":{\"revision\":\"pay-1\"}}");
    assertThat(Json.write(line.get("requested_by").orElseThrow())).isEqualTo("\"10.0.0.7:51234\"");
  }

  @Test
  void anUnroutedEventOfSeveralBundlesListsThemAll() throws Exception {
    PreparedPolicy p = Events.policy(Events.ALLOW);
    DecisionEvent e =
        routed(
            Events.event(p, "{\"user\": \"alice\"}"),
            "",
            Map.of("payments", "pay-1", "search", "s-2"));
    List<Value> lines;
    try (Events.Console c = new Events.Console(false)) {
      lines = c.log(e);
    }
    ObjectValue line = (ObjectValue) lines.get(0);
    assertThat(Json.write(line.get("labels").orElseThrow()))
        .isEqualTo("{\"id\":\"i-1\",\"version\":\"test\"}");
    assertThat(Json.write(line.get("bundles").orElseThrow()))
        .isEqualTo("{\"payments\":{\"revision\":\"pay-1\"},\"search\":{\"revision\":\"s-2\"}}");
  }

  @Test
  void aMaskOrDropGivenAsBundleDataStillApplies() throws Exception {
    PreparedPolicy masked =
        Rego.builder()
            .module("m.rego", Events.ALLOW)
            .data(
                (ObjectValue)
                    Json.parse("{\"system\": {\"log\": {\"mask\": [\"/input/password\"]}}}"))
            .compile();
    List<Value> lines;
    try (Events.Console c = new Events.Console(false)) {
      lines = c.log(Events.event(masked, "{\"user\": \"alice\", \"password\": \"hunter2\"}"));
    }
    ObjectValue line = (ObjectValue) lines.get(0);
    assertThat(Json.write(line.get("input").orElseThrow())).isEqualTo("{\"user\":\"alice\"}");
    assertThat(Json.write(line.get("erased").orElseThrow())).isEqualTo("[\"/input/password\"]");

    PreparedPolicy dropped =
        Rego.builder()
            .module("m.rego", Events.ALLOW)
            .data((ObjectValue) Json.parse("{\"system\": {\"log\": {\"drop\": true}}}"))
            .compile();
    try (Events.Console c = new Events.Console(false)) {
      assertThat(c.log(Events.event(dropped, "{\"user\": \"alice\"}"))).isEmpty();
      assertThat(c.logger.stats().filteredCount()).isEqualTo(1);
    }
  }

  @Test
  void aMaskRuleAboveTheMaskPathStillApplies() throws Exception {
    PreparedPolicy p =
        Events.policy(
            Events.ALLOW,
            """
            package system

            log := {"mask": {"/input/password"}}
            """);
    List<Value> lines;
    try (Events.Console c = new Events.Console(false)) {
      lines = c.log(Events.event(p, "{\"user\": \"alice\", \"password\": \"hunter2\"}"));
    }
    assertThat(Json.write(((ObjectValue) lines.get(0)).get("input").orElseThrow()))
        .isEqualTo("{\"user\":\"alice\"}");
  }
}
