package io.jrego.server.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.bundle.BundleLoader;
import io.jrego.engine.bundle.BundleWriter;
import io.jrego.engine.value.BooleanValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.admin.AdminServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With several sources, no policy is activated until each has brought a bundle once: a gateway
 * bundle that reads a guard bundle's data must never serve without it.
 */
class FirstActivationTest {

  /** The guard's bundle server: answers {@link #status} with {@link #body} when 200. */
  private HttpServer http;

  private final AtomicInteger status = new AtomicInteger(503);
  private final AtomicReference<byte[]> body = new AtomicReference<>(new byte[0]);
  private final List<BundleManager.Event> events = new CopyOnWriteArrayList<>();
  private final PolicyHolder holder = new PolicyHolder();
  private final ServerMetrics metrics = new ServerMetrics();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private AdminServer admin;
  private BundleManager manager;
  private Path gateway;
  private HttpBundleSource guard;

  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    http.createContext(
        "/guard.tar.gz",
        ex -> {
          try (ex) {
            int s = status.get();
            if (s != 200) {
              ex.sendResponseHeaders(s, -1);
              return;
            }
            byte[] b = body.get();
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(b);
            }
          }
        });
    http.start();
    gateway = Files.createDirectories(dir.resolve("gateway"));
    writeGateway("gw-1", "package gateway\n\nallow if not data.guard.blocked\n");
    guard =
        new HttpBundleSource(
            URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/guard.tar.gz"),
            BundleLoader.Options.defaults(),
            new HttpBundleSource.HttpOptions(
                Duration.ofMillis(10),
                Duration.ofMillis(20),
                Duration.ofSeconds(5),
                Optional.empty(),
                Optional.empty()));
    BundleSource local =
        new LocalBundleSource(gateway, BundleLoader.Options.defaults(), Duration.ofHours(1));
    manager =
        new BundleManager(
            List.of(new NamedBundleSource("gateway", local), new NamedBundleSource("guard", guard)),
            holder,
            EngineOptions.defaults(),
            events::add);
    metrics.awaitBundlesFrom(manager::awaiting);
    holder.onActivate(metrics::activated);
    admin =
        AdminServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            holder,
            metrics,
            () -> false,
            () -> false);
  }

  @AfterEach
  void stop() {
    manager.close();
    admin.close();
    http.stop(0);
  }

  private static int mtime = 1;

  private void writeGateway(String revision, String rego) throws IOException {
    FileTime later = FileTime.from(Instant.now().plusSeconds(mtime++));
    Path manifest = gateway.resolve(".manifest");
    Files.writeString(manifest, "{\"revision\":\"" + revision + "\",\"roots\":[\"gateway\"]}");
    Files.setLastModifiedTime(manifest, later);
    Path policy = gateway.resolve("policy.rego");
    Files.writeString(policy, rego);
    Files.setLastModifiedTime(policy, later);
  }

  private void serveGuard(String revision, boolean blocked) {
    SortedMap<String, byte[]> files = new TreeMap<>();
    files.put(
        ".manifest",
        ("{\"revision\":\"" + revision + "\",\"roots\":[\"guard\"]}")
            .getBytes(StandardCharsets.UTF_8));
    files.put(
        "guard/data.json", ("{\"blocked\":" + blocked + "}").getBytes(StandardCharsets.UTF_8));
    body.set(BundleWriter.toBytes(files));
    status.set(200);
  }

  private HttpResponse<String> ready() throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/ready"))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static boolean allows(ActivePolicy p) throws Exception {
    Optional<Value> v = p.policy().evaluate("gateway/allow", ObjectValue.EMPTY);
    return v.isPresent() && v.get().equals(BooleanValue.TRUE);
  }

  private List<BundleManager.Event> of(Class<? extends BundleManager.Event> type) {
    return events.stream().filter(type::isInstance).toList();
  }

  @Test
  void aSourceWhoseFirstPollFailsHoldsBackEveryPolicyUntilItArrives() throws Exception {
    assertThat(metrics.scrape()).contains("jrego_bundles_awaited 2.0");
    // alone, the gateway would allow everything: data.guard.blocked is undefined without the guard
    assertThat(manager.pollAll()).isFalse();
    assertThat(metrics.scrape()).contains("jrego_bundles_awaited 1.0");
    assertThat(holder.current()).isEmpty();
    assertThat(manager.awaiting()).containsExactly("guard");
    assertThat(of(BundleManager.Waiting.class))
        .containsExactly(new BundleManager.Waiting("gateway", "gw-1", List.of("guard")));
    assertThat(of(BundleManager.Failed.class))
        .singleElement()
        .satisfies(e -> assertThat(((BundleManager.Failed) e).message()).contains("HTTP 503"));
    HttpResponse<String> notReady = ready();
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body())
        .contains("\"status\":\"no policy active\"")
        .contains("\"waiting_for_bundles\":[\"guard\"]");

    serveGuard("g-1", true);
    assertThat(manager.pollAll()).isTrue();
    assertThat(of(BundleManager.Activated.class)).hasSize(1);
    ActivePolicy both = holder.current().orElseThrow();
    assertThat(both.bundles()).containsEntry("gateway", "gw-1").containsEntry("guard", "g-1");
    assertThat(allows(both)).isFalse();
    assertThat(manager.awaiting()).isEmpty();
    assertThat(metrics.scrape()).contains("jrego_bundles_awaited 0.0");
    HttpResponse<String> isReady = ready();
    assertThat(isReady.statusCode()).isEqualTo(200);
    assertThat(isReady.body()).doesNotContain("waiting_for_bundles");

    // later, a bad version of either is refused and the last good pair stays
    body.set("not a tarball".getBytes(StandardCharsets.UTF_8));
    assertThat(manager.pollAll()).isFalse();
    assertThat(holder.current().orElseThrow()).isSameAs(both);
    writeGateway("gw-2", "package gateway\n\nallow if {\n");
    assertThat(manager.pollAll()).isFalse();
    assertThat(holder.current().orElseThrow()).isSameAs(both);
    assertThat(of(BundleManager.Failed.class)).hasSizeGreaterThanOrEqualTo(3);
    assertThat(of(BundleManager.Activated.class)).hasSize(1);

    // and a good one of either swaps on its own
    writeGateway("gw-3", "package gateway\n\nallow if data.guard.blocked\n");
    assertThat(manager.pollAll()).isTrue();
    assertThat(holder.current().orElseThrow().bundles())
        .containsEntry("gateway", "gw-3")
        .containsEntry("guard", "g-1");
    assertThat(allows(holder.current().orElseThrow())).isTrue();
  }

  @Test
  void aSourceWhoseFirstPollIsEmptyHoldsBackEveryPolicy() throws Exception {
    // a 304 before any bundle (a server that thinks it already sent one): nothing to serve
    status.set(304);
    assertThat(manager.pollAll()).isFalse();
    assertThat(holder.current()).isEmpty();
    assertThat(manager.awaiting()).containsExactly("guard");
    assertThat(ready().body()).contains("\"waiting_for_bundles\":[\"guard\"]");
    // meanwhile the gateway moves on: the newest of its versions is the one activated
    writeGateway("gw-2", "package gateway\n\nallow if not data.guard.blocked\n");
    assertThat(manager.pollAll()).isFalse();
    assertThat(of(BundleManager.Waiting.class)).hasSize(2);
    serveGuard("g-1", false);
    assertThat(manager.pollAll()).isTrue();
    ActivePolicy both = holder.current().orElseThrow();
    assertThat(both.bundles()).containsEntry("gateway", "gw-2").containsEntry("guard", "g-1");
    assertThat(allows(both)).isTrue();
    assertThat(of(BundleManager.Activated.class)).hasSize(1);
  }

  @Test
  void aFirstCompositionThatDoesNotCompileActivatesNothing() throws Exception {
    writeGateway("gw-bad", "package gateway\n\nallow if {\n");
    serveGuard("g-1", true);
    assertThat(manager.pollAll()).isFalse();
    assertThat(holder.current()).isEmpty();
    assertThat(manager.lastFailure().orElseThrow().reason()).isEqualTo(BundleManager.COMPILE);
    assertThat(manager.lastFailure().orElseThrow().message())
        .startsWith("gateway + guard: do not compile together:");
    HttpResponse<String> notReady = ready();
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).doesNotContain("waiting_for_bundles");
    // which of the two is at fault is not known: a new version of either composes them again
    writeGateway("gw-1", "package gateway\n\nallow if not data.guard.blocked\n");
    assertThat(manager.pollAll()).isTrue();
    assertThat(allows(holder.current().orElseThrow())).isFalse();
  }
}
