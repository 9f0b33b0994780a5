package io.jrego.server.policy;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Something a service knows about each active policy and reads on every call: which ext_proc phase
 * rules it defines, its carried decision's token. Made by {@link PolicyHolder#fact}, computed once
 * per policy on the thread that activates it, before it serves ({@link PolicyHolder#activate}), and
 * kept in the policy ({@link PolicyFacts}), so that a call under a new policy finds it where a call
 * under the old one found its own.
 *
 * <p>Why: services that kept such a fact for the last policy they saw compared that policy by
 * identity on every call, and the first call after a swap took the other branch, computed, and set
 * off the compiled code's trap for it on a check or transport thread (the fault matrix's cpu-policy
 * swap, session 19: {@code ExternalProcessorService.rules@20}, {@code
 * CheckedDecision$Writer.definesRequest@10}, {@code CheckedDecision$Tokens.of@10}). {@link
 * Decisions} did the same for prepared queries.
 *
 * @param <T> the fact, immutable or thread-safe
 */
public final class PolicyFact<T> {

  private final String name;
  private final int index;
  private final Function<ActivePolicy, T> compute;
  private final AtomicLong computations = new AtomicLong();

  PolicyFact(String name, int index, Function<ActivePolicy, T> compute) {
    this.name = Objects.requireNonNull(name);
    this.index = index;
    this.compute = Objects.requireNonNull(compute);
  }

  /** The fact for {@code policy}: the one prepared before it served, else computed now, once. */
  public T of(ActivePolicy policy) {
    return policy.facts().get(this, policy);
  }

  /**
   * How many times this fact was computed: once per policy it was asked of (or prepared for). A
   * call that finds it prepared leaves this unchanged.
   */
  public long computations() {
    return computations.get();
  }

  /** Its place in a {@link PolicyFacts}' table (one per holder that made it). */
  int index() {
    return index;
  }

  T compute(ActivePolicy policy) {
    computations.incrementAndGet();
    return Objects.requireNonNull(compute.apply(policy), name);
  }

  @Override
  public String toString() {
    return "PolicyFact[" + name + "]";
  }
}
