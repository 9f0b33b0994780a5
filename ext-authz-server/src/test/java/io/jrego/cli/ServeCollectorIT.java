package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: {@code JREGO_GC} picks {@code serve}'s collector in the launcher. {@code g1} starts on
 * G1 from an AOT cache of its own (a cache records the collector it was made with); a value the
 * launcher does not know stops it before a JVM starts, naming the variable and the values it knows.
 */
class ServeCollectorIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Pattern ADMIN = Pattern.compile("\\(admin :(\\d+)\\)");

  @TempDir Path dir;

  @Test
  void g1StartsOnG1FromItsOwnCache() throws Exception {
    assertThat(Runtime.version().feature())
        .as("the AOT cache needs JDK 25 (JEP 483/514/515); tests run on the JDK mvnw picks")
        .isGreaterThanOrEqualTo(25);
    try (LauncherProcess jrego =
        LauncherProcess.start(
            dir,
            Map.of("JREGO_GC", "g1"),
            "-Xlog:aot=info -XX:+PrintFlagsFinal",
            "serve",
            "--warm-up",
            "0s",
            "--addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0")) {
      jrego.awaitPort(ADMIN, Duration.ofMinutes(2));
      assertThat(jrego.out())
          .containsPattern("bool UseG1GC\\s+= true")
          .containsPattern("bool UseSerialGC\\s+= false")
          .contains("Opened AOT cache " + MODULE.resolve("target/jrego-serve-g1.aot"))
          .doesNotContain("An error has occurred while processing the AOT cache");
    }
  }

  @Test
  void aCollectorTheLauncherDoesNotKnowStopsIt() throws Exception {
    assertThat(LauncherProcess.refusal(dir, Map.of("JREGO_GC", "zgc")))
        .contains("JREGO_GC=zgc is not a collector the launcher knows (serial, g1)");
  }
}
