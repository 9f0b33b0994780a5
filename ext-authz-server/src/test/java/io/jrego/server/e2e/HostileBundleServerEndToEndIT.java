package io.jrego.server.e2e;

import static io.jrego.server.e2e.BundleHttpServer.revisionHeader;
import static io.jrego.server.e2e.ServeProcess.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.engine.testing.HostileTarballs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, findings 6 and 7, where they bit: a running {@code jrego serve} (its own JVM, with the
 * launcher's 512 MiB heap and flags) hot-reloading from a bundle server that turns hostile. Before,
 * a 490 KB gzip bomb, a 120 MiB {@code data.json} and a 100,000-deep {@code data.json} each
 * exhausted the heap or the stack on the polling thread and failed silently (no log line, no {@code
 * last_bundle_error}), and a server that sent headers and then dripped the body hung bundle polling
 * for good. Now each is refused while it is read, reported on stderr, on {@code /ready} (message,
 * reason, time) and in {@code jrego_bundle_failures_total{reason}}, the last good bundle keeps
 * answering, and polling goes on.
 */
class HostileBundleServerEndToEndIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;

  /** One hostile version of the bundle, and how its refusal must read. */
  private record Hostile(String name, ByteBuffer tarball, String reason, String message) {}

  @Test
  void issue14_hostileBundlesAreRefusedAndReportedWhileTheLastGoodOneServes() throws Exception {
    try (BundleHttpServer bundles = new BundleHttpServer()) {
      bundles.serve(BundleHttpServer.revision("r1"), "r1");
      String source = bundles.url().toString();
      ServeProcess jrego = start(source);
      try {
        jrego.awaitServing(WAIT);
        int grpcPort = jrego.grpcPort();
        jrego.awaitAdmin("/ready", r -> r.status() == 200, WAIT);
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
          for (Hostile h : hostile()) {
            bundles.serveBytes(h.tarball().array(), h.name());
            ServeProcess.Reply ready =
                jrego.awaitAdmin("/ready", r -> r.body().contains(h.message()), WAIT);
            assertThat(ready.status()).as(h.name()).isEqualTo(200);
            assertThat(ready.body())
                .as(h.name())
                .contains("\"revision\":\"r1\"", "\"last_bundle_error_reason\":\"" + h.reason());
            Matcher at =
                Pattern.compile("\"last_bundle_error_at\":\"([^\"]+)\"").matcher(ready.body());
            assertThat(at.find()).as(h.name()).isTrue();
            assertThat(Instant.parse(at.group(1))).isAfter(Instant.now().minusSeconds(60));
            String metrics = jrego.admin("/metrics").body();
            assertThat(sample(metrics, failures(h.reason(), source))).as(h.name()).isPositive();
            assertThat(revisionHeader(check(ch))).as("answers after " + h.name()).isEqualTo("r1");
            jrego.awaitErr(
                WAIT, "jrego: bundle refused [" + h.reason() + "] (the active policy stays)");
          }

          // finding 7: headers, then one byte every 500 ms; the 2 s deadline cuts it off
          bundles.serveDripping(BundleHttpServer.revision("r2"), "drip", Duration.ofMillis(500));
          ServeProcess.Reply dripped =
              jrego.awaitAdmin("/ready", r -> r.body().contains("did not finish within"), WAIT);
          assertThat(dripped.body())
              .contains("\"revision\":\"r1\"", "did not finish within 2s (--bundle-timeout)")
              .contains("\"last_bundle_error_reason\":\"fetch\"");
          // ... and the next poll still happens: a good bundle is activated
          bundles.serve(BundleHttpServer.revision("r3"), "r3");
          // (the revision is live a moment before its source's last refusal is cleared)
          ServeProcess.Reply r3 =
              jrego.awaitAdmin(
                  "/ready",
                  r -> r.body().contains("\"r3\"") && !r.body().contains("last_bundle_error"),
                  WAIT);
          assertThat(r3.status()).isEqualTo(200);
          assertThat(revisionHeader(check(ch))).isEqualTo("r3");

          String metrics = jrego.admin("/metrics").body();
          assertThat(sample(metrics, failures("fetch", source))).isPositive();
          // the JVM's own series, for heap and GC alerts
          assertThat(metrics)
              .contains("jvm_memory_used_bytes{area=\"heap\"")
              .contains("jvm_memory_max_bytes{area=\"heap\"")
              .contains("jvm_gc_pause_seconds")
              .contains("jvm_threads_live_threads")
              .contains("process_uptime_seconds");
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(jrego.process().isAlive()).isTrue();
        assertThat(Files.readString(dir.resolve("err.txt")))
            .doesNotContain("OutOfMemoryError", "Exception in thread");
      } finally {
        jrego.close();
      }
    }
  }

  /** The bundles of the finding, each small on the wire, with a root of the r1 bundle's. */
  private static List<Hostile> hostile() throws IOException {
    String manifest = "{\"revision\":\"bad\",\"roots\":[\"envoy/authz\"]}";
    List<Hostile> out = new ArrayList<>();
    HostileTarballs bomb = new HostileTarballs().file(".manifest", manifest);
    for (int i = 0; i < 4; i++) {
      bomb.entry("envoy/authz/x" + i + "/data.json", "", 127, (byte) ' ', "");
    }
    out.add(
        new Hostile(
            "gzip-bomb",
            ByteBuffer.wrap(bomb.build()),
            "limit",
            "entry envoy/authz/x0/data.json: 133169152 bytes"));
    out.add(
        new Hostile(
            "big-data",
            ByteBuffer.wrap(
                new HostileTarballs()
                    .file(".manifest", manifest)
                    .entry("envoy/authz/big/data.json", "{\"k\":\"", 120, (byte) 'x', "\"}")
                    .build()),
            "limit",
            "entry envoy/authz/big/data.json: 125829128 bytes"));
    out.add(
        new Hostile(
            "deep-data",
            ByteBuffer.wrap(
                new HostileTarballs()
                    .file(".manifest", manifest)
                    .file("envoy/authz/deep/data.json", "[".repeat(100_000) + "]".repeat(100_000))
                    .build()),
            "limit",
            "data nested more than 1000 levels deep"));
    // 12 MiB of {"a":1}: within the size limits, but 25 times that once parsed
    StringBuilder wide = new StringBuilder("[");
    while (wide.length() < 12 << 20) {
      wide.append("{\"a\":1},");
    }
    out.add(
        new Hostile(
            "wide-data",
            ByteBuffer.wrap(
                new HostileTarballs()
                    .file(".manifest", manifest)
                    .file("envoy/authz/wide/data.json", wide.append("{}]").toString())
                    .build()),
            "limit",
            "BundleLimits.maxLoadBytes"));
    // a module nested 100,000 deep overflowed the Rego parser's stack (an Error); now refused
    out.add(
        new Hostile(
            "deep-module",
            ByteBuffer.wrap(
                new HostileTarballs()
                    .file(".manifest", manifest)
                    .file(
                        "envoy/authz/deep.rego",
                        "package envoy.authz\n\nx := " + "[".repeat(100_000) + "]".repeat(100_000))
                    .build()),
            "compile",
            "max parsing recursion depth exceeded"));
    return out;
  }

  private static String failures(String reason, String source) {
    return "jrego_bundle_failures_total{reason=\"" + reason + "\",source=\"" + source + "\"}";
  }

  private ServeProcess start(String source) throws IOException {
    return ServeProcess.start(
        dir,
        List.of("-Xms256m", "-Xmx512m", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError"),
        ServeProcess.servePolling(
            List.of("--bundle", source, "--bundle-timeout", "2s", "--warm-up", "0s")));
  }

  private static CheckResponse check(ManagedChannel ch) {
    return AuthorizationGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(CheckRequest.getDefaultInstance());
  }
}
