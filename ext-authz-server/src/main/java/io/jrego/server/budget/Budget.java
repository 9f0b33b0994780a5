package io.jrego.server.budget;

import java.util.Objects;

/**
 * One budget a request draws on, as the policy declared it.
 *
 * @param key what the budget belongs to, computed by the policy (for example {@code
 *     tenant:acme/model:gpt-4o}); requests with the same key and window share counters
 * @param window the accounting period
 * @param limitTokens tokens allowed per window, or {@link #UNLIMITED}
 * @param limitRequests requests allowed per window, or {@link #UNLIMITED}
 * @param maxConcurrent requests (streams) in flight at once under this key, or {@link #UNLIMITED};
 *     not windowed
 */
public record Budget(
    String key, Window window, long limitTokens, long limitRequests, long maxConcurrent) {

  /** No limit of this kind. */
  public static final long UNLIMITED = -1;

  /** The longest key accepted: keys become Redis key names and metric labels. */
  public static final int MAX_KEY_LENGTH = 256;

  public Budget {
    Objects.requireNonNull(window, "window");
    if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "budget key must be 1 to " + MAX_KEY_LENGTH + " characters: " + key);
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException(
            "budget key may hold only visible ASCII characters: " + key);
      }
    }
    checkLimit("limit_tokens", limitTokens);
    checkLimit("limit_requests", limitRequests);
    checkLimit("max_concurrent", maxConcurrent);
  }

  private static void checkLimit(String name, long v) {
    if (v < UNLIMITED) {
      throw new IllegalArgumentException(name + " must be >= 0 (or absent): " + v);
    }
  }

  /** A budget with a token limit only. */
  public static Budget tokens(String key, Window window, long limitTokens) {
    return new Budget(key, window, limitTokens, UNLIMITED, UNLIMITED);
  }
}
