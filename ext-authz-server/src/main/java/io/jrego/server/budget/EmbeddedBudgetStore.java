package io.jrego.server.budget;

import io.jrego.server.budget.ReserveResult.Admitted;
import io.jrego.server.budget.ReserveResult.Limit;
import io.jrego.server.budget.ReserveResult.Rejected;
import io.jrego.server.budget.ReserveResult.Remaining;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The default {@link BudgetStore}: counters in this process's memory, for one replica.
 *
 * <p>Striped: a budget key maps to one of {@value #STRIPES} locks, and a call takes the locks of
 * its budgets in index order, so calls on different keys run in parallel and a request drawing on
 * several budgets checks and charges them atomically. Memory is bounded: at most {@code maxEntries}
 * window counters and as many remembered reservations; a reserve beyond that fails with {@link
 * BudgetStoreException} (answered as the store being unavailable, fail closed by default). Lapsed
 * leases are ended by the calls that follow them (at most {@value #EXPIRE_BATCH} per call); window
 * counters are dropped one lease length after their window ends, reservations one retention after
 * they were settled.
 */
public final class EmbeddedBudgetStore implements BudgetStore {

  static final int STRIPES = 64;
  static final int EXPIRE_BATCH = 64;
  private static final long EVICT_EVERY_MILLIS = 1_000;

  /** The default bound on window counters and on remembered reservations. */
  public static final int DEFAULT_MAX_ENTRIES = 200_000;

  private final LeasePolicy policy;
  private final LongSupplier clock;
  private final int maxEntries;
  private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
  private final Map<WindowId, Counter> windows = new ConcurrentHashMap<>();
  private final Map<String, long[]> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Res> reservations = new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Lease> leases = new ConcurrentSkipListSet<>();
  private final ConcurrentLinkedQueue<Lease> ended = new ConcurrentLinkedQueue<>();
  private volatile long nextEvictAt;

  /** A store with the system clock. */
  public EmbeddedBudgetStore(LeasePolicy policy, int maxEntries) {
    this(policy, maxEntries, System::currentTimeMillis);
  }

  /**
   * A store that reads the time from {@code clock} (milliseconds since the epoch): for tests and
   * simulations that must not depend on where the wall clock is within a window.
   */
  public EmbeddedBudgetStore(LeasePolicy policy, int maxEntries, LongSupplier clock) {
    this.policy = Objects.requireNonNull(policy);
    this.clock = Objects.requireNonNull(clock);
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  private record WindowId(String key, Window window, long start) {}

  private record Lease(long at, String id) implements Comparable<Lease> {
    @Override
    public int compareTo(Lease o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }

  /** One window's counters, guarded by the stripe lock of its key. */
  private static final class Counter {
    final long end;
    long used;
    long reserved;
    long requests;

    Counter(long end) {
      this.end = end;
    }
  }

  private enum State {
    OPEN,
    SETTLED,
    ENDED
  }

  /** A reservation; {@code state} is guarded by the stripe locks of its budgets. */
  private static final class Res {
    final List<Budget> budgets;
    final long[] starts;
    final long estimate;
    final Lease lease;
    State state = State.OPEN;

    Res(List<Budget> budgets, long[] starts, long estimate, Lease lease) {
      this.budgets = budgets;
      this.starts = starts;
      this.estimate = estimate;
      this.lease = lease;
    }

    WindowId window(int i) {
      Budget b = budgets.get(i);
      return new WindowId(b.key(), b.window(), starts[i]);
    }
  }

  @Override
  public ReserveResult reserve(String reservationId, List<Budget> budgets, long estimate)
      throws BudgetStoreException {
    checkArguments(reservationId, budgets, estimate);
    long now = clock.getAsLong();
    housekeeping(now);
    List<Budget> bs = List.copyOf(budgets);
    int[] stripes = stripes(bs);
    lock(stripes);
    try {
      Res existing = reservations.get(reservationId);
      if (existing != null) {
        return admitted(reservationId, existing.budgets, now);
      }
      if (reservations.size() >= maxEntries || windows.size() + bs.size() > maxEntries) {
        throw new BudgetStoreException(
            "embedded budget store full (" + maxEntries + " entries): raise the bound or use Redis",
            null);
      }
      long[] starts = new long[bs.size()];
      for (int i = 0; i < bs.size(); i++) {
        Budget b = bs.get(i);
        starts[i] = b.window().startOf(now);
        Counter c = windows.get(new WindowId(b.key(), b.window(), starts[i]));
        long used = c == null ? 0 : c.used + c.reserved;
        long requests = c == null ? 0 : c.requests;
        long end = starts[i] + b.window().millis();
        if (b.limitTokens() != Budget.UNLIMITED && used + estimate > b.limitTokens()) {
          return new Rejected(
              b, Limit.TOKENS, Math.max(0, b.limitTokens() - used), Duration.ofMillis(end - now));
        }
        if (b.limitRequests() != Budget.UNLIMITED && requests + 1 > b.limitRequests()) {
          return new Rejected(
              b,
              Limit.REQUESTS,
              Math.max(0, b.limitRequests() - requests),
              Duration.ofMillis(end - now));
        }
        long[] streams = inFlight.get(b.key());
        long open = streams == null ? 0 : streams[0];
        if (b.maxConcurrent() != Budget.UNLIMITED && open + 1 > b.maxConcurrent()) {
          return new Rejected(
              b,
              Limit.CONCURRENT,
              Math.max(0, b.maxConcurrent() - open),
              Rejected.CONCURRENCY_RETRY);
        }
      }
      Res res = new Res(bs, starts, estimate, new Lease(now + policy.leaseMillis(), reservationId));
      for (int i = 0; i < bs.size(); i++) {
        Budget b = bs.get(i);
        long end = starts[i] + b.window().millis();
        Counter c = windows.computeIfAbsent(res.window(i), w -> new Counter(end));
        c.reserved += estimate;
        c.requests++;
        inFlight.computeIfAbsent(b.key(), k -> new long[1])[0]++;
      }
      reservations.put(reservationId, res);
      leases.add(res.lease);
      return admitted(reservationId, bs, now);
    } finally {
      unlock(stripes);
    }
  }

  @Override
  public SettleResult settle(String reservationId, long actual) {
    Objects.requireNonNull(reservationId, "reservationId");
    if (actual < 0) {
      throw new IllegalArgumentException("actual usage must be >= 0: " + actual);
    }
    long now = clock.getAsLong();
    housekeeping(now);
    Res res = reservations.get(reservationId);
    if (res == null) {
      return SettleResult.nothing(SettleResult.Outcome.UNKNOWN);
    }
    int[] stripes = stripes(res.budgets);
    lock(stripes);
    try {
      switch (res.state) {
        case SETTLED -> {
          return SettleResult.nothing(SettleResult.Outcome.ALREADY_SETTLED);
        }
        case ENDED -> {
          long charged =
              policy.onExpiry() == LeasePolicy.OnExpiry.CHARGE_ESTIMATE ? res.estimate : 0;
          long correction = actual - charged;
          for (int i = 0; i < res.budgets.size(); i++) {
            Counter c = windows.get(res.window(i));
            if (c != null) {
              c.used = Math.max(0, c.used + correction);
            }
          }
          res.state = State.SETTLED;
          return new SettleResult(
              SettleResult.Outcome.CORRECTED_AFTER_EXPIRY,
              correction,
              Math.max(0, res.estimate - actual),
              Math.max(0, actual - res.estimate));
        }
        case OPEN -> {
          close(res, actual, State.SETTLED, now);
          return SettleResult.settled(res.estimate, actual);
        }
      }
      throw new AssertionError(res.state);
    } finally {
      unlock(stripes);
    }
  }

  @Override
  public SettleResult release(String reservationId) {
    Objects.requireNonNull(reservationId, "reservationId");
    long now = clock.getAsLong();
    housekeeping(now);
    Res res = reservations.get(reservationId);
    return res == null ? SettleResult.nothing(SettleResult.Outcome.UNKNOWN) : end(res, now);
  }

  @Override
  public Usage usage(Budget budget) {
    long now = clock.getAsLong();
    housekeeping(now);
    int[] stripes = {stripe(budget.key())};
    lock(stripes);
    try {
      Counter c =
          windows.get(new WindowId(budget.key(), budget.window(), budget.window().startOf(now)));
      long[] open = inFlight.get(budget.key());
      long streams = open == null ? 0 : open[0];
      return c == null
          ? new Usage(0, 0, 0, streams)
          : new Usage(c.used, c.reserved, c.requests, streams);
    } finally {
      unlock(stripes);
    }
  }

  /** Reservations remembered (open, or settled within their retention), for tests. */
  int remembered() {
    return reservations.size();
  }

  /** Window counters held, for tests. */
  int windowCount() {
    return windows.size();
  }

  @Override
  public void close() {}

  private SettleResult end(Res res, long now) {
    int[] stripes = stripes(res.budgets);
    lock(stripes);
    try {
      if (res.state != State.OPEN) {
        return SettleResult.nothing(SettleResult.Outcome.ALREADY_SETTLED);
      }
      boolean charge = policy.onExpiry() == LeasePolicy.OnExpiry.CHARGE_ESTIMATE;
      close(res, charge ? res.estimate : 0, State.ENDED, now);
      return new SettleResult(
          SettleResult.Outcome.SETTLED, charge ? res.estimate : 0, charge ? 0 : res.estimate, 0);
    } finally {
      unlock(stripes);
    }
  }

  /** Moves an open reservation's estimate from reserved to {@code charge} used; locks held. */
  private void close(Res res, long charge, State state, long now) {
    for (int i = 0; i < res.budgets.size(); i++) {
      Counter c = windows.get(res.window(i));
      if (c != null) {
        c.reserved -= res.estimate;
        c.used += charge;
      }
      String key = res.budgets.get(i).key();
      long[] open = inFlight.get(key);
      if (open != null && --open[0] <= 0) {
        inFlight.remove(key);
      }
    }
    res.state = state;
    leases.remove(res.lease);
    ended.add(new Lease(now + policy.retentionMillis(), res.lease.id()));
  }

  private void housekeeping(long now) {
    for (int n = 0; n < EXPIRE_BATCH; n++) {
      Lease first = leases.isEmpty() ? null : leases.first();
      if (first == null || first.at() > now) {
        break;
      }
      if (!leases.remove(first)) {
        continue;
      }
      Res res = reservations.get(first.id());
      if (res != null) {
        end(res, now);
      }
    }
    for (int n = 0; n < EXPIRE_BATCH; n++) {
      Lease head = ended.peek();
      if (head == null || head.at() > now || !ended.remove(head)) {
        break;
      }
      reservations.remove(head.id());
    }
    if (now >= nextEvictAt) {
      nextEvictAt = now + EVICT_EVERY_MILLIS;
      long keepAfterEnd = policy.leaseMillis();
      windows.values().removeIf(c -> c.end + keepAfterEnd < now);
    }
  }

  private Admitted admitted(String id, List<Budget> budgets, long now) {
    List<Remaining> out = new ArrayList<>(budgets.size());
    for (Budget b : budgets) {
      long start = b.window().startOf(now);
      Counter c = windows.get(new WindowId(b.key(), b.window(), start));
      long used = c == null ? 0 : c.used + c.reserved;
      long requests = c == null ? 0 : c.requests;
      out.add(
          new Remaining(
              b,
              b.limitTokens() == Budget.UNLIMITED
                  ? Budget.UNLIMITED
                  : Math.max(0, b.limitTokens() - used),
              b.limitRequests() == Budget.UNLIMITED
                  ? Budget.UNLIMITED
                  : Math.max(0, b.limitRequests() - requests),
              Duration.ofMillis(start + b.window().millis() - now)));
    }
    return new Admitted(id, out);
  }

  static void checkArguments(String reservationId, List<Budget> budgets, long estimate) {
    if (reservationId == null || reservationId.isEmpty() || reservationId.length() > 128) {
      throw new IllegalArgumentException("reservation id must be 1 to 128 characters");
    }
    if (budgets == null || budgets.isEmpty()) {
      throw new IllegalArgumentException("a reservation needs at least one budget");
    }
    if (estimate < 0) {
      throw new IllegalArgumentException("estimate must be >= 0: " + estimate);
    }
  }

  private static int stripe(String key) {
    return Math.floorMod(key.hashCode() * 0x9E3779B9, STRIPES);
  }

  private static int[] stripes(List<Budget> budgets) {
    TreeSet<Integer> set = new TreeSet<>();
    for (Budget b : budgets) {
      set.add(stripe(b.key()));
    }
    return set.stream().mapToInt(Integer::intValue).toArray();
  }

  private void lock(int[] stripes) {
    for (int s : stripes) {
      locks[s].lock();
    }
  }

  private void unlock(int[] stripes) {
    for (int i = stripes.length - 1; i >= 0; i--) {
      locks[stripes[i]].unlock();
    }
  }
}
