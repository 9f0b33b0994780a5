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
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 14 through a real Envoy set up the way that let the attacks through: {@code
 * failure_mode_allow: true} (a jrego failure lets the request pass) and {@code
 * forward_client_cert_details: APPEND_FORWARD} on the mTLS listener (a client's own {@code
 * x-forwarded-client-cert} is forwarded, with Envoy's element appended). jrego runs in-process,
 * without a warm-up, with {@code --on-error=deny}, {@code --trust-xfcc} and a 1 s check deadline,
 * serving the probe policy {@code src/test/resources/issue14/policy.rego}. Every hostile request
 * must be answered by jrego and never reach the upstream. Envoy waits 5 s for jrego here (0.5 s in
 * {@code envoy-config}), so that a busy test machine cannot turn a late answer into Envoy's
 * fail-open: what is tested is jrego's answer. Envoy's log is in {@code target/envoy-issue14.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileRequestsEnvoyEndToEndIT {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final String ORCHESTRATOR = "spiffe://cluster.local/ns/ai/sa/orchestrator";

  private final AtomicReference<Value> lastInput = new AtomicReference<>();
  private final Running running = new Running();
  private RecordingUpstream upstream;
  private JregoServer jrego;
  private EnvoyRunner envoy;
  private TestPki pki;
  private HttpClient stranger;
  private HttpClient legacy;

  @BeforeAll
  void startEverything() throws Exception {
    Path certs = Files.createDirectories(MODULE.resolve("target/envoy-issue14/certs"));
    pki = TestPki.forEnvoy(certs);
    stranger =
        pki.httpClient(pki.client("stranger", "spiffe://cluster.local/ns/default/sa/stranger"));
    // A client certificate without a SPIFFE ID: its identity could only come from XFCC.
    legacy = pki.httpClient(pki.clientWithDnsName("legacy", "legacy.example"));

    upstream = RecordingUpstream.start();
    running.add(upstream);

    AuthorizationService.Config check =
        AuthorizationService.Config.builder()
            .input(InputMapper.Options.defaults().withTrustXfcc(true))
            .onError(OnError.DENY, 403)
            .evalTimeout(Duration.ofSeconds(1))
            .build(); // under Envoy's timeout, so jrego answers first
    // no warm-up: the first checks meet a cold JVM path
    jrego =
        InProcessJrego.serving(MODULE.resolve("src/test/resources/issue14"))
            .check(check)
            .start(running);
    ActivePolicy real = jrego.policies().current().orElseThrow();
    jrego.policies().activate(real.withPolicy(ObservedPolicy.of(real.policy(), lastInput::set)));

    envoy =
        EnvoyRunner.start(
            "envoy-issue14",
            jrego.grpcPort(),
            upstream.port(),
            certs,
            HostileRequestsEnvoyEndToEndIT::failOpenAppendingXfcc);
    running.add(envoy);
  }

  /** The shipped config, set up the way that let the attacks through. */
  private static String failOpenAppendingXfcc(String config) {
    String failOpen =
        config
            .replace("failure_mode_allow: false", "failure_mode_allow: true")
            .replace("timeout: 0.5s", "timeout: 5s");
    // the mTLS listener is the first of the two
    String appending =
        failOpen.replaceFirst(
            "forward_client_cert_details: SANITIZE_SET",
            "forward_client_cert_details: APPEND_FORWARD");
    assertThat(appending).contains("failure_mode_allow: true", "APPEND_FORWARD", "timeout: 5s");
    return appending;
  }

  @AfterAll
  void stopEverything() throws Exception {
    running.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
    lastInput.set(null);
  }

  // ---- the tests -------------------------------------------------------------------------

  @Test
  @Order(0)
  void aNormalRequestIsAllowedThroughThisEnvoy() throws Exception {
    // The first checks load classes and run interpreted; on a busy machine they may pass the
    // deadline (then jrego denies). A few tries, then the path the tests below take is warm
    // enough to answer in time, still well short of compiled.
    int status = 0;
    for (int i = 0; i < 5 && status != 200; i++) {
      status = send(stranger, post("allow", "application/json", "{}")).statusCode();
    }
    assertThat(status).isEqualTo(200);
    assertThat(upstream.lines()).isNotEmpty();
  }

  @Test
  @Order(1)
  void issue14_deepJsonIsAnswered400AndNeverReachesTheUpstream() throws Exception {
    for (int depth : new int[] {5_000, 30_000}) { // 10 KB and 60 KB: under Envoy's 64 KiB
      HttpResponse<String> r =
          send(stranger, post("body", "application/json", "[".repeat(depth) + "]".repeat(depth)));
      assertThat(r.statusCode()).as("depth %d", depth).isEqualTo(400);
      assertThat(r.body())
          .isEqualTo(
              "request_parse_error: invalid JSON at line 1, column 1002: nested deeper than 1000"
                  + " levels");
    }
    assertThat(upstream.lines()).isEmpty();
  }

  @Test
  @Order(2)
  void issue14_aNumberOpaCallsTooBigIsAnswered400() throws Exception {
    HttpResponse<String> r =
        send(stranger, post("body", "application/json", "{\"ids\": [1e100000000]}"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).endsWith("number too big: 1e100000000");
    assertThat(upstream.lines()).isEmpty();
  }

  @Test
  @Order(3)
  void issue14_moreFormParametersThanGoAllowsAreAnswered400() throws Exception {
    HttpResponse<String> r =
        send(
            stranger,
            post("allow", "application/x-www-form-urlencoded", "a=1" + "&a=1".repeat(10_000)));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .isEqualTo("request_parse_error: number of URL query parameters exceeded limit");
    assertThat(upstream.lines()).isEmpty();
  }

  @Test
  @Order(4)
  void issue14_checksThatFailAreDeniedThoughEnvoyFailsOpen() throws Exception {
    HttpResponse<String> conflict = send(stranger, post("conflict", "application/json", "{}"));
    assertThat(conflict.statusCode()).isEqualTo(403);
    assertThat(conflict.headers().firstValue("x-jrego-error")).contains("eval_error");
    // one builtin call of many seconds (strings.replace_n over 60 KB): the deadline ends it
    HttpResponse<String> slow =
        send(
            stranger,
            post("slow", "application/json", "{\"text\": \"" + "x".repeat(60_000) + "\"}"));
    assertThat(slow.statusCode()).isEqualTo(403);
    assertThat(slow.headers().firstValue("x-jrego-error")).contains("timeout");
    assertThat(upstream.lines()).isEmpty();
  }

  @Test
  @Order(5)
  void issue14_aSmuggledClientCertHeaderGivesNoIdentity() throws Exception {
    // The client opens a quote that, unparsed strictly, swallows the element Envoy appends.
    HttpResponse<String> r =
        send(
            legacy,
            HttpRequest.newBuilder(url("/v1/models"))
                .header("x-case", "whoami")
                .header("x-forwarded-client-cert", "URI=" + ORCHESTRATOR + ";By=\"")
                .GET());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).isEqualTo("no identity");
    assertThat(upstream.lines()).isEmpty();
    ObjectValue input = (ObjectValue) lastInput.get();
    assertThat(input.get("spiffe")).isEmpty();
    assertThat(input.get("source_principal")).contains(StringValue.of("legacy.example"));
    // Envoy did append its own element after the client's
    Value xfcc = input;
    for (String k :
        List.of("attributes", "request", "http", "headers", "x-forwarded-client-cert")) {
      xfcc = ((ObjectValue) xfcc).getOrNull(StringValue.of(k));
    }
    assertThat(((StringValue) xfcc).value()).startsWith("URI=" + ORCHESTRATOR + ";By=\",Hash=");
  }

  @Test
  @Order(100)
  void withJregoStopped_thisEnvoyFailsOpen_soEveryDenialAboveWasJregos() throws Exception {
    jrego.shutdown();
    HttpResponse<String> r = send(stranger, post("conflict", "application/json", "{}"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(upstream.lines()).hasSize(1);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private HttpRequest.Builder post(String xCase, String contentType, String body) {
    return HttpRequest.newBuilder(url("/v1/chat/completions"))
        .header("x-case", xCase)
        .header("content-type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private URI url(String path) {
    return URI.create("https://localhost:" + envoy.listenPort + path);
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request)
      throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
