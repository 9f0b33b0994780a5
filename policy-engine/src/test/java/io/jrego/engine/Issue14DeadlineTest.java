package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.EngineOptions;
import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ArrayValue;
import io.jrego.engine.value.NumberValue;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import io.jrego.engine.value.Value;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, "also weak": a caller's deadline ({@link QueryOptions#deadline()}) ends evaluation
 * inside one long builtin call or comparison too, not only between statements. Each policy here
 * spends its time in a single call that takes hundreds of milliseconds; with a deadline a few
 * milliseconds away it must end with {@code eval_cancel_error} instead of returning a value.
 */
class Issue14DeadlineTest {

  private static PreparedPolicy compile(String body) throws RegoException {
    return Rego.builder().module("t.rego", "package t\n" + body).compile();
  }

  private static Value input(String key, Value v) {
    return ObjectValue.of(StringValue.of(key), v);
  }

  private static ArrayValue randomStrings(int n) {
    Random r = new Random(14);
    Value[] out = new Value[n];
    for (int i = 0; i < n; i++) {
      out[i] = StringValue.of(Long.toString(r.nextLong(), 36));
    }
    return ArrayValue.wrap(out);
  }

  private static QueryOptions soon() {
    return QueryOptions.none().withDeadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5));
  }

  private static void assertCancelled(PreparedPolicy p, Value input) {
    assertThatThrownBy(() -> p.evaluate("t/p", input, soon()))
        .isInstanceOfSatisfying(
            RegoException.class, e -> assertThat(e.code()).isEqualTo(RegoError.EVAL_CANCEL))
        .hasMessageContaining("caller's deadline");
  }

  @Test
  void issue14_theDeadlineEndsASortInsideOneBuiltinCall() throws Exception {
    PreparedPolicy p = compile("p := count(sort(input.a))");
    Value in = input("a", randomStrings(400_000));
    assertThat(p.evaluate("t/p", input("a", randomStrings(10)))).isPresent();
    assertCancelled(p, in);
  }

  @Test
  void issue14_theDeadlineEndsSortingALargeSetForAComparison() throws Exception {
    // object.keys builds a set; comparing it orders its elements: one sort, no statements
    PreparedPolicy p = compile("p := object.keys(input.o) < {\"~\"}");
    ObjectValue.Builder o = new ObjectValue.Builder();
    for (Value k : randomStrings(300_000)) {
      o.put(k, k);
    }
    assertCancelled(p, input("o", o.build()));
  }

  @Test
  void issue14_theDeadlineEndsAQuadraticStringReplacement() throws Exception {
    // every position of the text is tried against every pattern: 3,000 x 300,000
    PreparedPolicy p = compile("p := count(strings.replace_n(input.patterns, input.text))");
    ObjectValue.Builder patterns = new ObjectValue.Builder();
    for (int i = 0; i < 3_000; i++) {
      patterns.put("x" + i + "y", StringValue.of("z"));
    }
    Value in =
        new ObjectValue.Builder()
            .put("patterns", patterns.build())
            .put("text", StringValue.of("x".repeat(300_000)))
            .build();
    assertCancelled(p, in);
  }

  @Test
  void issue14_aReplacementWithManyPatternsIsCheckedAtEveryPosition() throws Exception {
    // 5,000 patterns over 200 positions: a million tries, one step per position. Checked only
    // every 1,024th position, such a call (CI saw it with 50,000 patterns over 60 KB, on a cold
    // JVM) ran for seconds before its first limit check and Envoy gave up on jrego first.
    PreparedPolicy p = compile("p := count(strings.replace_n(input.patterns, input.text))");
    ObjectValue.Builder patterns = new ObjectValue.Builder();
    for (int i = 0; i < 5_000; i++) {
      patterns.put("<" + i + ">", StringValue.of(""));
    }
    Value in =
        new ObjectValue.Builder()
            .put("patterns", patterns.build())
            .put("text", StringValue.of("x".repeat(200)))
            .build();
    AtomicInteger checks = new AtomicInteger();
    assertThat(p.evaluate("t/p", in, QueryOptions.none().pacer(checks::incrementAndGet)))
        .contains(NumberValue.of(200));
    assertThat(checks.get()).isGreaterThanOrEqualTo(200);
  }

  @Test
  void issue14_aDeadlineAlreadyPassedEndsEvaluationAtOnce() throws Exception {
    PreparedPolicy p = compile("p := 1");
    assertThat(p.evaluate("t/p", ObjectValue.EMPTY, QueryOptions.none())).isPresent();
    assertThatThrownBy(
            () ->
                p.evaluate(
                    "t/p", ObjectValue.EMPTY, QueryOptions.none().withDeadline(System.nanoTime())))
        .hasMessageContaining("eval_cancel_error")
        .hasMessageContaining("caller's deadline");
  }

  @Test
  void issue14_theEngineTimeoutStillEndsEvaluationBeforeALaterCallerDeadline() throws Exception {
    PreparedPolicy p =
        Rego.builder()
            .module("t.rego", "package t\np := count(sort(input.a))")
            .options(EngineOptions.defaults().withTimeout(java.time.Duration.ofMillis(5)))
            .compile();
    long inAnHour = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
    assertThatThrownBy(
            () ->
                p.evaluate(
                    "t/p",
                    input("a", randomStrings(400_000)),
                    QueryOptions.none().withDeadline(inAnHour)))
        .hasMessageContaining("EngineOptions.timeout");
  }
}
