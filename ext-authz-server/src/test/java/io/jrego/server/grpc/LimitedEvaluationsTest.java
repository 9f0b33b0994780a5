package io.jrego.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.base.RegoError;
import io.jrego.engine.value.Json;
import io.jrego.engine.value.Value;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the warm-up's limited evaluations take the paths they are there for. The one a pacer
 * lets run passes the engine's limit checkpoint several times and ends normally; the other four end
 * at a limit (cancelled by the pacer, the deadline passing while it runs, a deadline passed before
 * it started, the allocation limit), so their exceptions unwind through the evaluator as an
 * expensive check's do.
 */
class LimitedEvaluationsTest {

  @Test
  void oneRoundCompletesThreeEvaluationsAndEndsFourAtALimit() {
    LimitedEvaluations.Round r = LimitedEvaluations.round(WarmUpSwitches.ALL);
    // the paced one, and the two whose regex.match refuses its pattern
    assertThat(r.completed()).isEqualTo(3);
    assertThat(r.errorCodes())
        .containsExactly(
            RegoError.EVAL_CANCEL,
            RegoError.EVAL_CANCEL,
            RegoError.EVAL_CANCEL,
            RegoError.EVAL_LIMIT);
    // several checkpoints: a smaller input would no longer reach the paths it is there for
    assertThat(r.checkpoints()).isGreaterThanOrEqualTo(3);
    assertThat(r.covered()).isTrue();
  }

  @Test
  void theCoverRuleIsLeftOutWhenItsSwitchIsOff() {
    LimitedEvaluations.Round r = LimitedEvaluations.round(new WarmUpSwitches(true, false, true));
    assertThat(r.covered()).isFalse();
    assertThat(r.completed()).isEqualTo(3);
  }

  /**
   * Each refused pattern makes {@code regex.match} fail, so the call is undefined both where it is
   * negated and where it is not, as in OPA (a builtin's error is not a halt).
   */
  @Test
  void aRefusedPatternLeavesTheCallUndefinedNegatedAndNot() {
    assertThat(LimitedEvaluations.REFUSED_PATTERNS)
        .allSatisfy(
            p ->
                assertThat(Json.write(LimitedEvaluations.refused(p).orElseThrow()))
                    .isEqualTo("[\"bound\",\"direct\",\"not\"]"));
    // a pattern it accepts: matched, so neither
    assertThat(LimitedEvaluations.refused("a").map(Json::write)).contains("[]");
  }

  /**
   * The cover rule answers, with each part's value as OPA gives it for the 40 items (m0..m6 in
   * turn, all users): a part that went undefined would leave its kind of term unseen.
   */
  @Test
  void coverTakesEveryKindOfTermAndAnswersAsOpaWould() {
    Value cover = LimitedEvaluations.cover().orElseThrow();
    // opa eval -d <the module> -i <the input> data.jrego.warmup.cover -f raw (OPA 1.x)
    assertThat(Json.write(cover))
        .isEqualTo(
            "{\"array\":[\"m1\",\"m1\",\"m1\",\"m1\",\"m1\",\"m1\"],\"default\":false,"
                + "\"else\":\"small\",\"every\":true,\"literals\":[[1,\"a\"],{\"a\":[1,2.5,null,true]}],"
                + "\"not\":true,\"object\":{\"m0-0\":0,\"m1-1\":1,\"m2-2\":2},"
                + "\"object_keys\":[\"a\",\"b\"],\"partial_object\":40,\"partial_set\":7,"
                + "\"set\":[\"m0\",\"m1\",\"m2\",\"m3\",\"m4\",\"m5\",\"m6\"],"
                + "\"set_members\":[\"x\",\"y\"],\"some\":true,\"template\":\"40 items\",\"with\":2}");
  }

  @Test
  void everyRunsARoundFirstAndThenOnceInEveryNCallsAndAsksTheStop() {
    AtomicInteger asked = new AtomicInteger();
    AtomicInteger rounds = new AtomicInteger();
    var stop =
        LimitedEvaluations.every(4, () -> asked.incrementAndGet() >= 9, rounds::incrementAndGet);
    int calls = 0;
    while (!stop.getAsBoolean() && calls < 100) {
      calls++;
    }
    assertThat(calls).isEqualTo(8);
    assertThat(asked.get()).isEqualTo(9);
    assertThat(rounds.get()).isEqualTo(3); // at calls 1, 5 and 9
  }
}
