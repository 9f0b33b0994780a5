package io.jrego.engine.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.AllocationMeter;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.Value;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 5: one evaluation could fill the heap, and the OutOfMemoryError then killed
 * whichever thread allocated next. Each policy below asks for far more memory than the heap has;
 * with {@link EngineOptions#maxAllocationBytes} each ends quickly with an {@code eval_limit_error}
 * naming the limit, and the JVM stays healthy for the next one.
 */
class Issue14EvalMemoryTest {

  private static final long LIMIT = 32L << 20;

  /**
   * What an evaluation stopped at {@link #LIMIT} may have allocated: the limit, plus what is
   * allocated between two checkpoints or reserved by the builtin that passes it.
   */
  private static final long MAX_ALLOCATED = 4 * LIMIT;

  /** Far above what allocating {@link #MAX_ALLOCATED} costs; a bomb left to run passes it. */
  private static final Duration MAX_CPU = Duration.ofSeconds(20);

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Rules that double a value {@code n} times, each from the one before. */
  private static String doubling(String name, String seed, String step, int n) {
    StringBuilder sb = new StringBuilder(name + "0 := " + seed + "\n");
    for (int i = 1; i <= n; i++) {
      sb.append(name)
          .append(i)
          .append(" := ")
          .append(step.replace("X", name + (i - 1)))
          .append('\n');
    }
    return sb.toString();
  }

  private static final Map<String, String> BOMBS = new LinkedHashMap<>();

  static {
    BOMBS.put("concat doubling", doubling("s", "\"xxxxxxxxxxxxxxxx\"", "concat(\"\", [X, X])", 40));
    BOMBS.put("array.concat doubling", doubling("a", "[1, 2]", "array.concat(X, X)", 40));
    BOMBS.put(
        "json.marshal of a shared string",
        "big := concat(\"\", [\"x\" | numbers.range(1, 1000000)[_]])\n"
            + "v := json.marshal([big | numbers.range(1, 2000)[_]])");
    BOMBS.put(
        "sprintf widths",
        "v := sprintf(concat(\"\", [\"%9999999d\" | numbers.range(1, 400)[_]]), [1 | numbers.range(1, 400)[_]])");
    BOMBS.put(
        "sprintf by index",
        "big := concat(\"\", [\"x\" | numbers.range(1, 1000000)[_]])\n"
            + "v := sprintf(concat(\"\", [\"%[1]s\" | numbers.range(1, 2000)[_]]), [big])");
    BOMBS.put("numbers.range", "v := count(numbers.range(1, 40000000))");
    BOMBS.put(
        "replace",
        "big := concat(\"\", [\"x\" | numbers.range(1, 100000)[_]])\n"
            + "v := replace(big, \"x\", big)");
    BOMBS.put(
        "strings.replace_n",
        "big := concat(\"\", [\"x\" | numbers.range(1, 100000)[_]])\n"
            + "v := strings.replace_n({\"x\": big, \"y\": \"z\"}, big)");
    BOMBS.put(
        "regex.replace",
        "big := concat(\"\", [\"x\" | numbers.range(1, 100000)[_]])\n"
            + "v := regex.replace(big, \"(x+)\", concat(\"\", [\"$1\" | numbers.range(1, 5000)[_]]))");
    // squaring with "*" and bits.lsh now stop at the bound on numbers first (Issue14NumbersTest)
    BOMBS.put(
        "set comprehension",
        "v := count({sprintf(\"%d-%s\", [i, \"padding-padding-padding\"]) | some i in numbers.range(1, 10000000)})");
    BOMBS.put(
        "strings.render_template",
        "big := concat(\"\", [\"x\" | numbers.range(1, 100000)[_]])\n"
            + "v := strings.render_template(\"{{range .xs}}{{$.big}}{{end}}\", {\"big\": big, \"xs\": numbers.range(1, 5000)})");
    BOMBS.put(
        "yaml.marshal of a shared string",
        "big := concat(\"\", [\"x\" | numbers.range(1, 1000000)[_]])\n"
            + "v := yaml.marshal({\"a\": [big | numbers.range(1, 2000)[_]]})");
    BOMBS.put("hex.encode doubling", doubling("h", "\"xxxxxxxxxxxxxxxx\"", "hex.encode(X)", 30));
  }

  @Test
  void issue14_policiesThatWouldFillTheHeapEndWithALimitError() throws Exception {
    assertThat(AllocationMeter.supported()).as("HotSpot counts allocations per thread").isTrue();
    SoftAssertions soft = new SoftAssertions();
    for (Map.Entry<String, String> bomb : BOMBS.entrySet()) {
      String src = "package p\n" + bomb.getValue() + "\n";
      PreparedPolicy policy =
          Rego.builder()
              .module("p.rego", src)
              .options(
                  EngineOptions.defaults()
                      .withTimeout(Duration.ofSeconds(60))
                      .withMaxAllocationBytes(LIMIT))
              .compile();
      long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      Optional<RegoError> error = Optional.empty();
      Optional<Value> result = Optional.empty();
      try {
        result = policy.evaluate("p", ObjectValue.EMPTY);
      } catch (RegoException e) {
        error = Optional.of(e.errors().get(0));
      }
      long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated0;
      Duration cpu = Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - cpu0);
      soft.assertThat(error)
          .as("%s ended (result %s)", bomb.getKey(), result.map(v -> "present").orElse("none"))
          .isPresent();
      error.ifPresent(
          e -> {
            soft.assertThat(e.code()).as(bomb.getKey()).isEqualTo(RegoError.EVAL_LIMIT);
            soft.assertThat(e.message())
                .as(bomb.getKey())
                .contains("EngineOptions.maxAllocationBytes");
          });
      // what the evaluation allocated and ran for on this thread (the engine uses no other), not
      // the wall clock a loaded machine stretches: stopped near its limit, not after filling the
      // heap
      soft.assertThat(allocated).as("bytes %s allocated", bomb.getKey()).isLessThan(MAX_ALLOCATED);
      soft.assertThat(cpu).as("CPU time of %s", bomb.getKey()).isLessThan(MAX_CPU);
    }
    soft.assertAll();
  }

  @Test
  void issue14_theSameWorkFitsAGenerousLimit() throws Exception {
    PreparedPolicy policy =
        Rego.builder()
            .module(
                "p.rego",
                "package p\nv := count(concat(\"\", [\"x\" | numbers.range(1, 100000)[_]]))\n")
            .options(EngineOptions.defaults().withMaxAllocationBytes(256L << 20))
            .compile();
    assertThat(policy.evaluate("p/v", ObjectValue.EMPTY)).map(Object::toString).contains("100000");
    PreparedPolicy tight =
        Rego.builder()
            .module(
                "p.rego",
                "package p\nv := count(concat(\"\", [\"x\" | numbers.range(1, 100000)[_]]))\n")
            .options(EngineOptions.defaults().withMaxAllocationBytes(1L << 20))
            .compile();
    try {
      tight.evaluate("p/v", ObjectValue.EMPTY);
      throw new AssertionError("1 MiB cannot hold a 100,000-element comprehension");
    } catch (RegoException e) {
      assertThat(e.errors().get(0).code()).isEqualTo(RegoError.EVAL_LIMIT);
    }
  }
}
