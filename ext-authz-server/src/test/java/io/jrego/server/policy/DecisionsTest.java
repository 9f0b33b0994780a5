package io.jrego.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.Rego;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which {@link LongRecall} each decision carries (the pacing's class of evaluations). */
class DecisionsTest {

  private static PreparedPolicy rules(int n) throws Exception {
    StringBuilder sb = new StringBuilder("package app\n");
    for (int i = 0; i < n; i++) {
      sb.append("\nr").append(i).append(" := ").append(i).append('\n');
    }
    return Rego.builder().module("app.rego", sb.toString()).compile();
  }

  /**
   * A path past the kept ones is prepared anew at every call; with a recall of its own at each, its
   * long evaluations were never remembered. They share one now, and each kept path has its own.
   */
  @Test
  void pathsPastTheKeptOnesShareOneRecallAndKeptPathsHaveTheirOwn() throws Exception {
    Decisions d = new Decisions(rules(Decisions.MAX_PATHS + 2));
    Set<LongRecall> kept = new HashSet<>();
    for (int i = 0; i < Decisions.MAX_PATHS; i++) {
      LongRecall r = d.get("app/r" + i).longRecall();
      assertThat(r).isNotNull();
      assertThat(d.get("app/r" + i).longRecall()).isSameAs(r);
      kept.add(r);
    }
    assertThat(kept).hasSize(Decisions.MAX_PATHS);
    LongRecall past = d.get("app/r" + Decisions.MAX_PATHS).longRecall();
    assertThat(past).isNotNull().isNotIn(kept);
    assertThat(d.get("app/r" + Decisions.MAX_PATHS).longRecall()).isSameAs(past);
    assertThat(d.get("app/r" + (Decisions.MAX_PATHS + 1)).longRecall()).isSameAs(past);
    long before = d.preparations();
    assertThat(d.get("app/r" + Decisions.MAX_PATHS).query()).isNotNull();
    assertThat(d.preparations()).as("still prepared at every call").isEqualTo(before + 1);
  }

  /** A decision the policy can never define is never evaluated: it carries no recall. */
  @Test
  void anUndefinedDecisionCarriesNoRecall() throws Exception {
    Decisions d = new Decisions(rules(1));
    Decisions.Decision undefined = d.get("nowhere/allow");
    assertThat(undefined.query()).isNull();
    assertThat(undefined.undefined()).isNotEmpty();
    assertThat(undefined.longRecall()).isNull();
  }
}
