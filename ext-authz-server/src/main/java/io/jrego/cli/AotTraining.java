package io.jrego.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run behind the command line's ahead-of-time cache ({@code target/jrego-cli.aot}):
 * {@code bin/jrego --make-cli-aot-cache} runs this class under {@code -XX:AOTCacheOutput}, and the
 * classes, linked call sites and lambdas the short commands touch here are then loaded from the
 * cache by every later {@code jrego eval}, {@code test}, {@code check} and {@code fmt}. It runs
 * each command in-process on the shipped bundle, its output discarded.
 *
 * <p>Not for users: its one argument is the repository root, where {@code rego-policies/} is.
 */
final class AotTraining {

  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: AotTraining REPOSITORY_ROOT");
    }
    Path policies = Path.of(args[0]).resolve("rego-policies");
    Path bundle = policies.resolve("ai-gateway");
    // ai-guards, beside ai-gateway as serve loads them by default: its eval reaches the
    // injection scan's classes
    Path guards = policies.resolve("ai-guards");
    Path input = policies.resolve("examples/gateway-chat-internal-model.input.json");
    Path scratch = Files.createTempDirectory("jrego-aot");
    Path small = scratch.resolve("small.rego");
    Files.writeString(small, "package small\n\nallow if input.user == \"alice\"\n");
    List<List<String>> runs =
        List.of(
            List.of(
                "eval",
                "-d",
                bundle.toString(),
                "-d",
                guards.toString(),
                "-i",
                input.toString(),
                "data.envoy.authz"),
            List.of("eval", "-d", small.toString(), "data.small.allow", "-f", "pretty"),
            List.of("test", bundle.toString()),
            List.of("test", "-v", bundle.toString()),
            List.of("check", bundle.toString()),
            List.of("check", "--strict", "--format", "json", bundle.toString()),
            List.of("fmt", "-l", bundle.toString()),
            List.of("fmt", small.toString()));
    PrintStream out = System.out;
    PrintStream err = System.err;
    PrintStream discard =
        new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
    int failed = 0;
    try {
      System.setOut(discard);
      System.setErr(discard);
      for (List<String> run : runs) {
        int code = JregoCommand.run(run.toArray(String[]::new), Map.of());
        if (code > 1) {
          failed++;
          err.println("jrego " + String.join(" ", run) + ": exit " + code);
        }
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
      try (var files = Files.list(scratch)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(scratch);
    }
    if (failed > 0) {
      throw new IllegalStateException(failed + " training runs failed");
    }
  }
}
