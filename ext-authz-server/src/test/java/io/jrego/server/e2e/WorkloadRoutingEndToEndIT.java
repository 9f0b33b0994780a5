package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.JregoServer;
import io.jrego.server.bundle.BundleManager;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.policy.PolicyHolder;
import io.jrego.server.route.RouteTable;
import io.jrego.server.route.TestWorkloads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Policy per workload through a real Envoy: its routes carry ext_authz's per-route {@code
 * context_extensions} ({@code src/test/resources/workloads/envoy.yaml}), and one in-process jrego
 * answers each from that workload's own bundle ({@code workloads/payments}, {@code
 * workloads/search}); a route without extensions is refused as an unknown workload. Its mTLS
 * listener runs ext_proc only: those streams are routed by the client certificate's SPIFFE id, and
 * the payments workload's request bodies are redacted by its own {@code payments.process} rule.
 * Envoy's log is in {@code target/envoy-workloads.log}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkloadRoutingEndToEndIT {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path RESOURCES = MODULE.resolve("src/test/resources/workloads");

  private final Running running = new Running();
  private TestPki pki;
  private int mtlsPort;
  private final List<DecisionEvent> events = new CopyOnWriteArrayList<>();
  private RecordingUpstream upstream;
  private BundleManager bundles;
  private JregoServer jrego;
  private int listenPort;
  private Path log;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    upstream = running.add(RecordingUpstream.start());

    PolicyHolder policies = new PolicyHolder();
    bundles =
        running.add(
            TestWorkloads.manager(RESOURCES, List.of("payments", "search"), policies, e -> {}));
    assertThat(bundles.pollAll()).isTrue();
    RouteTable routes =
        RouteTable.of(
            List.of(
                TestWorkloads.forWorkload("payments"),
                TestWorkloads.forWorkload("search"),
                // ext_proc streams carry no context_extensions: routed by the caller's SVID
                TestWorkloads.forCallers(
                    "payments-callers",
                    "payments",
                    "spiffe://td/ns/payments/*",
                    Optional.of("payments/process"))));
    jrego =
        InProcessJrego.serving(policies)
            .server(s -> s.queueCapacity(256).shutdownGrace(Duration.ofSeconds(1)))
            .check(AuthorizationService.Config.defaults().withRoutes(routes))
            .evalTimeout(Duration.ofSeconds(2))
            .recorder(events::add)
            .start(running);

    Path work = Files.createDirectories(MODULE.resolve("target/envoy-workloads"));
    Path config = work.resolve("envoy.yaml");
    Path certs = Files.createDirectories(work.resolve("certs"));
    pki = new TestPki();
    TestPki.writePem(certs, "ca", pki.ca());
    TestPki.writePem(certs, "server", pki.server());
    log = MODULE.resolve("target/envoy-workloads.log");
    Process envoy =
        EnvoyRunner.onFreePorts(
            () -> {
              listenPort = EnvoyRunner.freePort();
              int adminPort = EnvoyRunner.freePort();
              mtlsPort = EnvoyRunner.freePort();
              Files.writeString(
                  config,
                  EnvoyRunner.render(
                      Files.readString(RESOURCES.resolve("envoy.yaml")),
                      Map.of(
                          "LISTEN_PORT", String.valueOf(listenPort),
                          "ADMIN_PORT", String.valueOf(adminPort),
                          "JREGO_GRPC_PORT", String.valueOf(jrego.grpcPort()),
                          "UPSTREAM_PORT", String.valueOf(upstream.port()),
                          "MTLS_PORT", String.valueOf(mtlsPort),
                          "CERT_DIR", certs.toString())));
              return EnvoyRunner.launch(config, adminPort, log, "info");
            });
    running.add(() -> EnvoyRunner.stop(envoy));
  }

  @AfterAll
  void stop() throws Exception {
    running.close();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listenPort + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachEnvoyRouteIsDecidedByItsWorkloadsBundle() throws Exception {
    assertThat(send("GET", "/payments/invoices").statusCode()).isEqualTo(200);
    assertThat(send("POST", "/payments/invoices").statusCode()).isEqualTo(403);
    assertThat(send("POST", "/search/public/q").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/search/private").statusCode()).isEqualTo(403);
    assertThat(upstream.lines()).contains("GET /payments/invoices", "POST /search/public/q");
    assertThat(upstream.lines()).doesNotContain("POST /payments/invoices", "GET /search/private");
    assertThat(events)
        .filteredOn(e -> e.route().equals("payments"))
        .extracting(DecisionEvent::path)
        .containsOnly("payments/authz/allow");
    assertThat(events)
        .filteredOn(e -> e.route().equals("search"))
        .extracting(e -> e.bundle().orElseThrow().revisions())
        .containsOnly(Map.of("search", "search-1"));
  }

  private HttpResponse<String> chat(String caller, String content) throws Exception {
    HttpClient mtls = pki.httpClient(pki.client("caller", caller));
    return mtls.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + mtlsPort + "/v1/chat/completions"))
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anExtProcStreamIsRoutedByTheCallersSvidAndRedactedByItsWorkloadsOwnRule() throws Exception {
    HttpResponse<String> ok = chat("spiffe://td/ns/payments/sa/app", "mail ann@example.com now");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(upstream.bodies())
        .anySatisfy(b -> assertThat(b).contains("mail <EMAIL_1> now"))
        .noneSatisfy(b -> assertThat(b).contains("ann@example.com"));
    assertThat(events)
        .filteredOn(e -> e.route().equals("payments-callers"))
        .extracting(DecisionEvent::path)
        .contains("payments/process/request");

    // no route takes this caller's stream: refused, never passed on unprocessed
    HttpResponse<String> refused = chat("spiffe://td/ns/other/sa/app", "mail bob@example.com");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("x-jrego-error")).contains("unknown_workload");
    assertThat(upstream.bodies()).noneSatisfy(b -> assertThat(b).contains("bob@example.com"));
  }

  @Test
  void aRouteWithoutAWorkloadIsRefusedWithTheReason() throws Exception {
    HttpResponse<String> r = send("GET", "/anything");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("x-jrego-error")).contains("unknown_workload");
    assertThat(r.body()).contains("\"code\":\"unknown_workload\"");
    assertThat(upstream.lines()).doesNotContain("GET /anything");
  }
}
