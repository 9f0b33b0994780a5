package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PreparedQueryTest {

  private static final String POLICY =
      """
      package envoy.authz

      default allow := false

      allow if input.user == "alice"

      headers := {"x-user": input.user} if input.user

      double(x) := 2 * x
      """;

  private static final PreparedPolicy POLICY_WITH_DATA = compile();

  private static PreparedPolicy compile() {
    try {
      return Rego.builder()
          .module("authz.rego", POLICY)
          .data(Json.parse("{\"config\": {\"tiers\": {\"gold\": 3}}, \"envoy\": {\"limits\": 5}}"))
          .compile();
    } catch (RegoException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aPreparedDocumentAnswersAsEvaluateByPathDoes() throws RegoException {
    List<String> paths =
        List.of(
            "envoy/authz/allow",
            "data.envoy.authz.headers",
            "envoy.authz.headers.x-user",
            "envoy/authz",
            "envoy",
            "config/tiers/gold",
            "data");
    List<Value> inputs =
        List.of(
            Json.parse("{\"user\": \"alice\"}"),
            Json.parse("{\"user\": \"bob\"}"),
            Json.parse("{}"));
    for (String path : paths) {
      PreparedQuery q = POLICY_WITH_DATA.prepare(path);
      for (Value input : inputs) {
        assertThat(q.evaluate(input))
            .as(path + " with " + input)
            .isEqualTo(POLICY_WITH_DATA.evaluate(path, input));
      }
    }
    assertThat(POLICY_WITH_DATA.prepare("envoy/authz/allow").evaluate(inputs.get(0)))
        .contains(Json.parse("true"));
    assertThat(POLICY_WITH_DATA.prepare("envoy/authz/headers").evaluate(inputs.get(2))).isEmpty();
    assertThat(POLICY_WITH_DATA.prepare("envoy/authz/allow").path())
        .isEqualTo("data.envoy.authz.allow");
  }

  @Test
  void aMisspeltDecisionFailsWhenPreparedNamingWhatIsThere() {
    assertThatThrownBy(() -> POLICY_WITH_DATA.prepare("envoy/authz/alow"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e -> {
              assertThat(e.code()).isEqualTo(RegoError.COMPILE);
              assertThat(e.getMessage())
                  .contains("undefined document data.envoy.authz.alow")
                  .contains("named alow in data.envoy.authz")
                  .contains("(it has: allow, headers)");
            });
    assertThatThrownBy(() -> POLICY_WITH_DATA.prepare("envoy/authz/double"))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("named double in data.envoy.authz");
    assertThatThrownBy(() -> POLICY_WITH_DATA.prepare("nothing/here"))
        .hasMessageContaining("(it has: config, envoy)");
    assertThatThrownBy(() -> POLICY_WITH_DATA.prepare("config/tiers/silver"))
        .hasMessageContaining("named silver in data.config.tiers (it has: gold)");
  }

  @Test
  void aPathIntoBaseDataIsCheckedAgainstTheData() {
    assertThatThrownBy(() -> POLICY_WITH_DATA.prepare("envoy/limits/max"))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("named max in data.envoy.limits");
  }

  @Test
  void aDeadlineReachesAPreparedDocument() throws RegoException {
    PreparedQuery q = POLICY_WITH_DATA.prepare("envoy/authz/allow");
    QueryOptions past = QueryOptions.none().withDeadline(System.nanoTime() - 1);
    assertThatThrownBy(() -> q.evaluate(Json.parse("{}"), past))
        .isInstanceOfSatisfying(
            RegoException.class, e -> assertThat(e.code()).isEqualTo(RegoError.EVAL_CANCEL));
    assertThat(q.evaluate(Json.parse("{}"))).isEqualTo(Optional.of(Json.parse("false")));
  }
}
