package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.InputMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * jrego's per-check work outside the policy: the CheckRequest turned into the OPA-Envoy input
 * ({@code InputMapper}) and the request parsed from its wire bytes as gRPC does, for the load
 * harness's request mixes. Puts a number on the "input mapping" and "protobuf" parts of the JFR
 * profile that {@code run.py} writes. {@code java -jar load-tests/target/benchmarks.jar
 * MappingBenchmark -p root=$PWD}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MappingBenchmark {

  /** The input document the request is built from. */
  @Param({"rbac.json", "ai-chat-2kb.json", "data-lookup.json"})
  public String input;

  /** The repository root. */
  @Param({"."})
  public String root;

  private CheckRequest request;
  private byte[] wire;
  private final InputMapper mapper = new InputMapper(InputMapper.Options.defaults());

  @Setup
  public void setUp() throws IOException {
    request = CheckRequests.fromInputFile(Path.of(root, "load-tests", "inputs", input));
    wire = request.toByteArray();
  }

  @Benchmark
  public ObjectValue mapInput() throws CheckException {
    return mapper.map(request);
  }

  @Benchmark
  public CheckRequest parseWire() throws IOException {
    return CheckRequest.parseFrom(wire);
  }
}
