package io.jrego.loadtests;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Policy evaluation alone, for the three request mixes the load harness uses, so the figures sit
 * beside {@code opa bench} on the same policy and input.
 *
 * <p>Run through {@code python3 load-tests/bench_eval.py}, which builds the jar, runs this with the
 * GC profiler (allocations per evaluation) and {@code opa bench}, and writes the ratios to {@code
 * load-tests/results/}. By hand: {@code java -jar load-tests/target/benchmarks.jar EvalBenchmark
 * -prof gc -p root=$PWD} (after {@code python3 load-tests/gen-data.py}, which writes the
 * data-lookup mix's data).
 *
 * <p>The cost of the per-evaluation allocation limit (issue 14), side by side in one run: {@code
 * java -jar load-tests/target/benchmarks.jar EvalBenchmark -p root=$PWD -p budget=off,on}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EvalBenchmark {

  /** The mix: {@code rbac}, {@code ai-gateway} (2 KB chat body) or {@code data-lookup}. */
  @Param({"rbac", "ai-gateway", "data-lookup"})
  public String mix;

  /** The repository root; the policies and inputs are read relative to it. */
  @Param({"."})
  public String root;

  /**
   * {@code on}: the engine's default allocation limit, checked at every checkpoint; {@code off}: no
   * limit, so the allocation counter is never read.
   */
  @Param({"on"})
  public String budget;

  private PreparedPolicy policy;
  private Value input;

  @Setup
  public void setUp() throws IOException, RegoException {
    Mix m = Mix.named(mix);
    Path base = Paths.get(root);
    EngineOptions options =
        budget.equals("off")
            ? EngineOptions.defaults().withMaxAllocationBytes(Long.MAX_VALUE)
            : EngineOptions.defaults();
    policy = compile(base.resolve(m.policyDir()), options);
    input = Json.parse(Files.readAllBytes(base.resolve(m.input())));
    if (policy.evaluate(m.decisionPath(), input).isEmpty()) {
      throw new IllegalStateException(mix + ": the decision is undefined for the benchmark input");
    }
  }

  @Benchmark
  public Optional<Value> evaluate() throws RegoException {
    return policy.evaluate("envoy/authz/allow", input);
  }

  /** Compiles every {@code .rego} file and the {@code data.json} of a folder. */
  static PreparedPolicy compile(Path dir) throws IOException, RegoException {
    return compile(dir, EngineOptions.defaults());
  }

  static PreparedPolicy compile(Path dir, EngineOptions options) throws IOException, RegoException {
    Rego.Builder b = Rego.builder().options(options);
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".rego")).sorted().toList()) {
        b.module(dir.relativize(f).toString(), Files.readString(f));
      }
    }
    Path data = dir.resolve("data.json");
    if (Files.exists(data)) {
      b.data(Json.parse(Files.readAllBytes(data)));
    }
    return b.compile();
  }

  /** A request mix: which policy, which input, which decision. */
  record Mix(String name, String policyDir, String input, String decisionPath) {
    static Mix named(String name) {
      return switch (name) {
        case "rbac" ->
            new Mix(
                name,
                "load-tests/policies/rbac",
                "load-tests/inputs/rbac.json",
                "envoy/authz/allow");
        case "ai-gateway" ->
            new Mix(
                name,
                "rego-policies/ai-gateway",
                "load-tests/inputs/ai-chat-2kb.json",
                "envoy/authz/allow");
        case "data-lookup" ->
            new Mix(
                name,
                "load-tests/policies/data-lookup",
                "load-tests/inputs/data-lookup.json",
                "envoy/authz/allow");
        default -> throw new UncheckedIOException(new IOException("unknown mix " + name));
      };
    }
  }
}
