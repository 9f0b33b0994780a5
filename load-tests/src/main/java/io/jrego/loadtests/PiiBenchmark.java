package io.jrego.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jrego.engine.builtins.ai.PiiOptions;
import io.jrego.engine.builtins.ai.PiiScanner;
import io.jrego.engine.builtins.ai.Redactor;
import io.jrego.engine.builtins.ai.TokenCounter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The PII and secrets scan ({@code jrego.pii.scan}'s {@link PiiScanner}, default options) on chat
 * request bodies, beside two baselines on the same text: the regular expressions a pattern-only
 * detector runs (Presidio's card, e-mail, SSN, IBAN and IP patterns, a phone pattern and AWS/
 * GitHub/JWT/PEM prefixes; {@code java.util.regex}, no validation), and lower-casing the text, the
 * cost of touching each character once.
 *
 * <p>Inputs: {@code chat-2kb} is the ai-gateway mix's body ({@code inputs/ai-chat-2kb.json}, a 2 KB
 * chat with order numbers and no PII); {@code pii-2kb} and {@code pii-100kb} are chat bodies whose
 * one message is the sentences of {@code corpora/pii/dev.jsonl} in order, cut at 2 KB and 100 KB:
 * about one identifier, key or lookalike per sentence, far denser than real prompts.
 *
 * <pre>
 * ./mvnw -q -pl load-tests -am package -DskipTests
 * java -jar load-tests/target/benchmarks.jar PiiBenchmark -p root=$PWD -f 1 -wi 5 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PiiBenchmark {

  /** Which body. */
  @Param({"chat-2kb", "chat-100kb", "pii-2kb", "pii-100kb"})
  public String input;

  /** The repository root. */
  @Param({"."})
  public String root;

  private String text;
  private final PiiOptions options = PiiOptions.defaults();
  private List<Pattern> baseline;

  /** Presidio's generic patterns and the obvious ones for the rest, compiled once. */
  static final List<String> BASELINE_PATTERNS =
      List.of(
          "\\b(?!1\\d{12}(?!\\d))((4\\d{3})|(5[0-5]\\d{2})|(6\\d{3})|(1\\d{3})|(3\\d{3}))[- ]?(\\d{3,4})[- ]?(\\d{3,4})[- ]?(\\d{3,5})\\b",
          "\\b((([!#$%&'*+\\-/=?^_`{|}~\\w])|([!#$%&'*+\\-/=?^_`{|}~\\w][!#$%&'*+\\-/=?^_`{|}~\\.\\w]{0,}[!#$%&'*+\\-/=?^_`{|}~\\w]))[@]\\w+([-.]\\w+)*\\.\\w+([-.]\\w+)*)\\b",
          "\\b\\d{3}[- .]\\d{2}[- .]\\d{4}\\b",
          "\\b[A-Z]{2}\\d{2}[ ]?([A-Z0-9]{4}[ ]?){3,7}[A-Z0-9]{1,4}\\b",
          "\\b(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\b",
          "(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,4}[ .-]?\\d{3,4}[ .-]?\\d{3,4}\\b",
          "\\b(?:AKIA|ASIA)[A-Z2-7]{16}\\b",
          "\\bgh[pousr]_[A-Za-z0-9]{36}\\b",
          "\\beyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*",
          "-----BEGIN [A-Z ]*PRIVATE KEY-----");

  @Setup
  public void setUp() throws IOException {
    Path base = Path.of(root);
    ObjectMapper json = new ObjectMapper();
    text =
        switch (input) {
          case "chat-2kb" ->
              json.readTree(base.resolve("load-tests/inputs/ai-chat-2kb.json").toFile())
                  .at("/attributes/request/http/body")
                  .asText();
          case "chat-100kb" -> chatBody(base, json, 102_400);
          case "pii-2kb" -> piiBody(base, json, 2048);
          case "pii-100kb" -> piiBody(base, json, 102_400);
          default -> throw new IllegalArgumentException("unknown input " + input);
        };
    baseline = BASELINE_PATTERNS.stream().map(Pattern::compile).toList();
    if (input.startsWith("pii-")
        && PiiScanner.standard().scan(text, options).findings().isEmpty()) {
      throw new IllegalStateException(input + ": nothing found, the input is wrong");
    }
  }

  /**
   * A chat body of about {@code bytes}: the 2 KB body's conversation repeated, each repetition with
   * its own order numbers, as a long chat history would be.
   */
  static String chatBody(Path base, ObjectMapper json, int bytes) throws IOException {
    JsonNode small =
        json.readTree(
            json.readTree(base.resolve("load-tests/inputs/ai-chat-2kb.json").toFile())
                .at("/attributes/request/http/body")
                .asText());
    ObjectNode body = json.createObjectNode().put("model", "gpt-4o-mini");
    ArrayNode messages = body.putArray("messages");
    int round = 0;
    while (json.writeValueAsString(body).length() < bytes) {
      for (JsonNode m : small.get("messages")) {
        String content = m.get("content").asText().replace("100", String.valueOf(100 + round));
        messages.addObject().put("role", m.get("role").asText()).put("content", content);
      }
      round++;
    }
    return json.writeValueAsString(body);
  }

  /** A chat body of about {@code bytes} whose message is the dev sentences in order. */
  static String piiBody(Path base, ObjectMapper json, int bytes) throws IOException {
    StringBuilder content = new StringBuilder();
    for (String line :
        Files.readAllLines(
            base.resolve("load-tests/corpora/pii/dev.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode s = json.readTree(line);
      content.append(s.get("text").asText()).append(' ');
      if (content.length() > bytes) {
        break;
      }
    }
    ObjectNode body = json.createObjectNode().put("model", "gpt-4o-mini");
    ArrayNode messages = body.putArray("messages");
    String full = "";
    int cut = content.length();
    while (true) {
      messages.removeAll();
      messages.addObject().put("role", "user").put("content", content.substring(0, cut));
      full = json.writeValueAsString(body);
      if (full.getBytes(StandardCharsets.UTF_8).length <= bytes) {
        return full;
      }
      cut -= Math.max(1, (full.getBytes(StandardCharsets.UTF_8).length - bytes) / 2);
    }
  }

  @Benchmark
  public Object scan() {
    return PiiScanner.standard().scan(text, options);
  }

  @Benchmark
  public Object scanAndRedact() {
    return new Redactor(Redactor.Options.placeholders())
        .redact(text, PiiScanner.standard().scan(text, options).findings());
  }

  @Benchmark
  public int regexBaseline() {
    int n = 0;
    for (Pattern p : baseline) {
      Matcher m = p.matcher(text);
      while (m.find()) {
        n++;
      }
    }
    return n;
  }

  @Benchmark
  public String lowercaseFloor() {
    return text.toLowerCase(Locale.ROOT);
  }

  @Benchmark
  public int countTokensO200k() {
    return TokenCounter.standard().count(text, "o200k_base");
  }

  @Benchmark
  public int estimateTokens() {
    return TokenCounter.standard().estimate(text);
  }
}
