package io.jrego.server.e2e;

import static io.jrego.server.e2e.BundleHttpServer.revisionHeader;
import static io.jrego.server.e2e.ServeProcess.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.engine.bundle.BundleException;
import io.jrego.engine.bundle.BundleSignatures;
import io.jrego.engine.bundle.SigningConfig;
import io.jrego.engine.testing.TestPem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jrego serve --bundle http://...} as a whole: the real entry point in its own JVM, polling
 * a loopback bundle service, verifying signatures, and reporting on its admin port ({@code /ready},
 * {@code /metrics}) what it activated and what it refused.
 */
class ServeHttpBundleEndToEndIT {

  private static final Duration WAIT = Duration.ofSeconds(40);
  @TempDir Path dir;

  private static SortedMap<String, byte[]> signed(SortedMap<String, byte[]> files, String key)
      throws BundleException {
    return BundleSignatures.sign(
        files, new SigningConfig("RS256", key, "default", Optional.empty()));
  }

  private static CheckResponse check(ManagedChannel ch) {
    return AuthorizationGrpc.newBlockingStub(ch)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(CheckRequest.getDefaultInstance());
  }

  @Test
  void serve_refusesUnsignedBundlesThenServesSignedOnesAndReportsRefusals() throws Exception {
    KeyPair keys = TestPem.rsa();
    String privateKey = TestPem.privateKey(keys);
    Path publicKey = dir.resolve("bundle-signer.pub.pem");
    Files.writeString(publicKey, TestPem.publicKey(keys));

    try (BundleHttpServer bundles = new BundleHttpServer()) {
      bundles.serve(BundleHttpServer.revision("r0"), "unsigned");
      String source = bundles.url().toString();
      ServeProcess jrego =
          ServeProcess.start(
              dir,
              List.of("-Xmx256m"),
              ServeProcess.servePolling(
                  List.of(
                      "--bundle",
                      source,
                      "--verification-key",
                      publicKey.toString(),
                      "--bundle-max-files",
                      "8")));
      try {
        jrego.awaitServing(WAIT);
        int grpcPort = jrego.grpcPort();
        java.util.function.Function<String, String> failures =
            reason ->
                "jrego_bundle_failures_total{reason=\"" + reason + "\",source=\"" + source + "\"}";

        // 1. unsigned: refused at start, nothing active, the refusal named on /ready and counted
        jrego.awaitErr(
            WAIT, "jrego: bundle refused [signature]: ", "bundle missing .signatures.json file");
        ServeProcess.Reply ready = jrego.admin("/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body())
            .contains("\"status\":\"no policy active\"", "last_bundle_error", ".signatures.json");
        assertThat(sample(jrego.admin("/metrics").body(), failures.apply("signature")))
            .isEqualTo(1.0);
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
          try {
            CheckResponse r = check(ch);
            throw new AssertionError("a Check without an active policy answered " + r);
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getDescription()).contains("no policy is active");
          }

          // 2. signed r1: activated, ready with its revision, and it answers
          bundles.serve(signed(BundleHttpServer.revision("r1"), privateKey), "r1");
          // (the revision is live a moment before its source's last refusal is cleared)
          ready =
              jrego.awaitAdmin(
                  "/ready", r -> r.status() == 200 && !r.body().contains("last_bundle"), WAIT);
          assertThat(ready.body()).contains("\"revision\":\"r1\"");
          CheckResponse r1 = check(ch);
          assertThat(r1.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
          assertThat(revisionHeader(r1)).isEqualTo("r1");
          jrego.awaitOut(WAIT, "jrego: activated bundle revision r1 from " + source);

          // 3. signed but does not compile: refused, r1 stays ready and counted as the revision
          bundles.serve(
              signed(
                  BundleHttpServer.bundle(
                      "r2", "package envoy.authz\n\nallow := {\"allowed\": undefined_thing}\n"),
                  privateKey),
              "r2");
          ready = jrego.awaitAdmin("/ready", r -> r.body().contains("last_bundle_error"), WAIT);
          assertThat(ready.status()).isEqualTo(200);
          assertThat(ready.body())
              .contains("\"revision\":\"r1\"", "does not compile", "undefined_thing");
          String metrics = jrego.admin("/metrics").body();
          assertThat(sample(metrics, failures.apply("compile"))).isEqualTo(1.0);
          assertThat(sample(metrics, "jrego_bundle_info{revision=\"r1\"}")).isEqualTo(1.0);
          assertThat(metrics).doesNotContain("revision=\"r2\"");
          assertThat(revisionHeader(check(ch))).isEqualTo("r1");

          // 4. signed but over --bundle-max-files: refused naming the limit, r1 stays
          SortedMap<String, byte[]> many = new TreeMap<>(BundleHttpServer.revision("r3"));
          for (int i = 0; i < 8; i++) {
            many.put("envoy/authz/extra" + i + ".json", "{}".getBytes(StandardCharsets.UTF_8));
          }
          bundles.serve(signed(many, privateKey), "r3");
          ready = jrego.awaitAdmin("/ready", r -> r.body().contains("more than 8 files"), WAIT);
          assertThat(ready.status()).isEqualTo(200);
          assertThat(ready.body()).contains("\"revision\":\"r1\"");
          metrics = jrego.admin("/metrics").body();
          assertThat(sample(metrics, failures.apply("limit"))).isEqualTo(1.0);
          assertThat(sample(metrics, "jrego_bundle_info{revision=\"r1\"}")).isEqualTo(1.0);
          assertThat(revisionHeader(check(ch))).isEqualTo("r1");
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(dir.resolve("err.txt")))
            .contains("jrego: bundle refused [compile] (the active policy stays): ");
      } finally {
        jrego.close();
      }
    }
  }
}
