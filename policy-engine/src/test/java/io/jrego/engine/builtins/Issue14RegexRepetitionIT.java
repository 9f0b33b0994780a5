package io.jrego.engine.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.builtins.regex.RegexSize;
import io.jrego.engine.builtins.spi.BuiltinException;
import io.jrego.engine.testing.RealOpa;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.StringValue;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: {@code regex.match("((a{1000}){1000}){1000}", s)} ran 44 s in RE2/J's compiler and then
 * exhausted the heap, where OPA answers at once with Go's "invalid repeat count". {@link RegexSize}
 * checks a pattern against Go's limits before RE2/J compiles it; each pattern below must get the
 * answer real OPA gives (the same error message, or the same result), quickly.
 */
class Issue14RegexRepetitionIT {

  /**
   * "Quickly" is judged on this thread's CPU time, which measures the work: the wall clock also
   * counts the time a loaded machine gives to others (the slowest pattern took 2.4 s of it under
   * stress-ng, over the 2 s this test once allowed). The compile issue 14 found took 44 s.
   */
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The CPU time one pattern may take: far above what a pattern costs, far below the 44 s. */
  private static final Duration PER_PATTERN = Duration.ofSeconds(5);

  private static Duration cpuSince(long cpu0) {
    return Duration.ofNanos(THREADS.getCurrentThreadCpuTime() - cpu0);
  }

  private static final List<String> PATTERNS =
      List.of(
          "((a{1000}){1000}){1000}",
          "(a{1000}){2}",
          "(a{500}){2}",
          "(a{2}){500}",
          "(a{2}){501}",
          "(?:a{10}){101}",
          "(a{10}|b{200}){5}",
          "(a{10}|b{201}){5}",
          "(a{0}){1000}",
          "((((a{2}){2}){2}){2}){2}",
          "a{1001}",
          "a{1000}",
          "a{2,1}",
          "a{99999999999}",
          "a{01}",
          "a{,5}",
          "(a{1000}?){2}",
          "\\Q((((\\E{1000}",
          "[(]{1000}(b{2}){501}",
          "\\p{Greek}{1000}",
          "(?i)(a{1000}){1}",
          "(?P<x>a{100}){11}",
          "(" + "a".repeat(3400) + "){1000}",
          "(" + "a".repeat(3300) + "){1000}",
          "(".repeat(1001) + "a" + ")".repeat(1001),
          "(".repeat(999) + "a" + ")".repeat(999),
          "(a*)+{2}",
          "x**");

  @Test
  void issue14_nestedRepetitions_answerAsOpaDoes() throws Exception {
    Path opa = RealOpa.binary();
    PreparedPolicy policy =
        Rego.builder()
            .module("p.rego", "package p\nm := regex.match(input.p, \"aaa\")\n")
            // the engine's own deadline is wall-clock time: minutes, so it never ends a pattern
            .options(
                EngineOptions.defaults()
                    .withStrictBuiltinErrors(true)
                    .withTimeout(Duration.ofMinutes(5)))
            .compile();
    assertThat(THREADS.isCurrentThreadCpuTimeSupported()).isTrue();
    SoftAssertions soft = new SoftAssertions();
    for (String pattern : PATTERNS) {
      String expected =
          RealOpa.answer(
              opa,
              "regex.match(input.p, \"aaa\")",
              "{\"p\":" + Json.write(StringValue.of(pattern)) + "}");
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      String got;
      try {
        got =
            policy
                .evaluate("p/m", Json.parse("{\"p\":" + Json.write(StringValue.of(pattern)) + "}"))
                .map(Json::write)
                .orElse("undefined");
      } catch (RegoException e) {
        got = e.errors().get(0).message();
      }
      Duration cpu = cpuSince(cpu0);
      String name = pattern.length() > 60 ? pattern.substring(0, 60) + "..." : pattern;
      soft.assertThat(got).as(name).isEqualTo(expected);
      soft.assertThat(cpu).as("CPU time for %s", name).isLessThan(PER_PATTERN);
    }
    soft.assertAll();
  }

  @Test
  void issue14_theBombIsRefusedBeforeCompiling() {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    assertThatThrownBy(() -> Regex.compile("((a{1000}){1000}){1000}"))
        .isInstanceOf(BuiltinException.class)
        .hasMessage("error parsing regexp: invalid repeat count: `{1000}`");
    assertThat(cpuSince(cpu0)).isLessThan(Duration.ofSeconds(1));
    assertThatThrownBy(() -> RegexSize.check("(" + "ab".repeat(2000) + "){1000}"))
        .hasMessageStartingWith("error parsing regexp: expression too large: `(abab");
  }

  @Test
  void issue14_ordinaryPatternsStillCompile() throws Exception {
    for (String ok :
        List.of(
            "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$",
            "(?i)ignore (all )?(previous|prior) instructions",
            "^\\d{3}-\\d{2}-\\d{4}$",
            "[[:alpha:]]{1,1000}",
            "\\x{1F600}{3}",
            "a{,}",
            "{")) {
      RegexSize.check(ok);
      assertThat(Regex.compile(ok)).isNotNull();
    }
  }
}
