package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.JregoServer;
import io.jrego.server.budget.Budget;
import io.jrego.server.budget.BudgetStore;
import io.jrego.server.budget.EmbeddedBudgetStore;
import io.jrego.server.budget.LeasePolicy;
import io.jrego.server.budget.RedisBudgetStore;
import io.jrego.server.budget.RedisServer;
import io.jrego.server.budget.Window;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jrego as Envoy's global rate-limit service: the real Envoy's {@code envoy.filters.http.ratelimit}
 * filter calls {@code RateLimitService/ShouldRateLimit} on jrego's gRPC port with a descriptor per
 * request ({@code tenant} from a header) and the request's token count as {@code hits_addend}; the
 * bundle's {@code envoy.ratelimit.limits} rule maps the descriptor to a budget from bundle data.
 * Requests over the budget get 429 from Envoy, with the embedded store and with a real Redis.
 */
class RateLimitEndToEndIT {

  static final String POLICY =
      """
      package envoy.authz

      default allow := true
      """;

  static final String LIMITS =
      """
      package envoy.ratelimit

      import rego.v1

      limits contains {
      \t"key": sprintf("tenant:%s/%s", [input.descriptor.tenant, data.run]),
      \t"window": "hour",
      \t"limit_tokens": data.tenants[input.descriptor.tenant].tokens_per_hour,
      } if data.tenants[input.descriptor.tenant]
      """;

  /** The rate-limit filter before ext_authz, and the route's descriptor with its hits. */
  static String withRateLimit(String config) {
    String filters = "          http_filters: &http_filters\n";
    String route = "                route: { cluster: upstream, timeout: 60s }\n";
    assertThat(config).contains(filters).contains(route);
    return config
        .replace(
            filters,
            filters
                + """
                          - name: envoy.filters.http.ratelimit
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
                              domain: ai
                              failure_mode_deny: true
                              timeout: 5s
                              rate_limit_service:
                                grpc_service: { envoy_grpc: { cluster_name: jrego } }
                                transport_api_version: V3
                """)
        .replace(
            route,
            route
                + """
                                typed_per_filter_config:
                                  envoy.filters.http.ratelimit:
                                    "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute
                                    rate_limits:
                                    - actions:
                                      - request_headers: { header_name: x-tenant, descriptor_key: tenant }
                                      hits_addend: { format: "%REQ(x-tokens)%" }
                """);
  }

  @TempDir Path dir;

  private final HttpClient http = EnvoyRunner.http1().build();

  @Test
  void overTheBudgetIs429_withTheEmbeddedStore() throws Exception {
    try (BudgetStore store = new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 10_000)) {
      run(store, "rls-embedded");
    }
  }

  @Test
  void overTheBudgetIs429_withRedis() throws Exception {
    try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        BudgetStore store =
            new RedisBudgetStore(
                redis.uri(), Duration.ofSeconds(2), "jrego:budget:", LeasePolicy.DEFAULT)) {
      run(store, "rls-redis");
    }
  }

  private void run(BudgetStore store, String name) throws Exception {
    String run = UUID.randomUUID().toString();
    Path bundle = Files.createDirectories(dir.resolve(name));
    Files.writeString(bundle.resolve("policy.rego"), POLICY);
    Files.writeString(bundle.resolve("ratelimit.rego"), LIMITS);
    Files.writeString(
        bundle.resolve("data.json"),
        "{\"run\": \"" + run + "\", \"tenants\": {\"acme\": {\"tokens_per_hour\": 100}}}");
    Path certs = Files.createDirectories(dir.resolve(name + "-certs"));
    TestPki.forEnvoy(certs);
    try (JregoServer jrego =
            InProcessJrego.serving(bundle)
                .evalTimeout(Duration.ofSeconds(2))
                .budgets(store)
                .start();
        UsageUpstream upstream = new UsageUpstream();
        EnvoyRunner envoy =
            EnvoyRunner.start(
                name,
                jrego.grpcPort(),
                upstream.port(),
                certs,
                s -> withRateLimit(ExtProcEndToEndIT.PATIENT.apply(s)))) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> ok = send(envoy, "acme", 30);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      }
      Budget b = Budget.tokens("tenant:acme/" + run, Window.HOUR, 100);
      assertThat(store.usage(b)).isEqualTo(new BudgetStore.Usage(90, 0, 3, 0));

      int arrived = upstream.arrived.get();
      HttpResponse<String> over = send(envoy, "acme", 30);
      assertThat(over.statusCode()).as(over.body()).isEqualTo(429);
      assertThat(upstream.arrived.get()).as("the model was not called").isEqualTo(arrived);
      assertThat(over.headers().firstValue("x-ratelimit-limit-tokens")).contains("100");
      assertThat(over.headers().firstValue("x-ratelimit-remaining-tokens")).contains("10");
      assertThat(Long.parseLong(over.headers().firstValue("retry-after").orElseThrow()))
          .isBetween(1L, 3600L);
      // refused: nothing charged; what still fits passes
      assertThat(store.usage(b)).isEqualTo(new BudgetStore.Usage(90, 0, 3, 0));
      assertThat(send(envoy, "acme", 10).statusCode()).isEqualTo(200);
      assertThat(send(envoy, "acme", 1).statusCode()).isEqualTo(429);
      // a tenant the data does not name is not limited
      assertThat(send(envoy, "other", 1_000).statusCode()).isEqualTo(200);
      assertThat(store.usage(b)).isEqualTo(new BudgetStore.Usage(100, 0, 4, 0));
    }
  }

  private HttpResponse<String> send(EnvoyRunner envoy, String tenant, long tokens)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + envoy.plainPort + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .header("x-tenant", tenant)
            .header("x-tokens", String.valueOf(tokens))
            .POST(HttpRequest.BodyPublishers.ofString(BudgetEndToEndIT.body(false, 10)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
