package io.jrego.server.policy;

import java.util.Arrays;

/**
 * The {@link PolicyFact facts} services keep about one active policy, part of the {@link
 * ActivePolicy} they are about: filled by {@link PolicyHolder#activate} before the policy serves,
 * read by every call under it.
 *
 * <p>A call reads its fact at the fact's own index, the same way under every policy; a fact not
 * prepared (a policy no holder activated, a fact made after its activation) is computed by the
 * first call that asks, once, under a lock. A second holder's fact at an index already taken (one
 * policy snapshot activated in two holders: tests) is kept in an overflow list. Thread-safe.
 */
public final class PolicyFacts {

  private record Slot(PolicyFact<?> fact, Object value) {}

  private volatile Slot[] slots = new Slot[0];
  private volatile Slot[] overflow = new Slot[0];

  /** The fact of this policy, prepared or computed now. */
  @SuppressWarnings({"unchecked", "ReferenceEquality"}) // one fact, by identity
  <T> T get(PolicyFact<T> fact, ActivePolicy policy) {
    Slot[] t = slots;
    int i = fact.index();
    if (i < t.length) {
      Slot s = t[i];
      if (s != null && s.fact() == fact) {
        return (T) s.value();
      }
    }
    return slow(fact, policy);
  }

  /**
   * Computes {@code fact} for {@code policy} unless it is already here: the activating thread's
   * work, through its own method (not {@link #get}, whose branches the calls have compiled).
   */
  void prepare(PolicyFact<?> fact, ActivePolicy policy) {
    var unused = slow(fact, policy);
  }

  @SuppressWarnings({"unchecked", "ReferenceEquality"})
  private synchronized <T> T slow(PolicyFact<T> fact, ActivePolicy policy) {
    Slot[] t = slots;
    int i = fact.index();
    if (i < t.length && t[i] != null && t[i].fact() == fact) {
      return (T) t[i].value(); // another thread computed it meanwhile
    }
    for (Slot s : overflow) {
      if (s.fact() == fact) {
        return (T) s.value();
      }
    }
    T value = fact.compute(policy);
    Slot slot = new Slot(fact, value);
    if (i >= t.length) {
      Slot[] next = Arrays.copyOf(t, i + 1);
      next[i] = slot;
      slots = next;
    } else if (t[i] == null) {
      Slot[] next = t.clone();
      next[i] = slot;
      slots = next;
    } else {
      Slot[] o = overflow;
      Slot[] next = Arrays.copyOf(o, o.length + 1);
      next[o.length] = slot;
      overflow = next;
    }
    return value;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("PolicyFacts[");
    for (Slot s : slots) {
      if (s != null) {
        b.append(b.length() > 12 ? ", " : "").append(s.fact());
      }
    }
    return b.append(']').toString();
  }
}
