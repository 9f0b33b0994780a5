package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.stub.StreamObserver;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import io.jrego.server.JregoServer;
import io.jrego.server.admin.ServerMetrics;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.DecisionMapper;
import io.jrego.server.envoy.InputMapper;
import io.jrego.server.grpc.AuthorizationService;
import io.jrego.server.policy.ActivePolicy;
import io.jrego.server.policy.PolicyHolder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One Check in-process, without sockets: what jrego's server spends per check besides the gRPC and
 * HTTP/2 transport. {@link #check} runs the whole path the server runs for a call: the request's
 * wire bytes parsed by gRPC's own marshaller, {@code AuthorizationService.check} (input mapping,
 * evaluation, decision mapping, metrics) and the response serialised by the marshaller. The other
 * benchmarks are its parts alone on the same request (the input mapping and the request parse alone
 * are {@link MappingBenchmark}'s), so the whole minus the sum of the parts is the glue.
 *
 * <p>The request is the one {@code LoadGen} sends for the mix's input document. {@code java -jar
 * load-tests/target/benchmarks.jar CheckBenchmark -prof gc -p root=$PWD} (add {@code -p
 * mix=ai-gateway} for one mix; data-lookup needs {@code load-tests/gen-data.py} run first).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CheckBenchmark {

  /** The mix: {@code rbac}, {@code ai-gateway} (2 KB chat body) or {@code data-lookup}. */
  @Param({"ai-gateway", "rbac", "data-lookup"})
  public String mix;

  /** The repository root; the bundles and inputs are read relative to it. */
  @Param({"."})
  public String root;

  private static final MethodDescriptor<CheckRequest, CheckResponse> METHOD =
      AuthorizationGrpc.getCheckMethod();

  private final InputMapper inputMapper = new InputMapper(InputMapper.Options.defaults());
  private final DecisionMapper decisionMapper = new DecisionMapper(false);
  private AuthorizationService service;
  private ActivePolicy policy;
  private byte[] wire;
  private CheckRequest request;
  private ObjectValue input;
  private Value decision;
  private CheckResponse response;

  @Setup
  public void setUp() throws Exception {
    EvalBenchmark.Mix m = EvalBenchmark.Mix.named(mix);
    Path base = Path.of(root);
    policy = JregoServer.load(base.resolve(m.policyDir()));
    PolicyHolder holder = new PolicyHolder();
    holder.activate(policy);
    service =
        new AuthorizationService(
            holder, new ServerMetrics(), AuthorizationService.Config.defaults());
    request = CheckRequests.fromInputFile(base.resolve(m.input()));
    wire = request.toByteArray();
    input = inputMapper.map(request);
    decision =
        policy
            .policy()
            .evaluate(m.decisionPath(), input)
            .orElseThrow(() -> new IllegalStateException(mix + ": undefined decision"));
    response = decisionMapper.map(decision, "00000000-0000-4000-8000-000000000000");
    Capture c = new Capture();
    service.check(request, c);
    if (c.response == null || c.response.getStatus().getCode() != 0) {
      throw new IllegalStateException(
          mix
              + ": the benchmark request is not allowed (data-lookup needs"
              + " `python3 load-tests/gen-data.py` first): "
              + c);
    }
  }

  /** The whole Check as the server runs it, minus the transport. */
  @Benchmark
  public void check(Blackhole bh) throws IOException {
    CheckRequest r = METHOD.parseRequest(new WireStream(wire));
    Capture c = new Capture();
    service.check(r, c);
    bh.consume(drain(METHOD.streamResponse(c.response), bh));
  }

  /** Evaluation alone, of the input as the server maps it. */
  @Benchmark
  public Object evaluate() throws RegoException {
    return policy.policy().evaluate("envoy/authz/allow", input);
  }

  /** The decision turned into a CheckResponse (with a fixed decision id). */
  @Benchmark
  public CheckResponse mapDecision() throws CheckException {
    return decisionMapper.map(decision, "00000000-0000-4000-8000-000000000000");
  }

  /** The response written by gRPC's marshaller, as the transport writes it. */
  @Benchmark
  public long writeResponse(Blackhole bh) throws IOException {
    return drain(METHOD.streamResponse(response), bh);
  }

  /** Reads what gRPC would write to the wire and discards it; the byte count. */
  private static long drain(InputStream in, Blackhole bh) throws IOException {
    Sink sink = new Sink(bh);
    if (in instanceof Drainable d) {
      return d.drainTo(sink);
    }
    return in.transferTo(sink);
  }

  /** The request bytes as Netty hands them to the marshaller: a stream that knows its length. */
  private static final class WireStream extends ByteArrayInputStream implements KnownLength {
    WireStream(byte[] bytes) {
      super(bytes);
    }
  }

  /** An output stream that hands every byte to the blackhole. */
  private static final class Sink extends OutputStream {
    private final Blackhole bh;

    Sink(Blackhole bh) {
      this.bh = bh;
    }

    @Override
    public void write(int b) {
      bh.consume(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bh.consume(b);
    }
  }

  /** Keeps the one response a unary call answers. */
  private static final class Capture implements StreamObserver<CheckResponse> {
    CheckResponse response;
    Throwable error;

    @Override
    public void onNext(CheckResponse r) {
      response = r;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}

    @Override
    public String toString() {
      return response != null ? response.toString() : String.valueOf(error);
    }
  }
}
