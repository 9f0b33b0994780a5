package io.jrego.server.policy;

import io.jrego.engine.PreparedPolicy;
import io.jrego.engine.PreparedQuery;
import io.jrego.engine.base.RegoException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decisions of one active policy, prepared for evaluation ({@link PreparedPolicy#prepare}), by
 * path: part of the {@link ActivePolicy} they belong to, so that a check finds its decision in the
 * policy it took up, never in a cache of the previous policy's.
 *
 * <p>Why here and not in each check service: a service that kept the prepared decision of the last
 * policy it saw compared that policy by identity on every call, and the first call under a new
 * policy took the other branch, prepared, and set off the compiled code's trap for it on a check
 * thread (the fault matrix's cpu-policy swap, session 18: {@code Decider.prepared@10}). Now the
 * bundle thread prepares, before the activation, every path the policy it replaces served ({@link
 * #prepareAll}), and the checks under the new policy run the same lookup that found their decision
 * under the old one.
 *
 * <p>A path the policy can never define is kept with its error, as the undefined decision that
 * evaluating it would give on every call. Copied on write: a server serves a handful of paths; at
 * most {@link #MAX_PATHS} are kept. Thread-safe.
 */
public final class Decisions {

  /**
   * One path's decision: the prepared query, or (null query) why the policy can never define it.
   *
   * @param longRecall what the pacing of expensive evaluations remembers of this decision's
   *     evaluations under this policy (whether one went long lately): its own for each kept path,
   *     one shared by all paths past {@link #MAX_PATHS}; null for a decision the policy can never
   *     define, which is never evaluated
   */
  public record Decision(
      String path, PreparedQuery query, String undefined, LongRecall longRecall) {}

  /** The most paths kept; one past it is prepared on every call (a misconfiguration's cost). */
  static final int MAX_PATHS = 64;

  private final PreparedPolicy policy;

  /**
   * The recall of every path past {@link #MAX_PATHS}, prepared anew on each call: one for them all,
   * so that such a path's long evaluations are remembered at all (a recall of their own would be
   * new at every call), at the cost of pacing sooner, for a while, the other such paths'
   * evaluations that need more than the shorter budget, as a remembered decision's own are.
   */
  private final LongRecall pastMaxPaths = new LongRecall();

  private volatile Decision[] table = new Decision[0];
  private final AtomicLong preparations = new AtomicLong();

  /** The decisions of {@code policy}, none prepared yet. */
  public Decisions(PreparedPolicy policy) {
    this.policy = Objects.requireNonNull(policy);
  }

  /**
   * The decision at {@code path} (a configuration string, compared by identity first), prepared now
   * if no call asked for it before.
   */
  @SuppressWarnings("ReferenceEquality") // identity first, then equality
  public Decision get(String path) {
    Decision[] t = table;
    for (Decision d : t) {
      String p = d.path();
      if (p == path || p.equals(path)) {
        return d;
      }
    }
    return prepare(path);
  }

  /**
   * Prepares each of {@code paths} not yet prepared: the bundle thread's work before an activation,
   * so that no check under this policy prepares.
   */
  public void prepareAll(Collection<String> paths) {
    for (String path : paths) {
      // not through get: its loop, compiled for the checks, has never run out of paths, and a
      // new policy's empty table ran it out on the bundle thread and threw that code out (fault
      // matrix, cpu-policy swap, session 19: Decisions.get@18)
      var unused = prepare(path);
    }
  }

  /** The paths prepared so far, in the order they were first asked for. */
  public List<String> paths() {
    Decision[] t = table;
    List<String> out = new ArrayList<>(t.length);
    for (Decision d : t) {
      out.add(d.path());
    }
    return out;
  }

  /**
   * How many times a decision of this policy was prepared: once per path, and once per call for
   * paths past {@link #MAX_PATHS}. A check that finds its decision prepared leaves it unchanged.
   */
  public long preparations() {
    return preparations.get();
  }

  private synchronized Decision prepare(String path) {
    Decision[] t = table;
    for (Decision d : t) {
      if (d.path().equals(path)) {
        return d; // another thread prepared it meanwhile
      }
    }
    preparations.incrementAndGet();
    boolean kept = t.length < MAX_PATHS;
    Decision d;
    try {
      d = new Decision(path, policy.prepare(path), null, kept ? new LongRecall() : pastMaxPaths);
    } catch (RegoException e) {
      d = new Decision(path, null, e.getMessage(), null);
    }
    if (kept) {
      Decision[] next = Arrays.copyOf(t, t.length + 1);
      next[t.length] = d;
      table = next;
    }
    return d;
  }

  @Override
  public String toString() {
    return "Decisions" + paths();
  }
}
