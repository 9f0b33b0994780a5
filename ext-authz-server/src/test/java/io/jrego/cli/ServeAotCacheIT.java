package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: {@code bin/jrego serve} on the packaged jar makes the AOT cache when it is missing (a
 * training run) and starts with it, as the JVM itself reports ({@code -Xlog:aot}), compiling the
 * methods it has profiles for at their first call ({@code AOTCompileEagerly}) and profiling the
 * ones it ran at the usual call counts ({@code Tier2ProfileDelayFactor}), with the admin server's
 * classes in it, and logs where its time to ready went. Runs after {@code package}, under Failsafe;
 * on a JDK older than 25 the launcher runs without a cache and this test says so.
 */
class ServeAotCacheIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Pattern ADMIN = Pattern.compile("\\(admin :(\\d+)\\)");

  @TempDir Path dir;

  @Test
  void serve_startsFromTheAotCacheMadeForThisJar() throws Exception {
    assertThat(Runtime.version().feature())
        .as("the AOT cache needs JDK 25 (JEP 483/514/515); tests run on the JDK mvnw picks")
        .isGreaterThanOrEqualTo(25);
    Path cache = MODULE.resolve("target/jrego-serve.aot");
    try (LauncherProcess jrego =
        LauncherProcess.start(
            dir,
            // the JVM reports the cache, where each class came from, and the flags it runs with
            "-Xlog:aot=info -Xlog:class+load=info -XX:+PrintFlagsFinal",
            "serve",
            "--warm-up",
            "0s",
            "--addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0")) {
      int admin = jrego.awaitPort(ADMIN, Duration.ofMinutes(2));
      HttpResponse<String> ready =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(jrego.out())
          .contains("Opened AOT cache " + cache)
          // what HotSpot 25 prints when it cannot use the cache (a jar changed since, other flags)
          .doesNotContain("An error has occurred while processing the AOT cache")
          .doesNotContain("shared class paths mismatch");
      // the training ran the admin server too: its classes are not read from the runtime image
      assertThat(jrego.out())
          .contains("com.sun.net.httpserver.HttpServer source: shared objects file")
          .contains("io.jrego.server.admin.AdminServer source: shared objects file");
      // serve says where its time to ready went
      assertThat(jrego.out())
          .containsPattern(
              "jrego: ready \\d+\\.\\d\\d s after the process started \\(launcher and JVM"
                  + " \\d+\\.\\d\\d s, command line \\d+\\.\\d\\d s, set-up \\d+\\.\\d\\d s,"
                  + " bundles \\d+\\.\\d\\d s, servers \\d+\\.\\d\\d s, warm-up 0\\.00 s\\)");
      // the cache's profiled methods are queued for the compiler at their first call (JDK 25)
      assertThat(jrego.out()).containsPattern("bool AOTCompileEagerly\\s+= true");
      // ...and the methods it ran but did not compile with C2 are profiled after the usual call
      // counts, not 250x them (the second JIT wave a minute into traffic)
      assertThat(jrego.out())
          .containsPattern("double Tier0ProfileDelayFactor\\s+= 1\\.0+ ")
          .containsPattern("double Tier2ProfileDelayFactor\\s+= 1\\.0+ ");
      assertThat(cache).isRegularFile();
      assertThat(Files.getLastModifiedTime(cache))
          .isGreaterThanOrEqualTo(Files.getLastModifiedTime(MODULE.resolve("target/jrego.jar")));
    }
  }
}
