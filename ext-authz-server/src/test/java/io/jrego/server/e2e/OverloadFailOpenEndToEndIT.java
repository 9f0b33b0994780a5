package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import io.jrego.server.JregoServer;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.OnError;
import io.jrego.server.policy.ActivePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 14: a Check refused because too many calls are open was answered RESOURCE_EXHAUSTED, which
 * an Envoy set to {@code failure_mode_allow: true} lets through to the upstream. With {@code
 * --on-error=deny} it is now a denial (503, {@code x-jrego-error: overloaded}). Shown through a
 * real Envoy failing open, in front of a jrego with two check threads and no queue (two calls open
 * at most) whose policy holds requests marked {@code x-case: hold}. Envoy's log is in {@code
 * target/envoy-issue14-overload.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverloadFailOpenEndToEndIT {

  private static final Path MODULE = Path.of("").toAbsolutePath();

  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger holding = new AtomicInteger();
  private final Running running = new Running();
  private RecordingUpstream upstream;
  private JregoServer jrego;
  private EnvoyRunner envoy;
  private final HttpClient client = EnvoyRunner.http1().build();

  @BeforeAll
  void startEverything() throws Exception {
    Path certs = Files.createDirectories(MODULE.resolve("target/envoy-issue14-overload/certs"));
    TestPki.forEnvoy(certs);

    upstream = RecordingUpstream.start();
    running.add(upstream);

    jrego =
        InProcessJrego.serving(MODULE.resolve("src/test/resources/issue14"))
            .server(
                s -> s.queueCapacity(0)) // two check threads and no queue: two calls open at most
            .check(
                AuthorizationService.Config.builder()
                    .input(InputMapper.Options.defaults().withTrustXfcc(true))
                    .onError(OnError.DENY, 403)
                    .evalTimeout(Duration.ofSeconds(30))
                    .build()) // the held checks must outlive the test's look
            .start(running);
    ActivePolicy real = jrego.policies().current().orElseThrow();
    jrego.policies().activate(real.withPolicy(ObservedPolicy.of(real.policy(), this::hold)));

    envoy =
        EnvoyRunner.start(
            "envoy-issue14-overload",
            jrego.grpcPort(),
            upstream.port(),
            certs,
            // a held check must not time out while the test looks: Envoy, failing open, would
            // then pass the held requests to the upstream
            config -> {
              String failOpen =
                  config
                      .replace("failure_mode_allow: false", "failure_mode_allow: true")
                      .replace("timeout: 0.5s", "timeout: 30s");
              assertThat(failOpen).contains("failure_mode_allow: true", "timeout: 30s");
              return failOpen;
            });
    running.add(envoy);
  }

  /** Holds a request marked {@code x-case: hold} until the test releases it. */
  private void hold(Value input) {
    Value v = input;
    for (String k : List.of("attributes", "request", "http", "headers", "x-case")) {
      v = v instanceof ObjectValue o ? o.getOrNull(StringValue.of(k)) : null;
    }
    if (v instanceof StringValue s && s.value().equals("hold")) {
      holding.incrementAndGet();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @AfterAll
  void stopEverything() throws Exception {
    release.countDown();
    running.close();
  }

  @Test
  void issue14_aCheckRefusedForLoadIsDeniedThoughEnvoyFailsOpen() throws Exception {
    // a few tries: the first checks meet a cold JVM path
    int status = 0;
    for (int i = 0; i < 5 && status != 200; i++) {
      status = send(request("allow")).statusCode();
    }
    assertThat(status).as("a normal request passes").isEqualTo(200);
    upstream.clear();

    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      held.add(
          client.sendAsync(
              request("hold").timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (holding.get() < 2 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(holding.get()).as("both check threads held").isEqualTo(2);

    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = send(request("allow"));
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("x-jrego-error")).contains("overloaded");
      assertThat(r.body())
          .startsWith("overloaded: 2 calls are open (running or waiting for a check thread)");
    }
    assertThat(upstream.lines()).as("no refused request reached the upstream").isEmpty();

    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : held) {
      f.get(60, TimeUnit.SECONDS);
    }
    // the calls are released: the next request is checked and passes again
    status = 0;
    long again = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (status != 200 && System.nanoTime() < again) {
      status = send(request("allow")).statusCode();
    }
    assertThat(status).isEqualTo(200);
  }

  private HttpRequest.Builder request(String xCase) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + envoy.plainPort + "/v1/chat/completions"))
        .header("x-case", xCase)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}"));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
