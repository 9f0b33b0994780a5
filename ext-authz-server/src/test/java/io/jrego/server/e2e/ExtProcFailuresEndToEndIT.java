package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.server.JregoServer;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.ExternalProcessorService;
import io.jrego.server.grpc.OnError;
import io.jrego.server.process.ProcessStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Envoy answers when ext_proc cannot do its work, on the shipped {@code envoy.yaml} with the
 * ext_authz filter taken out (so each failure is ext_proc's own): jrego down, jrego too slow, a
 * policy that fails, a body over the limit. In every case the upstream receives nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExtProcFailuresEndToEndIT {

  /** The rendered config without its ext_authz filter. */
  static final UnaryOperator<String> EXT_PROC_ONLY =
      s -> {
        String out =
            s.replaceAll(
                "(?s)          - name: envoy\\.filters\\.http\\.ext_authz\\n.*?(?=          #"
                    + " ext_proc -> jrego)",
                "");
        // nor ext_authz's metadata forwarded to ext_proc (token budgets' reservation id)
        out =
            out.replaceAll(
                "(?m)^ +forwarding_namespaces:\\n +untyped: \\[envoy\\.filters\\.http\\.ext_authz]\\n",
                "");
        assertThat(out).doesNotContain("envoy.filters.http.ext_authz").contains("ext_proc");
        return out;
      };

  /**
   * As {@link #EXT_PROC_ONLY}, with a per-message timeout of 5 s instead of 0.5 s: on a loaded
   * machine a cold jrego's first answers can take longer, and these tests are about what is
   * answered, not how fast.
   */
  static final UnaryOperator<String> EXT_PROC_ONLY_PATIENT =
      s -> ExtProcEndToEndIT.PATIENT.apply(EXT_PROC_ONLY.apply(s));

  private AiUpstream upstream;
  private Path certs;
  private TestPki pki;
  private HttpClient client;

  @BeforeAll
  void start() throws Exception {
    certs = Files.createDirectories(EnvoyRunner.MODULE.resolve("target/ext-proc-failures/certs"));
    pki = TestPki.forEnvoy(certs);
    client = pki.httpClient(pki.client("api-gateway", ExtProcEndToEndIT.GATEWAY));
    upstream = new AiUpstream();
  }

  @AfterAll
  void stop() {
    if (upstream != null) {
      upstream.close();
    }
  }

  @BeforeEach
  void clear() {
    upstream.received.clear();
  }

  @Test
  void jregoDown_isA500AndNothingPasses() throws Exception {
    try (EnvoyRunner envoy = envoy("ext-proc-down", EnvoyRunner.freePort())) {
      HttpResponse<String> r = send(envoy, chat(ExtProcEndToEndIT.PROMPT));
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(upstream.received).isEmpty();
    }
  }

  @Test
  void jregoTooSlow_isA504AfterTheMessageTimeoutAndNothingPasses() throws Exception {
    Server silent = silentProcessor();
    try (EnvoyRunner envoy =
        EnvoyRunner.start(
            "ext-proc-slow", silent.getPort(), upstream.port(), certs, EXT_PROC_ONLY)) {
      HttpResponse<String> r = send(envoy, chat(ExtProcEndToEndIT.PROMPT));
      assertThat(r.statusCode()).isEqualTo(504);
      // the 504 is ext_proc's message_timeout (Envoy counts it), not how long the call took
      assertThat(envoy.stats("ext_proc\\.message_timeouts"))
          .containsPattern("ext_proc\\.message_timeouts: 1\\b");
      assertThat(upstream.received).isEmpty();
    } finally {
      silent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The full-duplex option (envoy-config/README.md): Envoy times no ext_proc message in that mode,
   * and the listener's {@code request_timeout} ends once the client has sent the whole request, so
   * the same silent processor is bounded only by the stream's idle timeout ({@code
   * stream_idle_timeout}: 5 min by default, 30 s in the option, 2 s here): Envoy then answers 504,
   * and still nothing reaches the upstream.
   */
  @Test
  void jregoSilent_withFullDuplexBodies_isA504AtTheStreamIdleTimeoutAndNothingPasses()
      throws Exception {
    Server silent = silentProcessor();
    try (EnvoyRunner envoy =
        EnvoyRunner.start(
            "ext-proc-silent",
            silent.getPort(),
            upstream.port(),
            certs,
            s ->
                ExtProcEndToEndIT.FULL_DUPLEX
                    .apply(EXT_PROC_ONLY.apply(s))
                    .replace("stream_idle_timeout: 30s", "stream_idle_timeout: 2s"))) {
      HttpResponse<String> r = send(envoy, chat(ExtProcEndToEndIT.PROMPT));
      assertThat(r.statusCode()).isEqualTo(504);
      // not ext_proc's message timeout: no message timer runs in full duplex
      assertThat(envoy.stats("ext_proc\\.message_timeouts"))
          .containsPattern("ext_proc\\.message_timeouts: 0\\b");
      assertThat(upstream.received).isEmpty();
    } finally {
      silent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A processor that takes the stream and never answers. */
  private static Server silentProcessor() throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(
            new ExternalProcessorGrpc.ExternalProcessorImplBase() {
              @Override
              public StreamObserver<ProcessingRequest> process(
                  StreamObserver<ProcessingResponse> out) {
                return new StreamObserver<>() {
                  @Override
                  public void onNext(ProcessingRequest value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {
                    out.onCompleted();
                  }
                };
              }
            })
        .build()
        .start();
  }

  @Test
  void policyError_isAnsweredWithTheConfiguredStatus(@TempDir Path bundle) throws Exception {
    // two complete definitions of the request rule that disagree: an evaluation error
    Files.writeString(
        bundle.resolve("process.rego"),
        """
        package envoy.process

        request := {"allowed": true}

        request := {"allowed": false} if input.phase == "request"
        """);
    try (JregoServer jrego =
            jrego(
                bundle,
                AuthorizationService.Config.defaults().withOnError(OnError.DENY, 503),
                ExternalProcessorService.Config.defaults());
        EnvoyRunner envoy = envoy("ext-proc-policy-error", jrego.grpcPort())) {
      HttpResponse<String> r = send(envoy, chat("hello"));
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().allValues("x-jrego-error")).containsExactly("eval_error");
      assertThat(upstream.received).isEmpty();
    }
    // with the default --on-error (grpc-error) the stream fails and Envoy answers 500
    try (JregoServer jrego =
            jrego(
                bundle,
                AuthorizationService.Config.defaults(),
                ExternalProcessorService.Config.defaults());
        EnvoyRunner envoy = envoy("ext-proc-policy-error-grpc", jrego.grpcPort())) {
      assertThat(send(envoy, chat("hello")).statusCode()).isEqualTo(500);
      assertThat(upstream.received).isEmpty();
    }
  }

  @Test
  void requestBodyOverTheLimit_isA413NamingTheLimit() throws Exception {
    ExternalProcessorService.Config small =
        new ExternalProcessorService.Config(
            "envoy/process", ProcessStream.Strategy.FULL_DUPLEX, 4_096, 16_384);
    try (JregoServer jrego =
            jrego(
                EnvoyRunner.REPO.resolve("rego-policies/ai-gateway"),
                AuthorizationService.Config.defaults(),
                small);
        EnvoyRunner envoy = envoy("ext-proc-too-large", jrego.grpcPort());
        EnvoyRunner duplex =
            EnvoyRunner.start(
                "ext-proc-too-large-duplex",
                jrego.grpcPort(),
                upstream.port(),
                certs,
                s -> ExtProcEndToEndIT.FULL_DUPLEX.apply(EXT_PROC_ONLY_PATIENT.apply(s)))) {
      // the full-duplex option: the body comes in pieces, and jrego refuses it as they add up
      HttpResponse<String> d = send(duplex, chat("x".repeat(10_000) + " " + "jane@example.com"));
      assertThat(d.statusCode()).isEqualTo(413);
      assertThat(d.body()).contains("body_too_large").contains("exceeds the limit of 4096");
      assertThat(upstream.received).isEmpty();
      HttpResponse<String> r = send(envoy, chat("x".repeat(10_000) + " " + "jane@example.com"));
      assertThat(r.statusCode()).isEqualTo(413);
      ObjectValue body = (ObjectValue) Json.parse(r.body());
      assertThat(body.get("code")).contains(StringValue.of("body_too_large"));
      assertThat(((StringValue) body.get("reason").orElseThrow()).value())
          .contains("exceeds the limit of 4096");
      assertThat(upstream.received).isEmpty();
      // a body within the limit still passes, redacted
      HttpResponse<String> ok = send(envoy, chat("mail jane@example.com"));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(upstream.received)
          .singleElement()
          .satisfies(
              got ->
                  assertThat(got.text()).doesNotContain("jane@example.com").contains("<EMAIL_1>"));
    }
  }

  // ---- jrego stopped while an answer streams ------------------------------------------------

  /**
   * jrego stops (SIGTERM's path: a 1 s grace period, then open ext_proc streams end with {@code
   * UNAVAILABLE}) while an answer for the gateway streams. The answer's first words went out; on
   * the stream's error Envoy 1.40 ({@code failure_mode_allow: false}) resets the response, so the
   * client's read breaks at once. The rest, with its addresses, never reaches the client, redacted
   * or not. (When the streams were only cancelled with the transport, Envoy kept handing the body
   * to the dead stream, full duplex having no per-message timer, and the client waited for the
   * route's 60 s timeout.)
   */
  @Test
  void jregoStoppedMidStream_theRestNeverReachesTheClient() throws Exception {
    Stopped s = stopJregoMidStream("ext-proc-stop", UnaryOperator.identity());
    assertThat(s.got()).as("the answer had begun").contains("w100 ");
    assertThat(s.got())
        .as("after the stop (%s)", s.how())
        .doesNotContain("ann.lee@example.net")
        .doesNotContain("w600 ")
        .doesNotContain("[DONE]");
    assertThat(s.how())
        .as("jrego ends the open stream UNAVAILABLE: Envoy resets the client at once")
        .startsWith("the body broke");
  }

  /** An answer whose second half, after the upstream's gate, mentions an address often. */
  private static List<String> answerWithLateAddresses() {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      pieces.add(i >= 500 && i % 10 == 0 ? "mail ann.lee@example.net " : "w" + i + " ");
    }
    return pieces;
  }

  /** What the client read, and how its read ended. */
  record Stopped(String got, String how) {}

  /**
   * Streams an answer for the gateway (whose answers are redacted) until its first words have
   * arrived, stops jrego ({@link JregoServer#shutdown()}), then lets the upstream write the rest,
   * which holds addresses, and reads what Envoy sends on for 30 s or until the body ends or breaks.
   */
  private Stopped stopJregoMidStream(String name, UnaryOperator<String> edit) throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch opened = new CountDownLatch(1);
    upstream.script(
        name,
        AiUpstream.sse(
            answerWithLateAddresses(), new AiUpstream.Stream(false, true, 0, gate, 500)));
    JregoServer jrego =
        InProcessJrego.servingAiGateway()
            .server(s -> s.shutdownGrace(Duration.ofSeconds(1)))
            .evalTimeout(Duration.ofSeconds(2))
            .start();
    ExecutorService reader = Executors.newSingleThreadExecutor();
    ByteArrayOutputStream got = new ByteArrayOutputStream(); // written by the reader only
    try (EnvoyRunner envoy =
        EnvoyRunner.start(
            name,
            jrego.grpcPort(),
            upstream.port(),
            certs,
            s -> edit.apply(EXT_PROC_ONLY_PATIENT.apply(s)),
            "info --component-log-level ext_proc:debug")) {
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create("https://localhost:" + envoy.listenPort + "/v1/chat/completions"))
              .header("content-type", "application/json")
              .header("x-upstream-script", name)
              .timeout(Duration.ofSeconds(20))
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":"
                          + "\"user\",\"content\":\"go\"}]}"))
              .build();
      Future<String> read =
          reader.submit(
              () -> {
                HttpResponse<InputStream> r =
                    client.send(request, HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                byte[] buf = new byte[8192];
                try (InputStream in = r.body()) {
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    synchronized (got) {
                      got.write(buf, 0, n);
                    }
                    if (opened.getCount() > 0 && text(got).contains("w100 ")) {
                      jrego.shutdown(); // back once the stream has been cancelled
                      gate.countDown();
                      opened.countDown();
                    }
                  }
                } catch (IOException e) {
                  return "the body broke: " + e;
                }
                return "the body ended";
              });
      assertThat(opened.await(30, TimeUnit.SECONDS)).as("the answer began").isTrue();
      String how;
      try {
        how =
            read.get(30, TimeUnit.SECONDS); // the route's timeout, what it once waited for, is 60 s
      } catch (TimeoutException e) {
        how = "nothing more for 30 s: the client still waits";
      }
      return new Stopped(text(got), how);
    } finally {
      gate.countDown();
      reader.shutdownNow();
      jrego.shutdown();
    }
  }

  private static String text(ByteArrayOutputStream b) {
    synchronized (b) {
      return b.toString(StandardCharsets.UTF_8);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  private EnvoyRunner envoy(String name, int jregoPort) throws Exception {
    return EnvoyRunner.start(name, jregoPort, upstream.port(), certs, EXT_PROC_ONLY_PATIENT);
  }

  /** jrego on {@code bundle} with a 1 s shutdown grace. */
  private static JregoServer jrego(
      Path bundle, AuthorizationService.Config check, ExternalProcessorService.Config process)
      throws Exception {
    return InProcessJrego.serving(bundle)
        .server(s -> s.shutdownGrace(Duration.ofSeconds(1)))
        .check(check)
        .evalTimeout(Duration.ofSeconds(2))
        .process(process)
        .start();
  }

  private static HttpRequest.Builder chat(String prompt) {
    return HttpRequest.newBuilder()
        .header("content-type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + Json.write(StringValue.of(prompt))
                    + "}]}"));
  }

  private HttpResponse<String> send(EnvoyRunner envoy, HttpRequest.Builder request)
      throws Exception {
    return client.send(
        request
            .uri(URI.create("https://localhost:" + envoy.listenPort + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
