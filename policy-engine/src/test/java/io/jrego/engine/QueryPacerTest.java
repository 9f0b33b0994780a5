package io.jrego.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.engine.base.QueryOptions;
import io.jrego.engine.base.RegoError;
import io.jrego.engine.base.RegoException;
import io.jrego.engine.value.ObjectValue;
import io.jrego.engine.value.StringValue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link QueryOptions#pacer()}: run at the evaluation's limit checkpoints (what a server uses to
 * pace expensive evaluations), never for a short one, and able to end the query with {@code
 * eval_cancel_error}.
 */
class QueryPacerTest {

  private static final String LOOP =
      "package t\np := count([x | some i in numbers.range(1, 200000); x := i * 2])";

  @Test
  void thePacerRunsAtTheCheckpointsOfALongEvaluationOnly() throws Exception {
    PreparedPolicy p = Rego.builder().module("t.rego", LOOP + "\nq := 1").compile();
    AtomicInteger long1 = new AtomicInteger();
    assertThat(
            p.evaluate("t/p", ObjectValue.EMPTY, QueryOptions.none().pacer(long1::incrementAndGet)))
        .isPresent();
    // 200,000 iterations of one step or more each: a checkpoint every 1,024 steps
    assertThat(long1.get()).isGreaterThanOrEqualTo(195);

    AtomicInteger short1 = new AtomicInteger();
    assertThat(
            p.evaluate(
                "t/q", ObjectValue.EMPTY, QueryOptions.none().pacer(short1::incrementAndGet)))
        .isPresent();
    assertThat(short1.get()).isZero();
  }

  @Test
  void aPacerThatCancelsEndsTheQueryWithItsMessage() throws Exception {
    PreparedPolicy p = Rego.builder().module("t.rego", LOOP).compile();
    QueryOptions cancel =
        QueryOptions.none()
            .pacer(
                () -> {
                  throw new CancellationException("no slot for a long evaluation");
                });
    assertThatThrownBy(() -> p.evaluate("t/p", ObjectValue.EMPTY, cancel))
        .isInstanceOfSatisfying(
            RegoException.class, e -> assertThat(e.code()).isEqualTo(RegoError.EVAL_CANCEL))
        .hasMessageContaining("no slot for a long evaluation");
    // the query form too
    assertThatThrownBy(
            () ->
                p.query(
                    "data.t.p",
                    java.util.Optional.of(ObjectValue.of(StringValue.of("a"), StringValue.of("b"))),
                    cancel))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("no slot for a long evaluation");
  }

  @Test
  void optionsKeepTheirPacerWhenOtherOptionsAreAdded() {
    Runnable r = () -> {};
    QueryOptions o = QueryOptions.none().pacer(r).withDeadline(42).print(s -> {});
    assertThat(o.pacer()).containsSame(r);
    assertThat(QueryOptions.none().pacer()).isEmpty();
  }
}
