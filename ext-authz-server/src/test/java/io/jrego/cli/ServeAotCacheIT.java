package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Issue 12: {@code bin/jrego serve} on the packaged jar makes the AOT cache when it is missing (a
 * training run) and starts with it, as the JVM itself reports ({@code -Xlog:aot}). Runs after
 * {@code package}, under Failsafe; on a JDK older than 25 the launcher runs without a cache and
 * this test says so.
 */
class ServeAotCacheIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Pattern ADMIN = Pattern.compile("\\(admin :(\\d+)\\)");

  @TempDir Path dir;

  @Test
  void serve_startsFromTheAotCacheMadeForThisJar() throws Exception {
    assertThat(Runtime.version().feature())
        .as("the AOT cache needs JDK 25 (JEP 483/514/515); this build runs on its toolchain")
        .isGreaterThanOrEqualTo(25);
    Path cache = MODULE.resolve("target/jrego-serve.aot");
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                MODULE.resolve("bin/jrego").toString(),
                "serve",
                "--warm-up",
                "0s",
                "--addr",
                "127.0.0.1:0",
                "--admin-addr",
                "127.0.0.1:0"));
    pb.environment().keySet().removeIf(k -> k.startsWith("JREGO_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JREGO_JAVA_OPTS", "-Xlog:aot=info"); // the JVM reports the cache
    pb.redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile());
    Process p = pb.start();
    try {
      int admin = awaitAdminPort(p);
      HttpResponse<String> ready =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(Files.readString(dir.resolve("out.txt")))
          .contains("Opened AOT cache " + cache)
          // what HotSpot 25 prints when it cannot use the cache (a jar changed since, other flags)
          .doesNotContain("An error has occurred while processing the AOT cache")
          .doesNotContain("shared class paths mismatch");
      assertThat(cache).isRegularFile();
      assertThat(Files.getLastModifiedTime(cache))
          .isGreaterThanOrEqualTo(Files.getLastModifiedTime(MODULE.resolve("target/jrego.jar")));
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private int awaitAdminPort(Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      Matcher m = ADMIN.matcher(Files.readString(dir.resolve("out.txt")));
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
}
