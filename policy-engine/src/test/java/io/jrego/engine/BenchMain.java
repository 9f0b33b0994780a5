package io.jrego.engine;

import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Debug helper: evaluations per second of the ai-gateway decision over the example inputs. */
final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    PreparedPolicy p =
        Rego.builder()
            .module("policy.rego", Files.readString(dir.resolve("ai-gateway/policy.rego")))
            .data(Json.parse(Files.readString(dir.resolve("ai-gateway/data.json"))))
            .compile();
    List<Value> inputs = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir.resolve("examples"))) {
      for (Path f : s.filter(x -> x.toString().endsWith(".input.json")).sorted().toList()) {
        inputs.add(Json.parse(Files.readString(f)));
      }
    }
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      int n = 0;
      while (System.nanoTime() - t0 < 2_000_000_000L) {
        for (Value in : inputs) {
          p.evaluate("envoy/authz/allow", in);
          n++;
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("round %d: %.0f evals/s, %.1f us/eval%n", round, n / secs, secs * 1e6 / n);
    }
  }
}
