package io.jrego.loadtests;

import io.jrego.engine.value.Json;
import io.jrego.server.body.BodyException;
import io.jrego.server.body.Redactions;
import io.jrego.server.body.SseFilter;
import io.jrego.server.body.StreamSpec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

/**
 * One SSE answer through the ext_proc stream filter in-process, without sockets: {@link
 * ChatUpstream}'s stream of 2,000 chat chunks (461 KB) under the shipped bundle's stream rules for
 * the API gateway (block keys, redact e-mail, card, IBAN, phone and keys, restore placeholders,
 * 64-character hold-back), fed in network pieces of {@code piece} bytes: {@code event} is one event
 * per piece (a model streaming at reading speed: every event judged on its own), a number is the
 * pieces Envoy hands over when it reads behind a fast upstream (the events of a piece judged
 * together). Time per whole stream; MB/s = 0.461 / (ms per stream).
 *
 * <p>{@code java -jar load-tests/target/benchmarks.jar SseFilterBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SseFilterBenchmark {

  /** Network piece size in bytes, or {@code event} for one event per piece. */
  @Param({"event", "2048", "16384"})
  public String piece;

  private static final String SPEC =
      "{\"pii\":[{\"action\":\"block\",\"types\":[\"secret\"]},"
          + "{\"action\":\"redact\",\"types\":[\"email\",\"card\",\"iban\",\"phone\",\"secret\"]}],"
          + "\"restore\":true}";

  private StreamSpec spec;
  private List<byte[]> pieces;

  @Setup
  public void setUp() throws Exception {
    spec = StreamSpec.parse(Json.parse(SPEC), "stream");
    List<byte[]> events = ChatUpstream.stream(2_000);
    if (piece.equals("event")) {
      pieces = events;
    } else {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      events.forEach(all::writeBytes);
      byte[] bytes = all.toByteArray();
      int size = Integer.parseInt(piece);
      pieces = new ArrayList<>();
      for (int pos = 0; pos < bytes.length; pos += size) {
        pieces.add(Arrays.copyOfRange(bytes, pos, Math.min(bytes.length, pos + size)));
      }
    }
    long out = stream();
    if (out < 400_000) {
      throw new IllegalStateException("the filter let out only " + out + " bytes");
    }
  }

  /** The whole stream; returns the bytes let out. */
  @Benchmark
  public long stream() throws BodyException {
    SseFilter f = new SseFilter(spec, List.of(), new Redactions(), 1 << 20, 16_384);
    long n = 0;
    for (byte[] p : pieces) {
      SseFilter.Out o = f.push(p);
      if (o.isBlocked()) {
        throw new IllegalStateException("blocked: " + o.blocked());
      }
      n += o.bytes().size();
    }
    return n + f.finish().bytes().size();
  }
}
