package io.jrego.server.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.bundle.BundleManager;
import io.jrego.server.e2e.InProcessJrego;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.grpc.OnError;
import io.jrego.server.observe.DecisionEvent;
import io.jrego.server.policy.PolicyHolder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy per workload through the real server: named bundles polled by a {@link BundleManager},
 * routes chosen by Envoy's {@code context_extensions} or the caller's SPIFFE ID, checks over a
 * loopback gRPC socket, the admin port's {@code /ready} and {@code /metrics}, and the decision
 * events the recorder gets.
 */
class WorkloadRoutingTest {

  private static final String SHOP = "spiffe://mesh-b.local/ns/shop/sa/web";

  @TempDir Path dir;

  private final PolicyHolder policies = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private final List<DecisionEvent> events = new CopyOnWriteArrayList<>();
  private final List<BundleManager.Event> bundleEvents = new CopyOnWriteArrayList<>();
  private BundleManager manager;
  private JregoServer server;
  private ManagedChannel channel;
  private AuthorizationGrpc.AuthorizationBlockingStub stub;
  private Path payments;
  private Path search;

  private static final RouteTable ROUTES =
      RouteTable.of(
          List.of(
              TestWorkloads.forWorkload("payments"),
              TestWorkloads.forCallers(
                  "search", "search", "spiffe://mesh-b.local/ns/shop/*", Optional.empty()),
              TestWorkloads.forWorkload("ledger")));

  @BeforeEach
  void start() throws Exception {
    payments =
        bundle(
            "payments",
            "pay-1",
            """
            package payments.authz

            default allow := false

            allow if input.attributes.request.http.method == "GET"
            """);
    search =
        bundle(
            "search",
            "search-1",
            """
            package search.authz

            default allow := false

            allow if input.attributes.request.http.path == "/search"
            """);
    // never compiles: its route must fail closed while the others serve
    bundle("ledger", "ledger-1", "package ledger.authz\n\nallow if {\n");
    manager =
        TestWorkloads.manager(
            dir,
            List.of("payments", "search", "ledger"),
            policies,
            e -> {
              bundleEvents.add(e);
              switch (e) {
                case BundleManager.Activated a -> metrics.bundleActivated(a.source());
                case BundleManager.Failed f ->
                    metrics.bundleFailed(f.source(), f.reason(), f.message(), f.at());
                case BundleManager.Waiting w -> metrics.bundleArrived(w.source());
                case BundleManager.WarmedUp w -> {}
              }
            });
    manager.activateEachSourceAsItArrives(); // as serve does with workload routes
    manager.pollAll();
    AuthorizationService.Config check =
        AuthorizationService.Config.builder()
            .onError(OnError.DENY, 403)
            .evalTimeout(Duration.ofSeconds(30))
            .build()
            .withRoutes(ROUTES);
    server =
        InProcessJrego.serving(policies)
            .server(s -> s.queueCapacity(64).shutdownGrace(Duration.ofSeconds(1)))
            .check(check)
            .metrics(metrics)
            .admin()
            .recorder(events::add)
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    stub = AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdown();
    manager.close();
  }

  private Path bundle(String root, String revision, String rego) throws Exception {
    Path b = Files.createDirectories(dir.resolve(root));
    write(b, revision, root, rego);
    return b;
  }

  /** Writes a bundle's files with a modification time later than any before. */
  private static void write(Path b, String revision, String root, String rego) throws Exception {
    FileTime later = FileTime.from(Instant.now().plusSeconds(counter++));
    Path manifest = b.resolve(".manifest");
    Files.writeString(
        manifest, "{\"revision\": \"" + revision + "\", \"roots\": [\"" + root + "\"]}");
    Files.setLastModifiedTime(manifest, later);
    Path policy = b.resolve("policy.rego");
    Files.writeString(policy, rego);
    Files.setLastModifiedTime(policy, later);
  }

  private static int counter = 1;

  private static CheckRequest request(
      String method, String path, String principal, Map<String, String> extensions) {
    TestRequests.Http request =
        TestRequests.http(method, path).host("svc").contextExtensions(extensions);
    if (!principal.isEmpty()) {
      request.principal(principal);
    }
    return request.build();
  }

  private CheckResponse check(
      String method, String path, String principal, Map<String, String> ext) {
    return stub.check(request(method, path, principal, ext));
  }

  private static boolean allowed(CheckResponse r) {
    return r.getStatus().getCode() == Code.OK_VALUE;
  }

  private static String header(CheckResponse r, String name) {
    for (HeaderValueOption h : r.getDeniedResponse().getHeadersList()) {
      if (h.getHeader().getKey().equals(name)) {
        return h.getHeader().getValue();
      }
    }
    return null;
  }

  @Test
  void eachWorkloadIsAnsweredByItsOwnBundleAndPath() {
    Map<String, String> pay = Map.of("workload", "payments");
    assertThat(allowed(check("GET", "/search", "", pay))).isTrue();
    assertThat(allowed(check("POST", "/search", "", pay))).isFalse();
    // the SPIFFE route: the search bundle decides on the path, whatever the method
    assertThat(allowed(check("POST", "/search", SHOP, Map.of()))).isTrue();
    assertThat(allowed(check("GET", "/other", SHOP, Map.of()))).isFalse();
    // routes are tried in order: context_extensions of payments win over the SPIFFE route
    assertThat(allowed(check("POST", "/search", SHOP, pay))).isFalse();

    assertThat(events).hasSize(5);
    DecisionEvent first = events.get(0);
    assertThat(first.route()).isEqualTo("payments");
    assertThat(first.path()).isEqualTo("payments/authz/allow");
    assertThat(first.bundle().orElseThrow().revisions()).isEqualTo(Map.of("payments", "pay-1"));
    assertThat(first.requestedBy()).matches("127\\.0\\.0\\.1:\\d+");
    assertThat(first.requestedBy()).isNotEqualTo("127.0.0.1:" + server.grpcPort());
    DecisionEvent third = events.get(2);
    assertThat(third.route()).isEqualTo("search");
    assertThat(third.bundle().orElseThrow().revisions()).isEqualTo(Map.of("search", "search-1"));
  }

  @Test
  void aRequestNoRouteTakesIsRefusedNeverDecidedByAnotherWorkload() throws Exception {
    CheckResponse r =
        check("GET", "/search", "spiffe://mesh-c.local/ns/x/sa/y", Map.of("workload", "other"));
    assertThat(allowed(r)).isFalse();
    assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
    assertThat(header(r, "x-jrego-error")).isEqualTo("unknown_workload");
    assertThat(r.getDeniedResponse().getBody())
        .isEqualTo("{\"code\":\"unknown_workload\",\"reason\":\"no policy serves this workload\"}");
    DecisionEvent e = events.get(0);
    assertThat(e.outcome()).isEqualTo("deny");
    assertThat(e.reason()).isEqualTo("unknown_workload");
    assertThat(e.error().orElseThrow().message())
        .contains("spiffe://mesh-c.local/ns/x/sa/y")
        .contains("\"workload\":\"other\"");
    assertThat(e.result()).isEmpty();
    assertThat(scrape())
        .contains(
            "jrego_checks_total{phase=\"check\",reason=\"unknown_workload\",result=\"deny\","
                + "service=\"ext_authz\"} 1.0")
        .contains(
            "jrego_route_checks_total{bundle=\"\",reason=\"unknown_workload\",result=\"deny\","
                + "route=\"\"} 1.0");
  }

  @Test
  void aRouteWhoseBundleNeverLoadedFailsClosedWhileTheOthersServe() throws Exception {
    CheckResponse r = check("GET", "/", "", Map.of("workload", "ledger"));
    assertThat(allowed(r)).isFalse();
    assertThat(header(r, "x-jrego-error")).isEqualTo("no_policy");
    assertThat(events.get(0).error().orElseThrow().message())
        .isEqualTo("no_policy: bundle ledger of route ledger is not active");
    assertThat(allowed(check("GET", "/", "", Map.of("workload", "payments")))).isTrue();
    String ready = get("/ready");
    assertThat(ready)
        .contains("\"payments\":{\"revision\":\"pay-1\"}")
        .contains("\"search\":{\"revision\":\"search-1\"}")
        .contains("\"ledger\":{\"last_error\":\"ledger: does not compile:");
    assertThat(scrape())
        .contains(
            "jrego_route_checks_total{bundle=\"ledger\",reason=\"no_policy\",result=\"error\","
                + "route=\"ledger\"} 1.0")
        .contains(
            "jrego_route_checks_total{bundle=\"payments\",reason=\"policy\",result=\"allow\","
                + "route=\"payments\"} 1.0");
  }

  @Test
  void aBadBundleForOneWorkloadNeverAffectsAnother() throws Exception {
    Map<String, String> pay = Map.of("workload", "payments");
    // payments' next revision does not compile, then one claims search's root: both refused
    write(payments, "pay-2", "payments", "package payments.authz\n\nallow if {\n");
    assertThat(manager.pollAll()).isFalse();
    write(payments, "pay-3", "search", "package search.authz\n\nallow := true\n");
    assertThat(manager.pollAll()).isFalse();
    assertThat(bundleEvents)
        .filteredOn(e -> e instanceof BundleManager.Failed)
        .extracting(e -> ((BundleManager.Failed) e).reason())
        .endsWith("compile", "conflict");
    // search moves on meanwhile
    write(
        search,
        "search-2",
        "search",
        """
        package search.authz

        default allow := false

        allow if input.attributes.request.http.path == "/v2/search"
        """);
    assertThat(manager.pollAll()).isTrue();

    assertThat(allowed(check("GET", "/", "", pay))).isTrue(); // still pay-1
    assertThat(allowed(check("POST", "/", "", pay))).isFalse();
    assertThat(allowed(check("GET", "/v2/search", SHOP, Map.of()))).isTrue(); // search-2
    assertThat(allowed(check("GET", "/search", SHOP, Map.of()))).isFalse();
    assertThat(events.get(0).bundle().orElseThrow().revisions())
        .isEqualTo(Map.of("payments", "pay-1"));
    assertThat(events.get(2).bundle().orElseThrow().revisions())
        .isEqualTo(Map.of("search", "search-2"));
    assertThat(get("/ready"))
        .contains(
            "\"payments\":{\"last_error\":\"bundles payments and search have overlapping roots")
        .contains("\"last_error_reason\":\"conflict\",\"revision\":\"pay-1\"}")
        .contains("\"search\":{\"revision\":\"search-2\"}");
  }

  private String scrape() throws Exception {
    return get("/metrics");
  }

  private String get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
