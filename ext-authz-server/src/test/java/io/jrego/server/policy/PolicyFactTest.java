package io.jrego.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.grpc.FakePolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@link PolicyFact} is computed once per policy, by the thread that activates it and before it
 * serves: a call under the new policy finds it there and computes nothing.
 */
class PolicyFactTest {

  private static ActivePolicy policy(String revision) {
    return ActivePolicy.oneBundle(FakePolicy.empty(), revision, "test", Instant.now());
  }

  @Test
  void aFactIsComputedWhenThePolicyIsActivatedBeforeItServesAndNeverByTheCallsUnderIt() {
    PolicyHolder holder = new PolicyHolder();
    List<String> seenWhenComputed = new ArrayList<>();
    PolicyFact<String> fact =
        holder.fact(
            "revision",
            p -> {
              // the activating thread computes it while the policy before is still the active one
              seenWhenComputed.add(holder.current().map(ActivePolicy::revision).orElse("none"));
              return "fact of " + p.revision();
            });
    List<Long> computedWhenListenersRan = new ArrayList<>();
    holder.onActivate(p -> computedWhenListenersRan.add(fact.computations()));

    ActivePolicy first = policy("1");
    holder.activate(first);
    ActivePolicy second = policy("2");
    holder.activate(second);

    assertThat(seenWhenComputed).containsExactly("none", "1");
    assertThat(computedWhenListenersRan).containsExactly(1L, 2L);
    for (int i = 0; i < 3; i++) {
      assertThat(fact.of(second)).isEqualTo("fact of 2");
      assertThat(fact.of(first)).isEqualTo("fact of 1");
    }
    assertThat(fact.computations()).isEqualTo(2);
  }

  @Test
  void aFactMadeWhileAPolicyIsActiveIsComputedForItAtOnce() {
    PolicyHolder holder = new PolicyHolder();
    ActivePolicy active = policy("1");
    holder.activate(active);
    PolicyFact<String> fact = holder.fact("revision", ActivePolicy::revision);
    assertThat(fact.computations()).isEqualTo(1);
    assertThat(fact.of(active)).isEqualTo("1");
    assertThat(fact.computations()).isEqualTo(1);
  }

  @Test
  void aPolicyNoHolderActivatedComputesItsFactOnceOnFirstAsking() {
    PolicyFact<String> fact = new PolicyHolder().fact("revision", ActivePolicy::revision);
    ActivePolicy loose = policy("loose");
    assertThat(fact.computations()).isZero();
    assertThat(fact.of(loose)).isEqualTo("loose");
    assertThat(fact.of(loose)).isEqualTo("loose");
    assertThat(fact.computations()).isEqualTo(1);
  }

  @Test
  void onePolicyInTwoHoldersKeepsEachHoldersFactAtTheSameIndexApart() {
    PolicyHolder a = new PolicyHolder();
    PolicyHolder b = new PolicyHolder();
    PolicyFact<String> fromA = a.fact("a", p -> "a:" + p.revision());
    PolicyFact<String> fromB = b.fact("b", p -> "b:" + p.revision());
    ActivePolicy shared = policy("s");
    a.activate(shared);
    b.activate(shared);
    for (int i = 0; i < 2; i++) {
      assertThat(fromA.of(shared)).isEqualTo("a:s");
      assertThat(fromB.of(shared)).isEqualTo("b:s");
    }
    assertThat(fromA.computations()).isEqualTo(1);
    assertThat(fromB.computations()).isEqualTo(1);
  }
}
