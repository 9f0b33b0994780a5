package io.jrego.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jrego.server.envoy.TestRequests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, where it bit, in a real {@code jrego serve} process: SIGTERM did not end a server whose
 * bundle poller was stuck in a dripping download and whose checks were stuck evaluating; and a JVM
 * that ran out of memory ran on half dead. Now SIGTERM ends the process within the grace period and
 * a few seconds, and an OutOfMemoryError ends it with status 3 even without the launcher's {@code
 * -XX:+ExitOnOutOfMemoryError} (see {@code LauncherOutOfMemoryIT} for the launcher).
 */
class ProcessExitEndToEndIT {

  @TempDir Path dir;

  @Test
  void issue14_sigtermEndsTheProcessWhileAPollAndACheckAreStuck() throws Exception {
    // a billion iterations: interruptible, and far longer than the grace period
    String loop =
        """
        package envoy.authz

        xs := numbers.range(1, 1000)
        default allow := false
        allow if { some a in xs; some b in xs; some c in xs; a + b + c < 0 }
        """;
    try (BundleHttpServer bundles = new BundleHttpServer()) {
      bundles.serve(BundleHttpServer.bundle("loop", loop), "loop");
      ServeProcess jrego =
          start(
              false,
              "--bundle",
              bundles.url().toString(),
              "--bundle-min-delay",
              "100ms",
              "--bundle-max-delay",
              "100ms",
              "--bundle-timeout",
              "120s",
              "--shutdown-grace",
              "1s",
              "--eval-max-allocation",
              "100000000000",
              // the checks must still be running at SIGTERM, not ended by their own deadline
              "--eval-timeout",
              "60s");
      Process p = jrego.process();
      try {
        int grpc = jrego.awaitServing(Duration.ofSeconds(60)).grpcPort();
        // the next poll gets headers, then a byte a second: the poller is stuck in the download
        bundles.serveDripping(BundleHttpServer.revision("r2"), "drip", Duration.ofSeconds(1));
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
        try {
          for (int i = 0; i < 2; i++) {
            sendAndForget(ch);
          }
          // both checks open (evaluating), and the poller in the dripping download
          jrego.awaitAdmin(
              "/metrics",
              r -> ServeProcess.sample(r.body(), "jrego_requests_open") == 2,
              Duration.ofSeconds(60));
          long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (bundles.fetches() < 2 && System.nanoTime() < until) {
            Thread.sleep(20);
          }
          assertThat(bundles.fetches()).as("the drip's download began").isEqualTo(2);
          p.destroy(); // SIGTERM
          // grace 1 s, then the checks are cancelled and the download dropped (before, the
          // process waited for the dripping download for good). The watchdog would halt it with
          // the same status after 11 s without printing "stopped"; the checks' own deadline is
          // 60 s, so an orderly stop within 30 s cancelled them (CheckServerShutdownTest shows
          // how). The server's own log is not read: the JDK closes its handlers at shutdown
          assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
          assertThat(p.exitValue()).isEqualTo(143);
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(dir.resolve("err.txt")))
            .contains("jrego: stopping: checks in flight get 1000 ms, then are cancelled")
            .contains("jrego: stopped")
            .doesNotContain("shutdown did not finish within") // the watchdog's halt
            .doesNotContain("bundle refused"); // the interrupted download is not a bad bundle
      } finally {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void issue14_outOfMemoryEndsTheProcessEvenWithoutTheJvmFlag() throws Exception {
    Path bundle = dir.resolve("bundle");
    Files.createDirectories(bundle);
    // with the evaluation's allocation limit lifted, one check asks for 40 million numbers
    Files.writeString(
        bundle.resolve("policy.rego"),
        "package envoy.authz\n\nallow if count(numbers.range(1, 40000000)) > 0\n");
    ServeProcess jrego =
        start(
            false,
            "--bundle",
            bundle.toString(),
            "--eval-max-allocation",
            "100000000000",
            "--shutdown-grace",
            "1s",
            // a fresh JVM's first check must reach the policy, not end at its own deadline
            "--eval-timeout",
            "60s");
    Process p = jrego.process();
    try {
      int grpc = jrego.awaitServing(Duration.ofSeconds(60)).grpcPort();
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
      try {
        sendAndForget(ch);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited after running out").isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(Files.readString(dir.resolve("err.txt")))
          .contains("fatal java.lang.OutOfMemoryError")
          .contains("exiting with status 3");
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void sendAndForget(ManagedChannel ch) {
    CheckRequest request = TestRequests.get("/").build();
    AuthorizationGrpc.newStub(ch)
        .check(
            request,
            new StreamObserver<CheckResponse>() {
              @Override
              public void onNext(CheckResponse r) {}

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
  }

  /** {@code jrego serve} in its own JVM with a 128 MiB heap, with or without the JVM's OOM flag. */
  private ServeProcess start(boolean exitOnOom, String... args) throws IOException {
    List<String> jvm = new ArrayList<>(List.of("-Xms128m", "-Xmx128m", "-XX:+UseParallelGC"));
    if (exitOnOom) {
      jvm.add("-XX:+ExitOnOutOfMemoryError");
    }
    List<String> serve = new ArrayList<>(List.of("serve"));
    serve.addAll(List.of(args));
    serve.addAll(
        List.of("--warm-up", "0s", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"));
    return ServeProcess.start(dir, jvm, serve);
  }
}
