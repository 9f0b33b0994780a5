package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.jrego.server.envoy.TestRequests;
import io.jrego.server.grpc.RecordingObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, finding 5b, through the launcher users run ({@code bin/jrego}, on the packaged jar): a
 * JVM that runs out of heap exits with status 3 ({@code -XX:+ExitOnOutOfMemoryError}) for its
 * supervisor to restart, instead of running on with whichever thread the error killed. Runs after
 * {@code package}, under Failsafe.
 */
class LauncherOutOfMemoryIT {

  private static final Pattern SERVING = Pattern.compile("on 127\\.0\\.0\\.1:(\\d+) ");

  @TempDir Path dir;

  @Test
  void issue14_theLauncherExitsWhenTheHeapRunsOut() throws Exception {
    Path bundle = dir.resolve("bundle");
    Files.createDirectories(bundle);
    // with the evaluation's allocation limit lifted, one check asks for 40 million numbers
    Files.writeString(
        bundle.resolve("policy.rego"),
        "package envoy.authz\n\nallow if count(numbers.range(1, 40000000)) > 0\n");
    try (LauncherProcess jrego =
        LauncherProcess.start(
            dir,
            "-Xms128m -Xmx128m", // later flags win
            "serve",
            "--bundle",
            bundle.toString(),
            "--eval-max-allocation",
            "100000000000",
            "--eval-timeout", // the first check must reach the policy, cold as it is
            "60s",
            "--warm-up",
            "0s",
            "--addr",
            "127.0.0.1:0",
            "--admin-addr",
            "off")) {
      Process p = jrego.process;
      int port = jrego.awaitPort(SERVING, Duration.ofSeconds(90));
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        AuthorizationGrpc.newStub(ch).check(request(), new RecordingObserver<>());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(p.exitValue()).isEqualTo(3);
      // the JVM's own flag ended it (HotSpot says so on stdout), not only jrego's guard
      assertThat(jrego.out() + jrego.err())
          .contains("Terminating due to java.lang.OutOfMemoryError");
    }
  }

  private static CheckRequest request() {
    return TestRequests.get("/").build();
  }
}
