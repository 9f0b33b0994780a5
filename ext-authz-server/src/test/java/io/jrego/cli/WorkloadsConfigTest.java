package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.server.route.Route;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code bundles} and {@code routes} sections of {@code serve}'s config file: what they mean,
 * and that every mistake stops {@code jrego serve} at start naming the entry and the key.
 */
class WorkloadsConfigTest {

  @TempDir Path dir;

  private Path config(String yaml) throws Exception {
    Path c = dir.resolve("jrego.yaml");
    Files.writeString(c, yaml);
    return c;
  }

  private static final String GOOD =
      """
      threads: 2
      bundles:
        payments:
          resource: /bundles/payments
        search:
          resource: https://bundles.example/search.tar.gz
          verification_key: /keys/search.pem
          verification_alg: ES256
      routes:
        - name: payments
          bundle: payments
          path: payments/authz/allow
          match:
            context_extensions: {workload: payments, tier: gold}
        - name: search
          bundle: search
          path: search/authz/allow
          match:
            spiffe_id: spiffe://mesh-b.local/ns/shop/*
        - name: fallback
          path: envoy/authz/allow
      """;

  @Test
  void sectionsAreReadWithTheirBundlesRoutesAndMatches() throws Exception {
    Workloads w = Workloads.read(Optional.of(config(GOOD)));
    assertThat(w.bundles()).containsOnlyKeys("payments", "search");
    assertThat(w.bundles().get("search").resource())
        .isEqualTo("https://bundles.example/search.tar.gz");
    assertThat(w.bundles().get("search").keyFile()).contains(Path.of("/keys/search.pem"));
    assertThat(w.bundles().get("search").algorithm()).isEqualTo("ES256");
    assertThat(w.bundles().get("payments").verifies()).isFalse();
    List<Route> routes = w.routes().orElseThrow().routes();
    assertThat(routes).extracting(Route::name).containsExactly("payments", "search", "fallback");
    assertThat(routes.get(0).match().contextExtensions())
        .isEqualTo(Map.of("workload", "payments", "tier", "gold"));
    assertThat(routes.get(1).match().spiffeId()).contains("spiffe://mesh-b.local/ns/shop/*");
    assertThat(routes.get(2).bundle()).isEmpty();
    assertThat(routes.get(2).match().isAny()).isTrue();
  }

  @Test
  void aRouteMayNameItsExtProcRules() throws Exception {
    Workloads w =
        Workloads.read(
            Optional.of(
                config(
                    """
                    routes:
                      - {name: a, path: a/authz/allow, process_path: a.process,
                         match: {spiffe_id: "spiffe://td/ns/a/*"}}
                      - {name: b, path: b/authz/allow}
                    """)));
    List<Route> routes = w.routes().orElseThrow().routes();
    assertThat(routes.get(0).processPath()).contains("a/process");
    assertThat(routes.get(1).processPath()).isEmpty();
    assertThat(w.routes().orElseThrow().forProcess().orElseThrow().routes())
        .extracting(Route::name, Route::path)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "a/process"));
    assertRefused(
        "routes:\n  - {name: a, path: x, process_path: \"\"}\n",
        "routes[0] (a).process_path is required (a non-empty string)");
  }

  @Test
  void theFlatOptionsBesideTheSectionsStillApply() throws Exception {
    Path c = config(GOOD);
    CommandLine cmd =
        JregoCommand.commandLine(new String[] {"serve", "--config", c.toString()}, Map.of());
    cmd.parseArgs("serve", "--config", c.toString());
    ServeCommand s = (ServeCommand) cmd.getSubcommands().get("serve").getCommandSpec().userObject();
    assertThat(s.threads).isEqualTo(2);
  }

  @Test
  void aFileWithoutSectionsMeansNoRouting() throws Exception {
    assertThat(Workloads.read(Optional.of(config("threads: 2\n")))).isEqualTo(Workloads.NONE);
    assertThat(Workloads.read(Optional.empty())).isEqualTo(Workloads.NONE);
  }

  @Test
  void mistakesNameTheEntryAndTheKey() throws Exception {
    assertRefused(
        "routes:\n  - {name: a, path: x/allow, bundle: nope}\n",
        "routes[0] (a).bundle: no bundle named nope (the config has no bundles section)");
    assertRefused(
        "bundles: {p: {resource: /b}}\nroutes:\n  - {name: a, path: x/allow, bundle: q}\n",
        "routes[0] (a).bundle: no bundle named q (bundles: p)");
    assertRefused("routes:\n  - {path: x/allow}\n", "routes[0].name is required");
    assertRefused("routes:\n  - {name: a}\n", "routes[0] (a).path is required");
    assertRefused(
        "routes:\n  - {name: a, path: x, paht: y}\n",
        "routes[0]: unknown key paht (known: name, path, bundle, match, process_path)");
    assertRefused(
        """
        routes:
          - {name: a, path: x, match: {spiffe_id: spiffe://t/b}}
          - {name: a, path: y, match: {spiffe_id: spiffe://t/a}}
        """,
        "routes[1]: the name a is used twice");
    assertRefused(
        "routes:\n  - {name: a, path: x}\n  - {name: b, path: y, match: {spiffe_id: spiffe://t/a}}\n",
        "routes[1] (b) can never be taken: routes[0] (a) has no match and takes every request");
    assertRefused(
        "routes:\n  - {name: a, path: x, match: {spiffe_id: cluster.local/ns/a}}\n",
        "routes[0] (a).match.spiffe_id must be a SPIFFE ID");
    assertRefused(
        "routes:\n  - {name: a, path: x, match: {spiffe_id: \"spiffe://t/*/sa\"}}\n",
        "routes[0] (a).match.spiffe_id: '*' may only be the last path segment");
    assertRefused(
        "routes:\n  - {name: a, path: x, match: {}}\n",
        "routes[0] (a).match must hold spiffe_id, destination_spiffe_id or context_extensions");
    assertRefused(
        "routes:\n  - {name: a, path: x, match: {context_extensions: {k: [1]}}}\n",
        "routes[0] (a).match.context_extensions.k must be a string");
    assertRefused(
        "routes:\n  - {name: a, path: x, match: {header: v}}\n",
        "routes[0] (a).match: unknown key header (known: spiffe_id, destination_spiffe_id,");
    assertRefused("routes: []\n", "routes must be a list of {name, path, bundle, match}");
    assertRefused("bundles: {p: {}}\n", "bundles.p.resource is required");
    assertRefused(
        "bundles: {p: {resource: /b, signing_key: k}}\n",
        "bundles.p: unknown key signing_key (known: resource, verification-alg,");
    assertRefused("bundles: {\"a,b\": {resource: /b}}\n", "bundles.a,b: a bundle name must not");
  }

  private void assertRefused(String yaml, String message) throws Exception {
    Path c = config(yaml);
    assertThatThrownBy(() -> Workloads.read(Optional.of(c)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("config " + c + ": ")
        .hasMessageContaining(message);
  }

  @Test
  void serveStopsAtStartOnABadRoutingConfig() throws Exception {
    Path c = config("routes:\n  - {name: a, path: x, bundle: nope}\n");
    CommandLine cmd =
        JregoCommand.commandLine(new String[] {"serve", "--config", c.toString()}, Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    assertThat(cmd.execute("serve", "--config", c.toString(), "--addr", "127.0.0.1:0"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("routes[0] (a).bundle: no bundle named nope");
  }

  @Test
  void serveStopsAtStartOnANamedBundlesUnreadableKey() throws Exception {
    Path local = Files.createDirectories(dir.resolve("b"));
    Path c =
        config(
            "bundles:\n  p:\n    resource: "
                + local
                + "\n    verification_key: "
                + dir.resolve("missing.pem")
                + "\n");
    CommandLine cmd =
        JregoCommand.commandLine(new String[] {"serve", "--config", c.toString()}, Map.of());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    assertThat(
            cmd.execute(
                "serve", "--config", c.toString(), "--addr", "127.0.0.1:0", "--admin-addr", ""))
        .isEqualTo(2);
    assertThat(err.toString()).contains("bundles.p.verification-key").contains("missing.pem");
  }
}
