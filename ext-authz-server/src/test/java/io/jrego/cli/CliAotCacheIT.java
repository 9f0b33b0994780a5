package io.jrego.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher users run ({@code bin/jrego}) starts the short commands from the ahead-of-time cache
 * the build made ({@code target/jrego-cli.aot}): the JVM's own class-loading log shows the
 * commands' classes coming from the cache ("shared objects file"), not from the jars. On a JDK
 * older than 25 the build makes no cache, and the test checks that there is none. Runs after {@code
 * package}, under Failsafe.
 */
class CliAotCacheIT {

  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Path CACHE = MODULE.resolve("target/jrego-cli.aot");

  @TempDir Path dir;

  @Test
  void shortCommandsLoadTheirClassesFromTheCache() throws Exception {
    if (Runtime.version().feature() < 25) {
      assertThat(CACHE).as("no cache on JDK " + Runtime.version()).doesNotExist();
      return;
    }
    assertThat(CACHE).exists();
    Path policy = dir.resolve("small.rego");
    Files.writeString(policy, "package small\n\nallow if input.user == \"alice\"\n");
    Path input = dir.resolve("input.json");
    Files.writeString(input, "{\"user\": \"alice\"}");

    String eval =
        launch(
            "-Xlog:class+load=info",
            "eval",
            "-d",
            policy.toString(),
            "-i",
            input.toString(),
            "data.small.allow",
            "-f",
            "raw");
    assertThat(eval).contains("\ntrue\n");
    assertThat(eval)
        .contains("io.jrego.cli.EvalCommand source: shared objects file")
        .contains("io.jrego.engine.parser.Parser source: shared objects file")
        .contains("io.jrego.engine.eval.Evaluator source: shared objects file")
        .doesNotContain("io.jrego.engine.parser.Parser source: file:");

    String check = launch("-Xlog:class+load=info", "check", policy.toString());
    assertThat(check).contains("io.jrego.cli.CheckCommand source: shared objects file");
  }

  /** {@code bin/jrego ARGS} with JVM flags, its stdout and stderr together; it must exit 0. */
  private String launch(String jvmFlags, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(MODULE.resolve("bin/jrego").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("JREGO_"));
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("JREGO_JAVA_OPTS", jvmFlags);
    Path out = dir.resolve("out.txt");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bin/jrego " + String.join(" ", args) + " did not finish in 60 s");
    }
    String text = "\n" + Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }
}
