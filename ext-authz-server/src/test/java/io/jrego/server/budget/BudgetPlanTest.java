package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetPlanTest {

  @Test
  void readsTheBudgetField() {
    BudgetPlan p =
        BudgetPlan.of(
                Json.parse(
                    """
                    {"allowed": true, "budget": {"estimate": 900, "limits": [
                      {"key": "caller:a/model:m", "window": "minute", "limit_tokens": 2000,
                       "max_concurrent": 2},
                      {"key": "team:x", "window": "day", "limit_requests": 10}],
                     "rejected_body": {"error": "slow down"}}}"""))
            .orElseThrow();
    assertThat(p.estimate()).isEqualTo(900);
    assertThat(p.budgets())
        .isEqualTo(
            List.of(
                new Budget("caller:a/model:m", Window.MINUTE, 2000, Budget.UNLIMITED, 2),
                new Budget("team:x", Window.DAY, Budget.UNLIMITED, 10, Budget.UNLIMITED)));
    assertThat(p.rejectedBody()).contains(Json.parse("{\"error\": \"slow down\"}"));
    assertThat(p.includeUsage()).isFalse();
    assertThat(
            BudgetPlan.of(
                    Json.parse(
                        "{\"budget\": {\"estimate\": 1, \"include_usage\": true, \"limits\":"
                            + " [{\"key\": \"k\", \"window\": \"hour\", \"limit_tokens\": 5}]}}"))
                .orElseThrow()
                .includeUsage())
        .isTrue();
  }

  @Test
  void noBudgetFieldIsNoPlan() {
    assertThat(BudgetPlan.of(Json.parse("{\"allowed\": true}"))).isEmpty();
    assertThat(BudgetPlan.of(Json.parse("true"))).isEmpty();
  }

  @Test
  void errorsNameTheField() {
    assertError("{\"budget\": 3}", "budget must be an object");
    assertError("{\"budget\": {\"limits\": []}}", "budget.estimate is required");
    assertError("{\"budget\": {\"estimate\": -1, \"limits\": []}}", "budget.estimate must be");
    assertError("{\"budget\": {\"estimate\": 1.5, \"limits\": []}}", "budget.estimate must be");
    assertError("{\"budget\": {\"estimate\": 1}}", "budget.limits is required");
    assertError("{\"budget\": {\"estimate\": 1, \"limits\": []}}", "1 to 8 limits");
    assertError(
        "{\"budget\": {\"estimate\": 1, \"limits\": [{\"key\": \"k\", \"window\": \"week\","
            + " \"limit_tokens\": 5}]}}",
        "budget.limits[0].window must be minute, hour or day, got week");
    assertError(
        "{\"budget\": {\"estimate\": 1, \"limits\": [{\"key\": \"k\", \"window\": \"hour\"}]}}",
        "budget.limits[0] needs limit_tokens");
    assertError(
        "{\"budget\": {\"estimate\": 1, \"limits\": [{\"key\": \"a b\", \"window\": \"hour\","
            + " \"limit_tokens\": 5}]}}",
        "budget.limits[0]: budget key may hold only visible ASCII");
    assertError(
        "{\"budget\": {\"estimate\": 1, \"limits\": [{\"window\": \"hour\", \"limit_tokens\":"
            + " 5}]}}",
        "budget.limits[0].key must be a string");
    assertError(
        "{\"budget\": {\"estimate\": 1, \"include_usage\": \"yes\", \"limits\": [{\"key\":"
            + " \"k\", \"window\": \"hour\", \"limit_tokens\": 5}]}}",
        "budget.include_usage must be a boolean, got string");
  }

  private static void assertError(String decision, String message) {
    assertThatThrownBy(() -> BudgetPlan.of(Json.parse(decision)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
