package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.builtins.ai.TokenCounter;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.server.JregoServer;
import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.StreamCutter;
import io.jrego.server.budget.Window;
import java.io.InputStream;
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
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Token budgets through the real Envoy on the shipped {@code envoy-config/envoy.yaml}: jrego
 * reserves at Check (ext_authz) and settles at the end of the answer (ext_proc), with the
 * reservation id carried by the ext_authz dynamic metadata Envoy forwards to ext_proc. The upstream
 * is an OpenAI-style model ({@link UsageUpstream}) that reports usage; every test reads the
 * embedded store's counters of its own budget.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetEndToEndIT {

  /**
   * A policy that reserves, per budget key (the test's run id header) and day, the prompt's tokens
   * plus max_tokens (default 100), against the limit the request's header names; it asks OpenAI
   * chat streams for usage. {@code x-test-on-overshoot: cut} cuts a stream off once its answer
   * passes max_tokens plus {@code x-test-overshoot} tokens. No ext_proc rule: the stream only
   * settles (or is cut).
   */
  static final String POLICY =
      """
      package envoy.authz

      import rego.v1

      headers := input.attributes.request.http.headers

      body := input.parsed_body

      prompt := jrego.tokens.count_messages(body.messages, body.model)

      default allow := false

      allow := {
      \t"allowed": true,
      \t"budget": {
      \t\t"estimate": prompt + object.get(body, "max_tokens", 100),
      \t\t"include_usage": input.parsed_path == ["v1", "chat", "completions"],
      \t\t"on_overshoot": object.get(headers, "x-test-on-overshoot", "charge"),
      \t\t"overshoot_tokens": to_number(object.get(headers, "x-test-overshoot", "0")),
      \t\t"prompt_tokens": prompt,
      \t\t"tokenizer": body.model,
      \t\t"limits": [{
      \t\t\t"key": sprintf("run:%s", [headers["x-test-run"]]),
      \t\t\t"window": "day",
      \t\t\t"limit_tokens": to_number(headers["x-test-limit"]),
      \t\t}],
      \t},
      } if is_array(body.messages)
      """;

  /** A prompt of 8 tokens as gpt-4o-mini counts them (see the token-budgets example's test). */
  static final String HELLO = "[{\"role\":\"user\",\"content\":\"hello\"}]";

  private final Running running = new Running();
  private UsageUpstream upstream;
  private BudgetStore store;
  private JregoServer jrego;
  private EnvoyRunner envoy;
  private final HttpClient http = EnvoyRunner.http1().build();

  @BeforeAll
  void start() throws Exception {
    Path bundle = Files.createDirectories(EnvoyRunner.MODULE.resolve("target/budget-e2e/bundle"));
    Files.writeString(bundle.resolve("policy.rego"), POLICY);
    Path certs = Files.createDirectories(EnvoyRunner.MODULE.resolve("target/budget-e2e/certs"));
    TestPki.forEnvoy(certs);
    upstream = new UsageUpstream();
    running.add(upstream);
    store = new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 10_000);
    jrego =
        InProcessJrego.serving(bundle)
            .evalTimeout(Duration.ofSeconds(2))
            .budgets(store)
            .start(running);
    envoy =
        EnvoyRunner.start(
            "budget-e2e", jrego.grpcPort(), upstream.port(), certs, ExtProcEndToEndIT.PATIENT);
    running.add(envoy);
  }

  @AfterAll
  void stop() throws Exception {
    running.close();
  }

  static HttpRequest chat(
      int port, String run, long limit, String body, long prompt, long completion) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json")
        .header("x-test-run", run)
        .header("x-test-limit", String.valueOf(limit))
        .header("x-usage-prompt", String.valueOf(prompt))
        .header("x-usage-completion", String.valueOf(completion))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  static String body(boolean stream, long maxTokens) {
    return "{\"model\":\"gpt-4o-mini\",\"max_tokens\":"
        + maxTokens
        + (stream ? ",\"stream\":true" : "")
        + ",\"messages\":"
        + HELLO
        + "}";
  }

  /** The budget's counters once nothing is in flight (the settle follows the last byte). */
  static BudgetStore.Usage settled(BudgetStore store, String run, long limit) throws Exception {
    Budget b = Budget.tokens("run:" + run, Window.DAY, limit);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    BudgetStore.Usage u = store.usage(b);
    while ((u.inFlight() > 0 || u.reserved() > 0) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      u = store.usage(b);
    }
    return u;
  }

  @Test
  void jsonAndStreamedAnswers_settleExactlyTheUsageTheModelReported() throws Exception {
    String run = UUID.randomUUID().toString();
    long limit = 100_000;
    long expected = 0;
    for (int i = 0; i < 3; i++) {
      long prompt = 8;
      long completion = 50 + 37L * i; // under, at and over the 108-token estimate
      HttpResponse<String> r =
          http.send(
              chat(envoy.plainPort, run, limit, body(false, 100), prompt, completion),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).contains("100000");
      expected += prompt + completion;
    }
    for (int i = 0; i < 3; i++) {
      long completion = 300L + i; // a stream longer than its reservation: the overshoot is charged
      HttpResponse<String> r =
          http.send(
              chat(envoy.plainPort, run, limit, body(true, 100), 8, completion),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      // the client did not ask for usage; jrego did, and the chunk passes through unchanged
      assertThat(r.body())
          .contains(
              "\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":"
                  + completion
                  + ",\"total_tokens\":"
                  + (8 + completion)
                  + "}")
          .endsWith("data: [DONE]\n\n");
      expected += 8 + completion;
    }
    assertThat(upstream.bodies)
        .filteredOn(b -> b.contains("\"stream\":true"))
        .isNotEmpty()
        .allSatisfy(
            b ->
                assertThat(b)
                    .endsWith(
                        "\"messages\":" + HELLO + ",\"stream_options\":{\"include_usage\":true}}"));
    assertThat(settled(store, run, limit)).isEqualTo(new BudgetStore.Usage(expected, 0, 6, 0));
  }

  @Test
  void aSpentBudgetIsRefusedWith429_RetryAfterAndRateLimitHeaders() throws Exception {
    String run = UUID.randomUUID().toString();
    long limit = 300;
    HttpResponse<String> first =
        http.send(
            chat(envoy.plainPort, run, limit, body(false, 200), 50, 200),
            HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    // reserved 8 + 200 of 300
    assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens")).contains("92");
    assertThat(settled(store, run, limit)).isEqualTo(new BudgetStore.Usage(250, 0, 1, 0));

    int arrived = upstream.arrived.get();
    HttpResponse<String> second =
        http.send(
            chat(envoy.plainPort, run, limit, body(false, 200), 50, 200),
            HttpResponse.BodyHandlers.ofString());
    assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
    assertThat(upstream.arrived.get()).as("the model was not called").isEqualTo(arrived);
    long retry = Long.parseLong(second.headers().firstValue("retry-after").orElseThrow());
    assertThat(retry).isBetween(1L, 86_400L);
    assertThat(second.headers().firstValue("x-ratelimit-limit-tokens")).contains("300");
    assertThat(second.headers().firstValue("x-ratelimit-remaining-tokens")).contains("50");
    assertThat(second.headers().firstValue("x-ratelimit-reset-tokens")).contains(retry + "s");
    ObjectValue error =
        (ObjectValue) ((ObjectValue) Json.parse(second.body())).get("error").orElseThrow();
    assertThat(error.get("type")).contains(StringValue.of("budget_exceeded"));
    assertThat(error.get("budget")).contains(StringValue.of("run:" + run));
    assertThat(settled(store, run, limit)).isEqualTo(new BudgetStore.Usage(250, 0, 1, 0));
  }

  @Test
  void aClientThatLeavesMidStream_releasesItsReservation_chargedAsTheLeaseSays() throws Exception {
    String run = UUID.randomUUID().toString();
    long limit = 100_000;
    HttpRequest hang =
        HttpRequest.newBuilder(
                chat(envoy.plainPort, run, limit, body(true, 100), 8, 20), (n, v) -> true)
            .header("x-hang", "true")
            .build();
    HttpResponse<InputStream> r = http.send(hang, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    StringBuilder seen = new StringBuilder();
    try (InputStream in = r.body()) {
      byte[] buf = new byte[256];
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!seen.toString().contains("partial") && System.nanoTime() < deadline) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      assertThat(seen.toString()).contains("partial");
      Budget b = Budget.tokens("run:" + run, Window.DAY, limit);
      assertThat(store.usage(b)).isEqualTo(new BudgetStore.Usage(0, 108, 1, 1));
    } // closing mid-stream: the client is gone
    // the default lease policy (charge) charges the 108-token estimate of an answer cut short
    assertThat(settled(store, run, limit)).isEqualTo(new BudgetStore.Usage(108, 0, 1, 0));
  }

  @Test
  void aLongStreamWithTheCutPolicy_isCutAtItsBound_andChargedWhatWasSent() throws Exception {
    String run = UUID.randomUUID().toString();
    long limit = 100_000;
    long maxTokens = 40;
    long overshoot = 10;
    HttpRequest cut =
        HttpRequest.newBuilder(
                chat(envoy.plainPort, run, limit, body(true, maxTokens), 8, 900), (n, v) -> true)
            .header("x-test-on-overshoot", "cut")
            .header("x-test-overshoot", String.valueOf(overshoot))
            .header("x-stream-words", "300")
            // 30 s of words: the cut reaches the model long before it could finish by itself,
            // however loaded the machine (1 ms apart, it could finish first)
            .header("x-word-pause-ms", "100")
            .build();
    int ended = upstream.longAnswersEnded.get();
    HttpResponse<String> r = http.send(cut, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    // the answer ends cleanly with the cut-off's error event, well before the model's 300 words
    assertThat(r.body())
        .endsWith(
            new String(StreamCutter.errorEvent(maxTokens + overshoot), StandardCharsets.UTF_8))
        .doesNotContain("word299")
        .doesNotContain("[DONE]");
    List<String> words = new ArrayList<>();
    for (String event : r.body().split("\n\n", -1)) {
      Matcher m = CONTENT.matcher(event);
      if (m.find() && !m.group(1).isEmpty()) {
        words.add(m.group(1));
      }
    }
    long perEvent =
        words.stream().mapToLong(w -> TokenCounter.standard().count(w, "gpt-4o-mini")).sum();
    long whole = TokenCounter.standard().count(String.join("", words), "gpt-4o-mini");
    long perWord = TokenCounter.standard().count("word100 ", "gpt-4o-mini");
    // what passed is within the bound, and the next word would not have fitted
    assertThat(perEvent).isLessThanOrEqualTo(maxTokens + overshoot);
    assertThat(perEvent).isGreaterThan(maxTokens + overshoot - perWord);
    // charged: the prompt's 8 tokens and the answer text that reached the client
    BudgetStore.Usage u = settled(store, run, limit);
    assertThat(u).isEqualTo(new BudgetStore.Usage(8 + perEvent, 0, 1, 0));
    // counted event by event, the charge errs high by at most a token per event boundary
    assertThat(perEvent - whole).isBetween(0L, (long) words.size());
    // Envoy ended the upstream call: the model stopped writing before its 300 words (had it not,
    // it would stop only after all of them, in 30 s, well within the route's 60 s timeout)
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (upstream.longAnswersEnded.get() == ended && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(upstream.longAnswersEnded.get())
        .as("the model stopped writing")
        .isEqualTo(ended + 1);
    assertThat(upstream.wordsWritten.get()).isLessThan(300);
  }

  private static final Pattern CONTENT = Pattern.compile("\"content\":\"([^\"]*)\"");
}
