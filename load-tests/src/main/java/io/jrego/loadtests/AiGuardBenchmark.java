package io.jrego.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.builtins.spi.BuiltinRegistry;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The whole AI-guard scan of a chat body, as a gateway policy runs it on every request: for each
 * message, {@code jrego.injection.scan} (which builds the text views: folding, invisible
 * characters, decoding, hidden channels) and {@code jrego.pii.scan}, through the builtins, so value
 * conversion is counted. {@code guards} is the sum the issue budgets (2 KB body at most 50 µs of
 * CPU, 100 KB at most 2 ms); {@code injection} and {@code pii} are its two halves on the same
 * bodies.
 *
 * <p>Bodies (the same as {@link PiiBenchmark}'s): {@code chat-2kb}, the ai-gateway mix's 2 KB chat
 * ({@code inputs/ai-chat-2kb.json}); {@code chat-100kb}, its conversation repeated to 100 KB;
 * {@code pii-2kb} and {@code pii-100kb}, one message of the PII dev sentences in order (an
 * identifier, key or lookalike in nearly every sentence). One benchmark thread: time per operation
 * is CPU time.
 *
 * <pre>
 * ./mvnw -q -pl load-tests -am package -DskipTests
 * java -jar load-tests/target/benchmarks.jar AiGuardBenchmark -p root=$PWD -f 1 -wi 5 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AiGuardBenchmark {

  /** Which body. */
  @Param({"chat-2kb", "chat-100kb", "pii-2kb", "pii-100kb"})
  public String input;

  /** The repository root. */
  @Param({"."})
  public String root;

  private Value[] messages;
  private Builtin injection;
  private Builtin pii;
  private final BuiltinContext ctx = BuiltinContext.standard();

  @Setup
  public void setUp() throws IOException, BuiltinException {
    Path base = Path.of(root);
    ObjectMapper json = new ObjectMapper();
    String body =
        switch (input) {
          case "chat-2kb" ->
              json.readTree(base.resolve("load-tests/inputs/ai-chat-2kb.json").toFile())
                  .at("/attributes/request/http/body")
                  .asText();
          case "chat-100kb" -> PiiBenchmark.chatBody(base, json, 102_400);
          case "pii-2kb" -> PiiBenchmark.piiBody(base, json, 2048);
          case "pii-100kb" -> PiiBenchmark.piiBody(base, json, 102_400);
          default -> throw new IllegalArgumentException("unknown input " + input);
        };
    List<Value> contents = new ArrayList<>();
    for (JsonNode m : json.readTree(body).get("messages")) {
      contents.add(StringValue.of(m.get("content").asText()));
    }
    messages = contents.toArray(Value[]::new);
    BuiltinRegistry registry = StandardBuiltins.registry();
    injection = registry.lookup("jrego.injection.scan").orElseThrow();
    pii = registry.lookup("jrego.pii.scan").orElseThrow();
  }

  /** Views, injection scan and PII scan of every message. */
  @Benchmark
  public void guards(Blackhole bh) throws BuiltinException {
    injection(bh);
    pii(bh);
  }

  /** Views and injection scan of every message. */
  @Benchmark
  public void injection(Blackhole bh) throws BuiltinException {
    for (Value m : messages) {
      bh.consume(injection.function().orElseThrow().call(new Value[] {m, ObjectValue.EMPTY}, ctx));
    }
  }

  /** PII and secrets scan of every message. */
  @Benchmark
  public void pii(Blackhole bh) throws BuiltinException {
    for (Value m : messages) {
      bh.consume(pii.function().orElseThrow().call(new Value[] {m, ObjectValue.EMPTY}, ctx));
    }
  }
}
