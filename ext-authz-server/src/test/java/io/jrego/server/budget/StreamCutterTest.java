package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.builtins.ai.TokenCounter;
import io.jrego.engine.value.Json;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamCutterTest {

  private static String chunk(String content) {
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"}}]}\n\n";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(StreamCutter.Out out) {
    return out.bytes().toStringUtf8();
  }

  private static int tokens(String s) {
    return TokenCounter.standard().count(s, "gpt-4o-mini");
  }

  @Test
  void passesWholeEventsWhileTheCountFits_thenEndsWithTheErrorEvent() {
    StreamCutter c = new StreamCutter(6, "gpt-4o-mini");
    String role = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    StreamCutter.Out out = c.push(utf8(role + chunk(" hello") + chunk(" world").substring(0, 20)));
    // the unfinished event waits for its end
    assertThat(text(out)).isEqualTo(role + chunk(" hello"));
    assertThat(c.counted()).isEqualTo(tokens(" hello"));
    out = c.push(utf8(chunk(" world").substring(20) + chunk(" one") + chunk(" two")));
    assertThat(out.cut()).isFalse();
    assertThat(c.counted()).isEqualTo(4);
    out = c.push(utf8(chunk(" three four five") + chunk(" six")));
    assertThat(out.cut()).isTrue();
    assertThat(text(out)).isEqualTo(new String(StreamCutter.errorEvent(6), StandardCharsets.UTF_8));
    assertThat(c.counted()).isEqualTo(4);
    assertThat(c.push(utf8(chunk(" seven"))).bytes().isEmpty()).isTrue();
  }

  @Test
  void countsTheTextOfEachApi_andNothingElse() {
    StreamCutter c = new StreamCutter(1_000, "o200k_base");
    String[] events = {
      "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}]}}]}\n\n",
      "data: {\"choices\":[{\"text\":\" completion text\"}]}\n\n",
      "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\" responses\"}\n\n",
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\" anthropic\"}}\n\n",
      ": keep-alive comment\n\n",
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n",
      "data: [DONE]\n\n"
    };
    long expected = 0;
    for (String e : new String[] {"{\"a\":1}", " completion text", " responses", " anthropic"}) {
      expected += TokenCounter.standard().count(e, "o200k_base");
    }
    StringBuilder all = new StringBuilder();
    for (String e : events) {
      all.append(e);
    }
    StreamCutter.Out out = c.push(utf8(all.toString().replace("\n", "\r\n")));
    assertThat(out.cut()).isFalse();
    assertThat(c.counted()).isEqualTo(expected);
    assertThat(text(out)).isEqualTo(all.toString().replace("\n", "\r\n"));
  }

  @Test
  void theEndPassesWhatIsHeld_andAnEventThatNeverEndsIsCut() {
    StreamCutter c = new StreamCutter(100, "estimate");
    assertThat(c.push(utf8("data: {\"choices\":[{\"text\":\"ab\"}]}")).bytes().isEmpty()).isTrue();
    assertThat(text(c.finish())).isEqualTo("data: {\"choices\":[{\"text\":\"ab\"}]}");
    assertThat(c.counted()).isEqualTo(1);

    StreamCutter big = new StreamCutter(100, "estimate");
    StreamCutter.Out out = big.push(new byte[StreamCutter.MAX_EVENT + 1]);
    assertThat(out.cut()).isTrue();
  }

  @Test
  void theDecisionAsksForTheCut_andBadFieldsAreNamed() {
    String limits = "\"limits\": [{\"key\": \"k\", \"window\": \"hour\", \"limit_tokens\": 5}]";
    BudgetPlan p =
        BudgetPlan.of(
                Json.parse(
                    "{\"budget\": {\"estimate\": 120, \"on_overshoot\": \"cut\","
                        + " \"overshoot_tokens\": 30, \"prompt_tokens\": 20,"
                        + " \"tokenizer\": \"gpt-4o\", "
                        + limits
                        + "}}"))
            .orElseThrow();
    assertThat(p.cutoff()).contains(new BudgetPlan.Cutoff(20, 30, "gpt-4o"));
    assertThat(p.cutoff().orElseThrow().outputLimit(p.estimate())).isEqualTo(130);
    assertThat(
            BudgetPlan.of(Json.parse("{\"budget\": {\"estimate\": 1, " + limits + "}}"))
                .orElseThrow()
                .cutoff())
        .isEqualTo(Optional.empty());
    assertThat(
            BudgetPlan.of(
                    Json.parse(
                        "{\"budget\": {\"estimate\": 1, \"on_overshoot\": \"cut\", "
                            + limits
                            + "}}"))
                .orElseThrow()
                .cutoff())
        .contains(new BudgetPlan.Cutoff(0, 0, "estimate"));
    assertThatThrownBy(
            () ->
                BudgetPlan.of(
                    Json.parse(
                        "{\"budget\": {\"estimate\": 1, \"on_overshoot\": \"stop\", "
                            + limits
                            + "}}")))
        .hasMessageContaining("budget.on_overshoot must be \"charge\" or \"cut\"");
    assertThatThrownBy(
            () ->
                BudgetPlan.of(
                    Json.parse(
                        "{\"budget\": {\"estimate\": 1, \"prompt_tokens\": 2, " + limits + "}}")))
        .hasMessageContaining("budget.prompt_tokens (2) must not exceed budget.estimate (1)");
  }
}
