package io.jrego.server.policy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Holds the active policy. A check reads {@link #current()} once and uses that snapshot to the end,
 * so replacing the policy ({@link #activate}) is atomic: each check sees the old or the new policy,
 * never a mix.
 */
public final class PolicyHolder {

  private final AtomicReference<ActivePolicy> active = new AtomicReference<>();
  private final List<Consumer<ActivePolicy>> listeners = new CopyOnWriteArrayList<>();
  private final RecentInputs recent = new RecentInputs();

  /** The inputs of the last few checks, for warming a new policy before it serves. */
  public RecentInputs recentInputs() {
    return recent;
  }

  /** The active policy, empty until one is activated. */
  public Optional<ActivePolicy> current() {
    return Optional.ofNullable(active.get());
  }

  /** Makes {@code policy} the active one and tells the listeners. */
  public void activate(ActivePolicy policy) {
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
