package io.jrego.engine.builtins.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token counts against OpenAI's tiktoken: {@code token-counts.json}, written by {@code
 * generate_token_counts.py} with tiktoken 0.14.0, holds the count of every reference text in four
 * encodings, the encoding of every model tiktoken names, and chat message arrays.
 */
class TokenCounterTest {

  private static ObjectValue reference;
  private final TokenCounter counter = TokenCounter.standard();

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = TokenCounterTest.class.getResourceAsStream("token-counts.json")) {
      reference = (ObjectValue) Json.parse(in);
    }
  }

  private static String str(Value v, String key) {
    return ((StringValue) ((ObjectValue) v).get(key).orElseThrow()).value();
  }

  private static int num(Value v) {
    return ((NumberValue) v).asInt().orElseThrow();
  }

  @Test
  void count_equalsTiktokenForEveryTextAndEncoding() {
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (Value c : (ArrayValue) reference.get("texts").orElseThrow()) {
      String text = str(c, "text");
      ObjectValue counts = (ObjectValue) ((ObjectValue) c).get("counts").orElseThrow();
      for (Value enc : counts.keys()) {
        String e = ((StringValue) enc).value();
        int want = num(counts.getOrNull(enc));
        int got = counter.count(text, e);
        checked++;
        if (got != want) {
          wrong.add(
              e
                  + " "
                  + got
                  + " != "
                  + want
                  + " for "
                  + text.substring(0, Math.min(40, text.length())));
        }
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(200);
    assertThat(wrong).isEmpty();
  }

  @Test
  void encodingFor_mapsEveryModelAsTiktokenDoes() {
    List<String> wrong = new ArrayList<>();
    for (Value m : (ArrayValue) reference.get("models").orElseThrow()) {
      String model = str(m, "model");
      String want = str(m, "encoding");
      if (!counter.encodingFor(model).equals(want)) {
        wrong.add(model + " -> " + counter.encodingFor(model) + ", tiktoken " + want);
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(counter.encodingFor("openai/gpt-4o-mini")).isEqualTo("o200k_base");
    assertThat(counter.encodingFor("cl100k_base")).isEqualTo("cl100k_base");
    assertThat(counter.encodingFor("claude-sonnet-4")).isEqualTo(TokenCounter.ESTIMATE);
    assertThat(counter.encodingFor("")).isEqualTo(TokenCounter.ESTIMATE);
  }

  @Test
  void countMessages_equalsOpenAiGuideWithTiktokenCounts() {
    for (Value c : (ArrayValue) reference.get("messages").orElseThrow()) {
      ObjectValue o = (ObjectValue) c;
      int want = num(o.get("tokens").orElseThrow());
      assertThat(counter.countMessages(o.get("messages").orElseThrow(), str(c, "model")))
          .as(Json.write(c))
          .isEqualTo(want);
    }
  }

  @Test
  void countMessages_refusesWhatIsNotAnArrayOfObjects() {
    assertThatThrownBy(() -> counter.countMessages(Json.parse("{}"), "gpt-4o"))
        .hasMessageContaining("messages must be an array, got object");
    assertThatThrownBy(
            () -> counter.countMessages(Json.parse("[{\"role\":\"user\"}, 3]"), "gpt-4o"))
        .hasMessageContaining("messages[1] must be an object, got number");
  }

  @Test
  void estimate_staysNearCl100kOnProseAndCodeAndNeverFarBelowAnywhere() {
    List<Double> ratios = new ArrayList<>();
    for (Value c : (ArrayValue) reference.get("texts").orElseThrow()) {
      String text = str(c, "text");
      int actual =
          num(
              ((ObjectValue) ((ObjectValue) c).get("counts").orElseThrow())
                  .getOrNull(StringValue.of("cl100k_base")));
      if (actual < 5) {
        continue;
      }
      double r = (double) counter.estimate(text) / actual;
      ratios.add(r);
      assertThat(r).as(text).isBetween(0.6, 4.0);
    }
    Collections.sort(ratios);
    double median = ratios.get(ratios.size() / 2);
    assertThat(median).isBetween(0.9, 1.3);
    assertThat(counter.estimate("")).isZero();
    assertThat(counter.estimate("hello")).isEqualTo(2);
    assertThat(counter.count("hello world", "some-unknown-model"))
        .isEqualTo(counter.estimate("hello world"));
  }

  @Test
  void estimate_isLinearOn100KbOfOneCharacter() {
    String s = "a".repeat(100_000);
    assertThat(counter.estimate(s)).isEqualTo(25_000);
    assertThat(counter.estimate("!".repeat(100_000))).isEqualTo(50_001);
  }
}
