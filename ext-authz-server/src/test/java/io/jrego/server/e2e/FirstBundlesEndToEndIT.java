package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.server.envoy.TestRequests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jrego serve} with a local gateway bundle that reads a guard bundle's data, and the guard
 * on a loopback bundle server that is slow to have it: until the guard arrives no policy is active
 * (the gateway alone would allow what the guard blocks), then both are activated together.
 */
class FirstBundlesEndToEndIT {

  private static final Duration WAIT = Duration.ofSeconds(40);
  @TempDir Path dir;

  private static CheckResponse check(ManagedChannel ch, String path) {
    return check(ch, path, "");
  }

  /** {@code jrego serve} with the policy flags given, polling fast and failing closed. */
  private ServeProcess serve(String... policy) throws Exception {
    List<String> args = new ArrayList<>(List.of("--on-error", "deny"));
    args.addAll(List.of(policy));
    return ServeProcess.start(dir, List.of("-Xmx256m"), ServeProcess.servePolling(args));
  }

  /** A GET of {@code path}; with {@code workload} as Envoy's context extension unless empty. */
  private static CheckResponse check(ManagedChannel ch, String path, String workload) {
    return AuthorizationGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(
            TestRequests.get(path)
                .contextExtensions(workload.isEmpty() ? Map.of() : Map.of("workload", workload))
                .build());
  }

  private static String header(CheckResponse r, String name) {
    for (HeaderValueOption h : r.getDeniedResponse().getHeadersList()) {
      if (h.getHeader().getKey().equals(name)) {
        return h.getHeader().getValue();
      }
    }
    return "";
  }

  private static SortedMap<String, byte[]> guard(String revision) {
    SortedMap<String, byte[]> m = new TreeMap<>();
    m.put(
        ".manifest",
        ("{\"revision\":\"" + revision + "\",\"roots\":[\"guard\"]}")
            .getBytes(StandardCharsets.UTF_8));
    m.put("guard/data.json", "{\"blocked\":[\"/bad\"]}".getBytes(StandardCharsets.UTF_8));
    return m;
  }

  @Test
  void aCheckBeforeEveryBundleArrivedIsRefusedThenAnsweredByThemAll() throws Exception {
    Path gateway = Files.createDirectories(dir.resolve("gateway/envoy/authz"));
    Files.writeString(
        dir.resolve("gateway/.manifest"), "{\"revision\":\"gw-1\",\"roots\":[\"envoy/authz\"]}");
    Files.writeString(
        gateway.resolve("policy.rego"),
        """
        package envoy.authz

        default allow := false

        blocked if input.attributes.request.http.path in data.guard.blocked

        allow if not blocked
        """);
    try (BundleHttpServer bundles = new BundleHttpServer()) {
      // nothing served yet: the guard's first fetches fail with 404
      String guardUrl = bundles.url().toString();
      ServeProcess jrego =
          serve("--bundle", dir.resolve("gateway").toString(), "--bundle", guardUrl);
      try {
        jrego.awaitServing(WAIT);
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", jrego.grpcPort()).usePlaintext().build();
        try {
          // the gateway alone would allow /bad: refused as without a policy instead
          CheckResponse early = check(ch, "/bad");
          assertThat(early.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
          assertThat(header(early, "x-jrego-error")).isEqualTo("no_policy");
          assertThat(header(check(ch, "/ok"), "x-jrego-error")).isEqualTo("no_policy");
          ServeProcess.Reply ready = jrego.admin("/ready");
          assertThat(ready.status()).isEqualTo(503);
          assertThat(ready.body()).contains("\"waiting_for_bundles\":[\"" + guardUrl + "\"]");
          jrego.awaitErr(WAIT, "waiting for the first bundle of " + guardUrl);
          assertThat(
                  jrego.awaitOut(
                      WAIT, "bundle revision gw-1 from " + dir.resolve("gateway") + " arrived"))
              .doesNotContain("activated bundle");

          bundles.serve(guard("g-1"), "g-1");
          ready = jrego.awaitAdmin("/ready", r -> r.status() == 200, WAIT);
          assertThat(ready.body()).contains("\"revision\":\"gw-1\"", "\"revision\":\"g-1\"");
          assertThat(check(ch, "/ok").getStatus().getCode()).isEqualTo(Code.OK_VALUE);
          CheckResponse bad = check(ch, "/bad");
          assertThat(bad.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
          assertThat(header(bad, "x-jrego-error")).isEmpty();
          // one activation, with both (printed a moment after it is live)
          assertThat(jrego.awaitOut(WAIT, "activated bundle").lines())
              .filteredOn(l -> l.contains("activated bundle"))
              .singleElement()
              .satisfies(l -> assertThat(l).contains("=gw-1,", "=g-1 from"));
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      } finally {
        jrego.close();
      }
    }
  }

  @Test
  void withWorkloadRoutesAMissingBundleClosesOnlyItsOwnRoute() throws Exception {
    Path payments = Files.createDirectories(dir.resolve("payments/payments/authz"));
    Files.writeString(
        dir.resolve("payments/.manifest"), "{\"revision\":\"pay-1\",\"roots\":[\"payments\"]}");
    Files.writeString(payments.resolve("policy.rego"), "package payments.authz\n\nallow := true\n");
    try (BundleHttpServer bundles = new BundleHttpServer()) {
      // the search workload's bundle server answers 404 throughout
      String searchUrl = bundles.url().toString();
      Path config = dir.resolve("jrego.yaml");
      Files.writeString(
          config,
          """
          bundles:
            payments:
              resource: %s
            search:
              resource: %s
          routes:
            - name: payments
              bundle: payments
              path: payments/authz/allow
              match:
                context_extensions: {workload: payments}
            - name: search
              bundle: search
              path: search/authz/allow
              match:
                context_extensions: {workload: search}
          """
              .formatted(dir.resolve("payments"), searchUrl));
      ServeProcess jrego = serve("--config", config.toString());
      try {
        jrego.awaitServing(WAIT);
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", jrego.grpcPort()).usePlaintext().build();
        try {
          assertThat(check(ch, "/pay", "payments").getStatus().getCode()).isEqualTo(Code.OK_VALUE);
          CheckResponse search = check(ch, "/find", "search");
          assertThat(search.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
          assertThat(header(search, "x-jrego-error")).isEqualTo("no_policy");
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      } finally {
        jrego.close();
      }
    }
  }
}
