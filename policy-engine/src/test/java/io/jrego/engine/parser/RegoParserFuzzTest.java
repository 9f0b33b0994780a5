package io.jrego.engine.parser;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jrego.engine.Rego;
import io.jrego.engine.ast.Module;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.base.RegoVersion;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Fuzzes the Rego parser (and the compiler behind it) with arbitrary module text, as a bundle or
 * {@code jrego eval -d} would hand it over. Invariants: the module parses or fails with {@code
 * rego_parse_error}s that carry a location; a parsed module compiles or fails with {@link
 * RegoException}; nothing else is thrown (no {@link StackOverflowError}, no runtime exception);
 * every input is done within {@link #BOUND} of CPU time.
 *
 * <p>Seeds: {@code src/test/resources/io/jrego/engine/parser/RegoParserFuzzTestInputs/module/}.
 * Fuzz it with {@code .ci/fuzz.sh 600 -pl policy-engine -Dtest=RegoParserFuzzTest} (see the
 * README).
 */
class RegoParserFuzzTest {

  /**
   * Far above what any module of the fuzzer's size takes, even instrumented on a busy machine; a
   * loop or an exponential blow-up passes it.
   */
  static final Duration BOUND = Duration.ofSeconds(5);

  /**
   * Times an input on the CPU time of the thread that runs it (all of the work runs on it), which a
   * loaded machine does not stretch as it does the wall clock.
   */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Loads (and, fuzzing, instruments) the parser and compiler before the first timed input. */
  private static final String WARM_UP =
      "package w\nimport rego.v1\np contains x if { some x in [1, 2]; x > 1 }\nf(a) := a * 2\n";

  private static boolean warm;

  @FuzzTest
  void module(byte[] bytes) {
    if (!warm) {
      check(WARM_UP);
      warm = true;
    }
    long start = THREADS.getCurrentThreadCpuTime();
    check(new String(bytes, StandardCharsets.UTF_8));
    assertThat(Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - start)).isLessThan(BOUND);
  }

  private static void check(String src) {
    for (RegoVersion version : RegoVersion.values()) {
      Module parsed;
      try {
        parsed = Parser.parseModule("fuzz.rego", src, version);
      } catch (RegoException e) {
        assertThat(e.errors()).isNotEmpty();
        for (RegoError err : e.errors()) {
          assertThat(err.code()).as(err.toString()).isEqualTo(RegoError.PARSE);
          assertThat(err.location()).as(err.toString()).isPresent();
        }
        continue;
      }
      assertThat(parsed).isNotNull();
      try {
        Rego.builder().module("fuzz.rego", src, version).compile();
      } catch (RegoException e) {
        assertThat(e.errors()).isNotEmpty();
        for (RegoError err : e.errors()) {
          assertThat(err.code()).as(err.toString()).startsWith("rego_");
        }
      }
    }
  }
}
