package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EmbeddedBudgetStoreTest extends BudgetStoreContract {

  // Mid-window, so that the advances of a test never cross an hour boundary.
  private final AtomicLong now = new AtomicLong(1_800_000_000_000L + 1_000);

  @Override
  BudgetStore store(LeasePolicy policy) {
    return new EmbeddedBudgetStore(policy, 1_000, now::get);
  }

  @Override
  void advance(long millis) {
    now.addAndGet(millis);
  }

  @Test
  void memoryIsBoundedAndEndedWindowsAndReservationsAreDropped() throws Exception {
    EmbeddedBudgetStore s = new EmbeddedBudgetStore(SHORT_LEASE, 10, now::get);
    for (int i = 0; i < 10; i++) {
      s.reserve(id(), List.of(Budget.tokens("k" + i, Window.MINUTE, 100)), 1);
    }
    assertThatThrownBy(() -> s.reserve(id(), List.of(Budget.tokens("k", Window.MINUTE, 100)), 1))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("full");
    // Leases end, their reservations are forgotten after the retention, windows after they end.
    advance(SHORT_LEASE.leaseMillis() + 1);
    s.usage(Budget.tokens("k0", Window.MINUTE, 100));
    advance(SHORT_LEASE.retentionMillis() + Window.MINUTE.millis() + SHORT_LEASE.leaseMillis());
    s.usage(Budget.tokens("k0", Window.MINUTE, 100));
    assertThat(s.remembered()).isZero();
    assertThat(s.windowCount()).isZero();
    assertThat(s.reserve(id(), List.of(Budget.tokens("k", Window.MINUTE, 100)), 1))
        .isInstanceOf(ReserveResult.Admitted.class);
  }
}
