package io.jrego.server.policy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Holds the active policy. A check reads {@link #current()} once and uses that snapshot to the end,
 * so replacing the policy ({@link #activate}) is atomic: each check sees the old or the new policy,
 * never a mix.
 */
public final class PolicyHolder {

  private final AtomicReference<ActivePolicy> active = new AtomicReference<>();
  private final List<Consumer<ActivePolicy>> listeners = new CopyOnWriteArrayList<>();
  private final RecentInputs recent = new RecentInputs();
  private final List<PolicyFact<?>> facts = new CopyOnWriteArrayList<>();

  /** The inputs of the last few checks, for warming a new policy before it serves. */
  public RecentInputs recentInputs() {
    return recent;
  }

  /** The active policy, empty until one is activated. */
  public Optional<ActivePolicy> current() {
    return Optional.ofNullable(active.get());
  }

  /**
   * A fact every policy this holder activates will have computed, by {@code compute}, before it
   * serves ({@link PolicyFact}); the policy active now gets it at once, on this thread.
   *
   * @param name what it is, for messages
   */
  public synchronized <T> PolicyFact<T> fact(String name, Function<ActivePolicy, T> compute) {
    PolicyFact<T> f = new PolicyFact<>(name, facts.size(), compute);
    facts.add(f);
    current().ifPresent(p -> p.facts().prepare(f, p));
    return f;
  }

  /** The facts made so far, in the order they were made (tests count their computations). */
  public List<PolicyFact<?>> facts() {
    return List.copyOf(facts);
  }

  /**
   * Computes every {@link #fact} for {@code policy} that it does not have yet: done by {@link
   * #activate} before the policy serves; the bundle thread may do it earlier.
   */
  public void prepare(ActivePolicy policy) {
    for (PolicyFact<?> f : facts) {
      policy.facts().prepare(f, policy);
    }
  }

  /**
   * Makes {@code policy} the active one, its {@link #fact facts} computed first (on this thread),
   * and tells the listeners.
   */
  public void activate(ActivePolicy policy) {
    prepare(policy);
    active.set(policy);
    for (Consumer<ActivePolicy> l : listeners) {
      l.accept(policy);
    }
  }

  /** Calls {@code listener} on every activation, and at once if a policy is already active. */
  public void onActivate(Consumer<ActivePolicy> listener) {
    listeners.add(listener);
    current().ifPresent(listener);
  }
}
