package io.jrego.server.budget;

import io.jrego.server.budget.ReserveResult.Admitted;
import io.jrego.server.budget.ReserveResult.Limit;
import io.jrego.server.budget.ReserveResult.Rejected;
import io.jrego.server.budget.ReserveResult.Remaining;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@link BudgetStore} in Redis, shared by every replica pointed at the same Redis: N replicas
 * admit exactly what one would.
 *
 * <p>Each call is one {@code EVALSHA} of one Lua script ({@code budget.lua} beside this class), so
 * a reserve checks and charges all its budgets atomically and costs one round trip, as does a
 * settle. Window counters carry a TTL (one lease after the window ends), reservations are
 * remembered for the retention, and lapsed leases are ended by the calls that follow them. Time is
 * Redis's clock, not the replicas'. The script names keys it builds itself, so it needs a single
 * Redis (or a primary with replicas), not Redis Cluster.
 *
 * <p>One Lettuce connection serves every thread (Lettuce pipelines concurrent commands on it).
 * While Redis is unreachable calls fail at once with {@link BudgetStoreException} (commands are
 * rejected rather than queued) and Lettuce reconnects in the background; what the server then does
 * is {@link FallbackBudgetStore}'s or the caller's choice.
 */
public final class RedisBudgetStore implements BudgetStore {

  private static final String SCRIPT = loadScript();

  private final RedisClient client;
  private final LeasePolicy policy;
  private final String prefix;
  private final String sha;
  private final String charge;
  private final Object connectLock = new Object();
  private volatile StatefulRedisConnection<String, String> connection;

  /**
   * Connects lazily: a store made while Redis is down works once Redis is up.
   *
   * @param uri such as {@code redis://127.0.0.1:6379/0}
   * @param timeout how long one call may wait for Redis
   * @param prefix the prefix of every key, such as {@code jrego:budget:}
   */
  public RedisBudgetStore(String uri, Duration timeout, String prefix, LeasePolicy policy) {
    this.policy = Objects.requireNonNull(policy);
    this.prefix = Objects.requireNonNull(prefix);
    RedisURI redisUri = RedisURI.create(uri);
    redisUri.setTimeout(timeout);
    this.client = RedisClient.create(redisUri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
    this.sha = sha1Hex(SCRIPT);
    this.charge = policy.onExpiry() == LeasePolicy.OnExpiry.CHARGE_ESTIMATE ? "1" : "0";
  }

  @Override
  public ReserveResult reserve(String reservationId, List<Budget> budgets, long estimate)
      throws BudgetStoreException {
    EmbeddedBudgetStore.checkArguments(reservationId, budgets, estimate);
    List<String> args = new ArrayList<>(8 + budgets.size() * 5);
    common(args, "reserve");
    args.add(reservationId);
    args.add(Long.toString(estimate));
    args.add(Integer.toString(budgets.size()));
    for (Budget b : budgets) {
      args.add(b.key());
      args.add(Long.toString(b.window().millis()));
      args.add(Long.toString(b.limitTokens()));
      args.add(Long.toString(b.limitRequests()));
      args.add(Long.toString(b.maxConcurrent()));
    }
    List<Object> out = eval(args);
    if (asLong(out.get(0)) == 0) {
      Budget b = budgets.get((int) asLong(out.get(1)));
      Limit limit = Limit.valueOf(((String) out.get(2)).toUpperCase(Locale.ROOT));
      return new Rejected(b, limit, asLong(out.get(3)), Duration.ofMillis(asLong(out.get(4))));
    }
    List<Remaining> remaining = new ArrayList<>(budgets.size());
    for (int i = 0; i < budgets.size(); i++) {
      Budget b = budgets.get(i);
      long used = asLong(out.get(1 + i * 3));
      long requests = asLong(out.get(2 + i * 3));
      remaining.add(
          new Remaining(
              b,
              b.limitTokens() == Budget.UNLIMITED
                  ? Budget.UNLIMITED
                  : Math.max(0, b.limitTokens() - used),
              b.limitRequests() == Budget.UNLIMITED
                  ? Budget.UNLIMITED
                  : Math.max(0, b.limitRequests() - requests),
              Duration.ofMillis(asLong(out.get(3 + i * 3)))));
    }
    return new Admitted(reservationId, remaining);
  }

  @Override
  public SettleResult settle(String reservationId, long actual) throws BudgetStoreException {
    if (actual < 0) {
      throw new IllegalArgumentException("actual usage must be >= 0: " + actual);
    }
    List<String> args = new ArrayList<>(7);
    common(args, "settle");
    args.add(Objects.requireNonNull(reservationId));
    args.add(Long.toString(actual));
    return settleResult(eval(args));
  }

  @Override
  public SettleResult release(String reservationId) throws BudgetStoreException {
    List<String> args = new ArrayList<>(6);
    common(args, "release");
    args.add(Objects.requireNonNull(reservationId));
    return settleResult(eval(args));
  }

  @Override
  public Usage usage(Budget budget) throws BudgetStoreException {
    List<String> args = new ArrayList<>(7);
    common(args, "usage");
    args.add(budget.key());
    args.add(Long.toString(budget.window().millis()));
    List<Object> out = eval(args);
    return new Usage(
        asLong(out.get(0)), asLong(out.get(1)), asLong(out.get(2)), asLong(out.get(3)));
  }

  @Override
  public void close() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  private void common(List<String> args, String op) {
    args.add(op);
    args.add(prefix);
    args.add(charge);
    args.add(Long.toString(policy.leaseMillis()));
    args.add(Long.toString(policy.retentionMillis()));
  }

  private static SettleResult settleResult(List<Object> out) {
    SettleResult.Outcome outcome =
        switch ((String) out.get(0)) {
          case "settled" -> SettleResult.Outcome.SETTLED;
          case "corrected" -> SettleResult.Outcome.CORRECTED_AFTER_EXPIRY;
          case "already" -> SettleResult.Outcome.ALREADY_SETTLED;
          default -> SettleResult.Outcome.UNKNOWN;
        };
    return new SettleResult(outcome, asLong(out.get(1)), asLong(out.get(2)), asLong(out.get(3)));
  }

  private List<Object> eval(List<String> args) throws BudgetStoreException {
    String[] argv = args.toArray(String[]::new);
    try {
      RedisCommands<String, String> redis = connect().sync();
      try {
        return redis.evalsha(sha, ScriptOutputType.MULTI, new String[0], argv);
      } catch (RedisNoScriptException e) {
        // A restarted or flushed Redis has forgotten the script: load it once, then retry.
        redis.scriptLoad(SCRIPT);
        return redis.evalsha(sha, ScriptOutputType.MULTI, new String[0], argv);
      }
    } catch (RedisException e) {
      throw new BudgetStoreException("redis budget store: " + e.getMessage(), e);
    }
  }

  private StatefulRedisConnection<String, String> connect() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      return c;
    }
    synchronized (connectLock) {
      if (connection == null) {
        connection = client.connect();
      }
      return connection;
    }
  }

  private static long asLong(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    throw new IllegalStateException(
        "redis budget script answered " + o + " where a number was due");
  }

  private static String loadScript() {
    try (InputStream in = RedisBudgetStore.class.getResourceAsStream("budget.lua")) {
      if (in == null) {
        throw new IllegalStateException("budget.lua missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1Hex(String s) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-1")
              .digest(s.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
