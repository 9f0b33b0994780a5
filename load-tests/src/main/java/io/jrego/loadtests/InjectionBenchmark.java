package io.jrego.loadtests;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.builtins.StandardBuiltins;
import io.jrego.engine.builtins.spi.Builtin;
import io.jrego.engine.builtins.spi.BuiltinContext;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
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
 * Views plus prompt-injection scan ({@code jrego.injection.scan}) of the user messages of a chat
 * body, beside the shipped ai-gateway bundle's phrase-list evaluation of the same body (its regex
 * markers over every user message, plus its identity and model rules) as the baseline. The 2 KB
 * body is {@code inputs/ai-chat-2kb.json}; the 100 KB body repeats its user messages to 100 KB of
 * text.
 *
 * <p>Run: {@code java -jar load-tests/target/benchmarks.jar InjectionBenchmark -p root=$PWD}, on an
 * otherwise idle machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InjectionBenchmark {

  /** The body: {@code 2kb} or {@code 100kb}. */
  @Param({"2kb", "100kb"})
  public String body;

  /** The repository root. */
  @Param({"."})
  public String root;

  private Builtin scan;
  private String[] texts;
  private PreparedPolicy gateway;
  private Value input;

  @Setup
  public void setUp() throws IOException, RegoException, BuiltinException {
    Path base = Paths.get(root);
    ObjectValue doc =
        (ObjectValue)
            Json.parse(Files.readAllBytes(base.resolve("load-tests/inputs/ai-chat-2kb.json")));
    ObjectValue parsed = (ObjectValue) doc.get("parsed_body").orElseThrow();
    ArrayValue messages = (ArrayValue) parsed.get("messages").orElseThrow();
    StringBuilder all = new StringBuilder();
    for (Value m : messages) {
      all.append(((StringValue) ((ObjectValue) m).get("content").orElseThrow()).value())
          .append('\n');
    }
    String text = all.toString();
    if (body.equals("100kb")) {
      StringBuilder big = new StringBuilder();
      while (big.length() < 100_000) {
        big.append(text);
      }
      text = big.toString();
      ArrayValue.Builder msgs = new ArrayValue.Builder();
      msgs.add(
          new ObjectValue.Builder()
              .put("role", StringValue.of("user"))
              .put("content", StringValue.of(text))
              .build());
      input =
          doc.with(
              StringValue.of("parsed_body"), parsed.with(StringValue.of("messages"), msgs.build()));
    } else {
      input = doc;
    }
    texts = new String[] {text};
    scan = StandardBuiltins.registry().lookup("jrego.injection.scan").orElseThrow();
    gateway = EvalBenchmark.compile(base.resolve("rego-policies/ai-gateway"));
    if (gateway.evaluate("envoy/authz/allow", input).isEmpty()) {
      throw new IllegalStateException("the ai-gateway decision is undefined for the input");
    }
    scan();
  }

  /** jrego's views and injection scan over the body's message text. */
  @Benchmark
  public Value scan() throws BuiltinException {
    return scan.function()
        .orElseThrow()
        .call(new Value[] {StringValue.of(texts[0]), ObjectValue.EMPTY}, BuiltinContext.standard());
  }

  /** Baseline: the shipped ai-gateway bundle (phrase-list regexes) on the same body. */
  @Benchmark
  public Optional<Value> phraseListPolicy() throws RegoException {
    return gateway.evaluate("envoy/authz/allow", input);
  }
}
