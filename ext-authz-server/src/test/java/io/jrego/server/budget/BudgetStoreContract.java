package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.jrego.server.budget.ReserveResult.Admitted;
import io.jrego.server.budget.ReserveResult.Limit;
import io.jrego.server.budget.ReserveResult.Rejected;
import io.jrego.server.budget.SettleResult.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link BudgetStore} shares, run against each. */
abstract class BudgetStoreContract {

  static final LeasePolicy SHORT_LEASE =
      new LeasePolicy(
          Duration.ofMillis(400), LeasePolicy.OnExpiry.CHARGE_ESTIMATE, Duration.ofMinutes(5));

  /** A new store over the same state as the others of this test (same Redis, same memory). */
  abstract BudgetStore store(LeasePolicy policy);

  /** Lets {@code millis} pass for the stores. */
  abstract void advance(long millis) throws InterruptedException;

  /** A budget key no other test uses. */
  static String key(String what) {
    return what + "/" + UUID.randomUUID();
  }

  static String id() {
    return UUID.randomUUID().toString();
  }

  @Test
  void admitsWithinTheLimitAndRejectsBeyondWithRetryAfter() throws Exception {
    BudgetStore s = store(LeasePolicy.DEFAULT);
    Budget b = Budget.tokens(key("t"), Window.HOUR, 1000);
    ReserveResult first = s.reserve(id(), List.of(b), 600);
    assertThat(first).isInstanceOf(Admitted.class);
    assertThat(((Admitted) first).remaining().get(0).tokens()).isEqualTo(400);
    ReserveResult second = s.reserve(id(), List.of(b), 401);
    assertThat(second).isInstanceOf(Rejected.class);
    Rejected r = (Rejected) second;
    assertThat(r.limit()).isEqualTo(Limit.TOKENS);
    assertThat(r.remaining()).isEqualTo(400);
    assertThat(r.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
    assertThat(s.reserve(id(), List.of(b), 400)).isInstanceOf(Admitted.class);
    assertThat(s.usage(b)).isEqualTo(new BudgetStore.Usage(0, 1000, 2, 2));
  }

  @Test
  void settleChargesTheOvershootAndRefundsTheRest() throws Exception {
    BudgetStore s = store(LeasePolicy.DEFAULT);
    Budget b = Budget.tokens(key("settle"), Window.MINUTE, 1000);
    String a = id();
    String c = id();
    s.reserve(a, List.of(b), 300);
    s.reserve(c, List.of(b), 300);
    assertThat(s.settle(a, 120)).isEqualTo(new SettleResult(Outcome.SETTLED, 120, 180, 0));
    assertThat(s.settle(c, 450)).isEqualTo(new SettleResult(Outcome.SETTLED, 450, 0, 150));
    assertThat(s.usage(b)).isEqualTo(new BudgetStore.Usage(570, 0, 2, 0));
  }

  @Test
  void everyCallIsIdempotentByReservationId() throws Exception {
    BudgetStore s = store(LeasePolicy.DEFAULT);
    Budget b = Budget.tokens(key("idem"), Window.DAY, 1000);
    String r = id();
    assertThat(s.reserve(r, List.of(b), 500)).isInstanceOf(Admitted.class);
    assertThat(s.reserve(r, List.of(b), 500)).isInstanceOf(Admitted.class);
    assertThat(s.usage(b).reserved()).isEqualTo(500);
    assertThat(s.settle(r, 100).outcome()).isEqualTo(Outcome.SETTLED);
    assertThat(s.settle(r, 100).outcome()).isEqualTo(Outcome.ALREADY_SETTLED);
    assertThat(s.release(r).outcome()).isEqualTo(Outcome.ALREADY_SETTLED);
    assertThat(s.settle(id(), 5).outcome()).isEqualTo(Outcome.UNKNOWN);
    assertThat(s.usage(b)).isEqualTo(new BudgetStore.Usage(100, 0, 1, 0));
  }

  @Test
  void requestAndConcurrencyLimits() throws Exception {
    BudgetStore s = store(LeasePolicy.DEFAULT);
    Budget requests = new Budget(key("req"), Window.MINUTE, Budget.UNLIMITED, 2, Budget.UNLIMITED);
    assertThat(s.reserve(id(), List.of(requests), 0)).isInstanceOf(Admitted.class);
    assertThat(s.reserve(id(), List.of(requests), 0)).isInstanceOf(Admitted.class);
    Rejected r = (Rejected) s.reserve(id(), List.of(requests), 0);
    assertThat(r.limit()).isEqualTo(Limit.REQUESTS);

    Budget streams = new Budget(key("conc"), Window.MINUTE, Budget.UNLIMITED, Budget.UNLIMITED, 1);
    String open = id();
    assertThat(s.reserve(open, List.of(streams), 10)).isInstanceOf(Admitted.class);
    Rejected busy = (Rejected) s.reserve(id(), List.of(streams), 10);
    assertThat(busy.limit()).isEqualTo(Limit.CONCURRENT);
    assertThat(busy.retryAfter()).isEqualTo(Rejected.CONCURRENCY_RETRY);
    s.settle(open, 10);
    assertThat(s.reserve(id(), List.of(streams), 10)).isInstanceOf(Admitted.class);
  }

  @Test
  void severalBudgetsAreAllOrNothing() throws Exception {
    BudgetStore s = store(LeasePolicy.DEFAULT);
    Budget team = Budget.tokens(key("team"), Window.HOUR, 10_000);
    Budget user = Budget.tokens(key("user"), Window.MINUTE, 100);
    assertThat(s.reserve(id(), List.of(team, user), 80)).isInstanceOf(Admitted.class);
    Rejected r = (Rejected) s.reserve(id(), List.of(team, user), 80);
    assertThat(r.budget()).isEqualTo(user);
    assertThat(s.usage(team).reserved()).isEqualTo(80);
    assertThat(s.usage(user).reserved()).isEqualTo(80);
  }

  @Test
  void anExpiredLeaseIsReleasedAndChargedAndALateSettleCorrectsIt() throws Exception {
    BudgetStore s = store(SHORT_LEASE);
    Budget b = new Budget(key("lease"), Window.HOUR, 1000, Budget.UNLIMITED, 1);
    String dead = id();
    String late = id();
    s.reserve(dead, List.of(b), 300);
    advance(SHORT_LEASE.leaseMillis() + 300);
    assertThat(s.reserve(late, List.of(b), 200)).isInstanceOf(Admitted.class);
    assertThat(s.usage(b)).isEqualTo(new BudgetStore.Usage(300, 200, 2, 1));
    advance(SHORT_LEASE.leaseMillis() + 300);
    assertThat(s.usage(b)).isEqualTo(new BudgetStore.Usage(500, 0, 2, 0));
    assertThat(s.settle(late, 50))
        .isEqualTo(new SettleResult(Outcome.CORRECTED_AFTER_EXPIRY, -150, 150, 0));
    assertThat(s.settle(late, 50).outcome()).isEqualTo(Outcome.ALREADY_SETTLED);
    assertThat(s.usage(b).used()).isEqualTo(350);
  }

  @Test
  void releaseEndsAReservationAtOnceAsThePolicySays() throws Exception {
    BudgetStore charge = store(LeasePolicy.DEFAULT);
    Budget b = new Budget(key("release"), Window.HOUR, 1000, Budget.UNLIMITED, 1);
    String r = id();
    charge.reserve(r, List.of(b), 300);
    assertThat(charge.release(r)).isEqualTo(new SettleResult(Outcome.SETTLED, 300, 0, 0));
    assertThat(charge.usage(b)).isEqualTo(new BudgetStore.Usage(300, 0, 1, 0));

    BudgetStore refund =
        store(
            new LeasePolicy(
                Duration.ofMinutes(1), LeasePolicy.OnExpiry.REFUND, Duration.ofMinutes(1)));
    Budget c = Budget.tokens(key("refund"), Window.HOUR, 1000);
    String q = id();
    refund.reserve(q, List.of(c), 300);
    assertThat(refund.release(q)).isEqualTo(new SettleResult(Outcome.SETTLED, 0, 300, 0));
    assertThat(refund.usage(c)).isEqualTo(new BudgetStore.Usage(0, 0, 1, 0));
  }

  /** 200 reserves at once, on {@code replicas} store instances, against a budget that fits 50. */
  void burstAdmitsExactlyWhatFits(int replicas) throws Exception {
    List<BudgetStore> stores = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      stores.add(store(LeasePolicy.DEFAULT));
    }
    long estimate = 100;
    Budget b = Budget.tokens(key("burst"), Window.HOUR, 50 * estimate);
    int n = 200;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        BudgetStore s = stores.get(i % replicas);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  String r = id();
                  return s.reserve(r, List.of(b), estimate) instanceof Admitted ? r : null;
                }));
      }
      go.countDown();
      List<String> admitted = new ArrayList<>();
      for (Future<String> f : results) {
        String r = f.get(30, TimeUnit.SECONDS);
        if (r != null) {
          admitted.add(r);
        }
      }
      assertThat(admitted).hasSize(50);
      assertThat(stores.get(0).usage(b).reserved()).isEqualTo(50 * estimate);

      // Settle concurrently with usages the "upstream" reports; the totals must match exactly.
      long reported = 0;
      List<Future<?>> settles = new ArrayList<>();
      for (int i = 0; i < admitted.size(); i++) {
        String r = admitted.get(i);
        long usage = 37 + (i * 13L) % 120;
        reported += usage;
        BudgetStore s = stores.get(i % replicas);
        settles.add(pool.submit(() -> s.settle(r, usage)));
      }
      for (Future<?> f : settles) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(stores.get(replicas - 1).usage(b))
          .isEqualTo(new BudgetStore.Usage(reported, 0, 50, 0));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void burstOnOneStore() throws Exception {
    burstAdmitsExactlyWhatFits(1);
  }
}
