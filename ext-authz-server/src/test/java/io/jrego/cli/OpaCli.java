package io.jrego.cli;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code opa} CLI (found by {@code RealOpa.binary()}) for the tests that compare a
 * jrego command with it: no input, what it prints captured, at most two minutes.
 */
final class OpaCli {

  private static final int LIMIT_SECONDS = 120;

  private OpaCli() {}

  /** {@code opa command args...}: its exit code and what it wrote to stdout and stderr. */
  static CommandRun run(Path opa, String command, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(opa.toString(), command));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("opa", ".out");
    Path err = Files.createTempFile("opa", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(
            "opa "
                + String.join(" ", cmd.subList(1, cmd.size()))
                + " did not finish in "
                + LIMIT_SECONDS
                + " s");
      }
      return new CommandRun(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
