package io.jrego.engine.value;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Fuzzes {@link Json}, the reader of every JSON that comes from outside (request bodies, bundle
 * data, {@code json.unmarshal}). Invariants: a document is read or refused with {@link
 * Json.JsonException} (nesting, number length and magnitude limits included), nothing else is
 * thrown; what is read writes back to text that reads as the same value; the bundle loader's entry
 * ({@link Json#parse(byte[], java.util.function.BooleanSupplier)}) reads and refuses the same; each
 * input is done within {@link #BOUND} of CPU time.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/engine/value/JsonFuzzTestInputs/parse/}.
 */
class JsonFuzzTest {

  /** Far above what any input of the fuzzer's size takes; a loop or a blow-up passes it. */
  static final Duration BOUND = Duration.ofSeconds(5);

  /**
   * Times an input on the CPU time of the thread that runs it (all of the work runs on it), which a
   * loaded machine does not stretch as it does the wall clock.
   */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static boolean warm;

  @FuzzTest
  void parse(byte[] bytes) {
    if (!warm) {
      check("{\"a\": [1, 2.5e3, \"x\", null, true, {}]}".getBytes(StandardCharsets.UTF_8));
      warm = true;
    }
    long start = THREADS.getCurrentThreadCpuTime();
    check(bytes);
    assertThat(Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - start)).isLessThan(BOUND);
  }

  private static void check(byte[] bytes) {
    Value v;
    try {
      v = Json.parse(bytes);
    } catch (Json.JsonException e) {
      assertThat(e.getMessage()).isNotBlank();
      // the bundle loader's entry refuses it in the same words
      try {
        Json.parse(bytes, () -> false);
      } catch (Json.JsonException same) {
        assertThat(same.getMessage()).isEqualTo(e.getMessage());
        return;
      }
      throw new AssertionError("read by the bundle loader's entry, refused by the checks'");
    }
    assertThat(Json.parse(bytes, () -> false)).isEqualTo(v);
    String written = Json.write(v);
    assertThat(Json.parse(written)).as(written).isEqualTo(v);
  }
}
