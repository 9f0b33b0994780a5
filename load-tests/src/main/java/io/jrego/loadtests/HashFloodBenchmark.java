package io.jrego.loadtests;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.jrego.engine.value.ObjectValue;
import io.jrego.server.envoy.CheckException;
import io.jrego.server.envoy.InputMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Issue 14, finding 1: a request body whose keys all share one Java {@code String.hashCode} ({@code
 * "Aa"}/{@code "BB"} blocks) against one of the same size with ordinary keys, mapped into the input
 * document ({@code InputMapper}). Near-linear mapping shows as a colliding/plain ratio near 1 at
 * every size; quadratic mapping as a ratio that grows with the number of keys. The sizes: the
 * issue's 2,450 keys (62 KB, under Envoy's 64 KiB body limit), 9,999 (the most form parameters
 * jrego takes) and, as JSON, 40,000 (1.1 MB, straight to the gRPC port).
 *
 * <p>{@code java -jar load-tests/target/benchmarks.jar HashFloodBenchmark}. To compare two builds,
 * run the same class against each build's jar in one go (see {@code results/}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HashFloodBenchmark {

  /** {@code form-2450}, {@code form-9999} or {@code json-40000}: body type and key count. */
  @Param({"form-2450", "form-9999", "json-40000"})
  public String body;

  /** {@code colliding}: one String.hashCode for every key; {@code plain}: keys of the same size. */
  @Param({"colliding", "plain"})
  public String keys;

  private final InputMapper mapper = new InputMapper(InputMapper.Options.defaults());
  private CheckRequest request;

  @Setup
  public void setUp() {
    String[] kind = body.split("-", 2);
    List<String> names = "colliding".equals(keys) ? colliding(Integer.parseInt(kind[1])) : null;
    int n = Integer.parseInt(kind[1]);
    if (names == null) {
      names = new ArrayList<>(n);
      int width = colliding(n).get(0).length();
      for (int i = 0; i < n; i++) {
        names.add(String.format("k%0" + (width - 1) + "d", i));
      }
    }
    StringBuilder b = new StringBuilder();
    String contentType;
    if (kind[0].equals("form")) {
      contentType = "application/x-www-form-urlencoded";
      for (String k : names) {
        b.append(b.length() == 0 ? "" : "&").append(k).append("=1");
      }
    } else {
      contentType = "application/json";
      b.append('{');
      for (String k : names) {
        b.append(b.length() == 1 ? "" : ",").append('"').append(k).append("\":1");
      }
      b.append('}');
    }
    request =
        CheckRequest.newBuilder()
            .setAttributes(
                AttributeContext.newBuilder()
                    .setRequest(
                        AttributeContext.Request.newBuilder()
                            .setHttp(
                                AttributeContext.HttpRequest.newBuilder()
                                    .setMethod("POST")
                                    .setPath("/v1/upload")
                                    .putAllHeaders(Map.of("content-type", contentType))
                                    .setBody(b.toString()))))
            .build();
  }

  /** {@code n} distinct strings with one {@code String.hashCode}. */
  static List<String> colliding(int n) {
    int blocks = 32 - Integer.numberOfLeadingZeros(n - 1);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      for (int bit = 0; bit < blocks; bit++) {
        sb.append(((i >> bit) & 1) == 0 ? "Aa" : "BB");
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Benchmark
  public ObjectValue mapInput() throws CheckException {
    return mapper.map(request);
  }
}
