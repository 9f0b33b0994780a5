package io.jrego.server.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jrego.server.budget.ReserveResult.Admitted;
import io.jrego.server.budget.ReserveResult.Rejected;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract against a real redis-server, plus what only a shared store has. */
class RedisBudgetStoreIT extends BudgetStoreContract {

  @TempDir static Path dir;
  static RedisServer redis;
  private final List<BudgetStore> opened = new ArrayList<>();

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start(dir);
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(BudgetStore::close);
  }

  @Override
  BudgetStore store(LeasePolicy policy) {
    RedisBudgetStore s =
        new RedisBudgetStore(redis.uri(), Duration.ofSeconds(2), "jrego:test:", policy);
    opened.add(s);
    return s;
  }

  @Override
  void advance(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }

  @Test
  void burstOnThreeReplicasSharingOneRedis() throws Exception {
    burstAdmitsExactlyWhatFits(3);
  }

  @Test
  void aRestartOfRedisLosesNoSettledUsage() throws Exception {
    BudgetStore s = store(LeasePolicy.DEFAULT);
    Budget b = Budget.tokens(key("restart"), Window.DAY, 10_000);
    long total = 0;
    for (int i = 0; i < 20; i++) {
      String r = id();
      s.reserve(r, List.of(b), 200);
      s.settle(r, 10 + i);
      total += 10 + i;
    }
    String open = id();
    s.reserve(open, List.of(b), 500);
    redis.kill();
    redis.start();
    BudgetStore after = store(LeasePolicy.DEFAULT);
    assertThat(after.usage(b)).isEqualTo(new BudgetStore.Usage(total, 500, 21, 1));
    // The script is loaded again on first use after the restart, and the open reservation settles.
    assertThat(after.settle(open, 400).outcome()).isEqualTo(SettleResult.Outcome.SETTLED);
    assertThat(after.usage(b).used()).isEqualTo(total + 400);
  }

  @Test
  void redisDownFailsClosedByDefaultOrFallsBackLocallyWithinItsShare() throws Exception {
    Path other = dir.resolve("down");
    java.nio.file.Files.createDirectories(other);
    RedisServer gone = RedisServer.start(other);
    String uri = gone.uri();
    gone.kill();
    RedisBudgetStore shared =
        new RedisBudgetStore(uri, Duration.ofMillis(200), "jrego:test:", LeasePolicy.DEFAULT);
    opened.add(shared);
    Budget b = Budget.tokens(key("down"), Window.HOUR, 1000);
    assertThatThrownBy(() -> shared.reserve(id(), List.of(b), 10))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("redis budget store");

    FallbackBudgetStore fallback =
        new FallbackBudgetStore(
            shared, new EmbeddedBudgetStore(LeasePolicy.DEFAULT, 1_000), 1.0 / 3);
    int admitted = 0;
    String last = null;
    for (int i = 0; i < 10; i++) {
      String r = id();
      if (fallback.reserve(r, List.of(b), 100) instanceof Admitted) {
        admitted++;
        last = r;
      }
    }
    // A third of 1,000 tokens: three reservations of 100.
    assertThat(admitted).isEqualTo(3);
    assertThat(fallback.reserve(id(), List.of(b), 100)).isInstanceOf(Rejected.class);
    assertThat(fallback.fallbacks()).isEqualTo(11);
    assertThat(fallback.settle(last, 40).outcome()).isEqualTo(SettleResult.Outcome.SETTLED);
  }
}
