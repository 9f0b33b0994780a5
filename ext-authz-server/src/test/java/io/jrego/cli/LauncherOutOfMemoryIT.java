package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
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

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
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
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                MODULE.resolve("bin/jrego").toString(),
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
                "off"));
    pb.environment().keySet().removeIf(k -> k.startsWith("JREGO_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JREGO_JAVA_OPTS", "-Xms128m -Xmx128m"); // later flags win
    pb.redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile());
    Process p = pb.start();
    try {
      int port = awaitPort(p);
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        AuthorizationGrpc.newStub(ch).check(request(), ignore());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(p.exitValue()).isEqualTo(3);
      // the JVM's own flag ended it (HotSpot says so on stdout), not only jrego's guard
      assertThat(
              Files.readString(dir.resolve("out.txt")) + Files.readString(dir.resolve("err.txt")))
          .contains("Terminating due to java.lang.OutOfMemoryError");
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private int awaitPort(Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      Matcher m = SERVING.matcher(Files.readString(dir.resolve("out.txt")));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "bin/jrego serve did not start:\n"
            + Files.readString(dir.resolve("out.txt"))
            + Files.readString(dir.resolve("err.txt")));
  }

  private static CheckRequest request() {
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setRequest(
                    AttributeContext.Request.newBuilder()
                        .setHttp(
                            AttributeContext.HttpRequest.newBuilder()
                                .setMethod("GET")
                                .setPath("/"))))
        .build();
  }

  private static StreamObserver<CheckResponse> ignore() {
    return new StreamObserver<>() {
      @Override
      public void onNext(CheckResponse r) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
